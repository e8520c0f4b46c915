"""The one function that writes to the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from chorus.core.models import AuditEvent

if TYPE_CHECKING:
    from chorus.accounts.models import Organization, User


# What each action reads as in the audit log. An action missing here reads as its key made
# into words ("widget.renamed": "Widget renamed"); chorus/core/tests checks every action
# the code writes is listed.
ACTION_LABELS: dict[str, Any] = {
    "api_token.created": _("Created an API token"),
    "api_token.revoked": _("Revoked an API token"),
    "autoshare.disabled": _("Turned auto-share off"),
    "autoshare.enabled": _("Turned auto-share on"),
    "autoshare.expired": _("Auto-share expired"),
    "autoshare.renewed": _("Renewed auto-share"),
    "badge.changed": _("Changed a badge"),
    "badge.created": _("Created a badge"),
    "badge.deactivated": _("Deactivated a badge"),
    "badge.suggested_added": _("Added the suggested badges"),
    "care.agent_cleared": _("Cleared a member to answer customers"),
    "care.agent_opted_in": _("Chose to answer customers"),
    "care.agent_opted_out": _("Stopped answering customers"),
    "care.agent_uncleared": _("Withdrew a member's clearance to answer customers"),
    "care.agent_updated": _("Changed their customer care profile"),
    "care.assigned": _("Assigned a customer conversation"),
    "care.claim_taken_over": _("Took over a customer conversation someone was answering"),
    "care.note_added": _("Wrote an internal note on a customer conversation"),
    "care.priority_changed": _("Changed a customer conversation's priority"),
    "care.released": _("Released a customer conversation"),
    "care.routed": _("Routed a customer conversation"),
    "care.status_changed": _("Changed a customer conversation's status"),
    "care.tags_changed": _("Changed a customer conversation's tags"),
    "care.taken_back": _("Took a customer conversation back for routing"),
    "care.unassigned": _("Unassigned a customer conversation"),
    "challenge.changed": _("Changed a challenge"),
    "challenge.created": _("Created a challenge"),
    "challenge.deleted": _("Deleted a challenge"),
    "challenge.results_sent": _("Sent a challenge's results"),
    "clicks.reclassified": _("Counted a visitor as a bot"),
    "connection.connected": _("Connected a network account"),
    "connection.disconnected": _("Disconnected a network account"),
    "connection.reconnected": _("Reconnected a network account"),
    "content_policy.updated": _("Changed the content policy"),
    "course.archived": _("Archived a course"),
    "course.completed": _("Completed a course"),
    "course.created": _("Created a course"),
    "course.published": _("Published a course version"),
    "course.retaken": _("Took a course again"),
    "course.updated": _("Changed a course"),
    "gamification.settings_changed": _("Changed the points settings"),
    "group.created": _("Created a group"),
    "group.deleted": _("Deleted a group"),
    "group.member_added": _("Added members to a group"),
    "group.member_removed": _("Removed a member from a group"),
    "group.updated": _("Changed a group"),
    "invitation.accepted": _("Accepted an invitation"),
    "invitation.created": _("Invited someone"),
    "invitation.resent": _("Resent an invitation"),
    "invitation.revoked": _("Revoked an invitation"),
    "lesson.created": _("Added a lesson"),
    "lesson.deleted": _("Deleted a lesson"),
    "lesson.image_added": _("Added a picture to a lesson"),
    "lesson.image_deleted": _("Deleted a lesson's picture"),
    "lesson.moved": _("Moved a lesson"),
    "lesson.updated": _("Changed a lesson"),
    "links.disable": _("Turned a tracked link off"),
    "links.enable": _("Turned a tracked link on"),
    "links.settings_update": _("Changed the link settings"),
    "member.deactivated": _("Deactivated a member"),
    "member.groups_changed": _("Changed a member's groups"),
    "member.public_ranking_changed": _("Changed whether they appear by name in rankings"),
    "member.reactivated": _("Reactivated a member"),
    "member.roles_changed": _("Changed a member's roles"),
    "member.title_changed": _("Changed a member's title"),
    "member_import.confirmed": _("Imported members"),
    "network_settings.updated": _("Changed the network settings"),
    "organization.accent_color_changed": _("Changed the accent colour"),
    "organization.logo_changed": _("Changed the logo"),
    "organization.logo_removed": _("Removed the logo"),
    "organization.renamed": _("Renamed the organization"),
    "organization.terms_changed": _("Changed the program terms"),
    "post.approved": _("Approved a post"),
    "post.archived": _("Withdrew a post"),
    "post.created": _("Created a post"),
    "post.draft": _("Moved a post back to draft"),
    "post.expired": _("A post expired"),
    "post.image_added": _("Added an image to a post"),
    "post.image_deleted": _("Deleted a post's image"),
    "post.image_updated": _("Changed a post's image"),
    "post.in_review": _("Sent a post for review"),
    "post.live": _("Published a post"),
    "post.published": _("Published a post"),
    "post.rejected": _("Rejected a post"),
    "post.returned_to_review": _("Returned a post to review"),
    "post.scheduled": _("Scheduled a post"),
    "post.submitted": _("Sent a post for review"),
    "post.updated": _("Changed a post"),
    "program.joined": _("Joined the advocacy program"),
    "program.left": _("Left the advocacy program"),
    "question.created": _("Added a quiz question"),
    "question.deleted": _("Deleted a quiz question"),
    "question.updated": _("Changed a quiz question"),
    "quiz.finished": _("Finished a quiz"),
    "quiz.started": _("Started a quiz"),
    "reward.approved": _("Approved a reward request"),
    "reward.cancelled": _("Cancelled a reward request"),
    "reward.created": _("Created a reward"),
    "reward.deactivated": _("Deactivated a reward"),
    "reward.declined": _("Declined a reward request"),
    "reward.picture_changed": _("Changed a reward's picture"),
    "reward.picture_removed": _("Removed a reward's picture"),
    "reward.requested": _("Requested a reward"),
    "reward.updated": _("Changed a reward"),
    "rule.created": _("Created a compliance rule"),
    "rule.deleted": _("Deleted a compliance rule"),
    "rule.updated": _("Changed a compliance rule"),
    "share.cancelled": _("Cancelled a share"),
    "share.confirmed_by_click": _("A click on the tracked link confirmed a share"),
    "share.deleted": _("Deleted a share"),
    "share.opened": _("Opened a share"),
    "share.review_approved": _("Approved a share for publishing"),
    "share.review_rejected": _("Declined a share"),
    "share.scheduled": _("Scheduled a share"),
    "share.sent_to_review": _("Sent a share for review"),
    "shares.cancelled": _("Cancelled pending shares"),
    "source.created": _("Added a content source"),
    "source.deleted": _("Deleted a content source"),
    "source.updated": _("Changed a content source"),
    "source_item.dismissed": _("Dismissed a feed item"),
    "source_item.used": _("Made a post from a feed item"),
    "suggestion.accepted": _("Accepted a suggestion"),
    "suggestion.created": _("Suggested content"),
    "suggestion.declined": _("Declined a suggestion"),
    "training.certificate_issued": _("Earned a certificate"),
    "training.certificate_revoked": _("Revoked a certificate"),
    "training.certification_created": _("Created a certification"),
    "training.certification_updated": _("Changed a certification"),
    "training.gate_added": _("Required a certification for something"),
    "training.gate_removed": _("No longer required a certification for something"),
    "training.policy_acknowledged": _("Acknowledged the social media policy"),
    "training.policy_draft_saved": _("Saved a draft of the social media policy"),
    "training.policy_not_required": _("Let members share without acknowledging the policy"),
    "training.policy_published": _("Published a version of the social media policy"),
    "training.policy_required": _("Required the acknowledged policy before sharing"),
    "training.policy_template_used": _("Started the social media policy from the template"),
    "training.session_attendance": _("Marked attendance at a session"),
    "training.session_cancelled": _("Cancelled a session"),
    "training.session_created": _("Planned a session"),
    "training.session_invited": _("Sent invitations to a session"),
    "training.session_updated": _("Changed a session"),
    "training.scenario_created": _("Created a practice scenario"),
    "training.scenario_passed": _("Passed an answer to a practice scenario"),
    "training.scenario_retry": _("Asked for another try at a practice scenario"),
    "training.scenario_submitted": _("Sent an answer to a practice scenario"),
    "training.scenario_updated": _("Changed a practice scenario"),
    "training.starter_added": _("Added the starter curriculum"),
    "value_settings.updated": _("Changed the earned media values"),
    "writing.settings_changed": _("Changed the writing help settings"),
}


def audit_action_label(action: str) -> str:
    """The action in words, for people reading the log."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    subject, _dot, verb = action.partition(".")
    words = f"{subject} {verb}".replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target: Any = None,
    target_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.model_name
        target_id = str(target.pk)
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_label=actor.email if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:254],
        data=data or {},
    )
