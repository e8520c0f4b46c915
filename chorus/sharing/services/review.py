"""Edited texts that break a rule, sent to an approver instead of being refused.

When the organization's policy says so (ContentPolicy.route_edited_captions_to_approver),
a member's own text that a blocking rule stops is kept IN_REVIEW, exactly as written, and
nothing goes out until an approver decides. Locked captions are never routed (the member
cannot change them), nor texts over the network's length limit (the network itself would
refuse or cut them), nor the post's own suggestion (nothing was edited).

Approved: an API share is SCHEDULED again (now, or at the time the member chose) and the
publish task takes it from there; an intent share is APPROVED, for the member to open
with exactly the approved text. Rejected: REJECTED with the reason. The member is told
either way; every decision is audited. Nobody decides on their own share.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import User
from chorus.content.models import CaptionMode, ContentPolicy, Post, PostState
from chorus.core.audit import audit_record
from chorus.networks.registry import adapter
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.compose import ShareVerdict
from chorus.sharing.i18n import when_shown
from chorus.sharing.models import Share, ShareMethod, ShareStatus


def share_goes_to_review(*, post: Post, verdict: ShareVerdict, edited: bool) -> bool:
    """Whether a blocked text goes to an approver instead of being refused.

    `edited`: the member wrote the text (not the post's suggestion taken as it is).
    """
    if not (edited and verdict.blocked) or verdict.locked_changed:
        return False
    if post.caption_mode == CaptionMode.LOCKED:
        return False
    # Too long for the network, or written to display in another order than it reads
    # (direction overrides): no approval can make either right, so the member is told.
    refused_outright = ("length", "bidi_control")
    if any(f.rule in refused_outright and f.action == "block" for f in verdict.findings):
        return False
    return ContentPolicy.objects.filter(
        organization_id=post.organization_id, route_edited_captions_to_approver=True
    ).exists()


def review_reasons(verdict: ShareVerdict) -> str:
    """The blocking findings, for the member, the approver and the share's record."""
    blocking = [f.message for f in verdict.findings if f.action == "block"]
    return "; ".join(blocking or verdict.messages)[:1000]


def review_message(share: Share) -> str:
    """What the member is told when their text goes to an approver."""
    return _(
        "Your text goes to an approver because %(reasons)s: you'll be told when it is decided."
    ) % {"reasons": share.review_reasons}


def _label(network: str) -> str:
    return adapter(network).label


def _lock_in_review(share: Share, actor: User) -> Share:
    """The share, locked, still waiting, and not the approver's own. Inside atomic()."""
    locked = Share.objects.select_for_update().filter(pk=share.pk).first()
    if locked is None or locked.status != ShareStatus.IN_REVIEW:
        raise ValidationError(_("This share is no longer waiting for approval."))
    if locked.membership.user_id == actor.pk:
        raise ValidationError(_("This is your own share: another approver must decide on it."))
    return locked


def _decided(share: Share, *, actor: User, note: str) -> None:
    share.reviewed_by = actor
    share.reviewed_at = timezone.now()
    share.review_note = note[:2000]


def share_review_approve(*, share: Share, actor: User, note: str = "") -> Share:
    """Approve a share in review (the caller checked that `actor` is an approver).

    An API share is scheduled again: published now, or at the time the member chose if
    that is still ahead. An intent share waits for the member to open it.
    """
    from chorus.sharing.services.publishing import enqueue_publish

    with transaction.atomic():
        locked = _lock_in_review(share, actor)
        post, membership = locked.post, locked.membership
        if not membership.is_advocate:
            raise ValidationError(_("The member is no longer in the advocacy program."))
        if post.state != PostState.LIVE:
            raise ValidationError(_("The post is no longer live."))
        now = timezone.now()
        _decided(locked, actor=actor, note=note.strip())
        label, title = _label(locked.network), post.title
        if locked.method == ShareMethod.API:
            due = max(locked.scheduled_for or now, now)
            if post.publish_end is not None and due >= post.publish_end:
                raise ValidationError(_("The post is withdrawn from sharing before that time."))
            locked.status = ShareStatus.SCHEDULED
            locked.scheduled_for = locked.next_attempt_at = due
            params: dict[str, object] = {"network": label, "title": title}
            if due <= now:
                message = gettext_lazy(
                    "Your %(network)s text for “%(title)s” was approved: Chorus posts it now."
                )
            else:
                message = gettext_lazy(
                    "Your %(network)s text for “%(title)s” was approved: "
                    "Chorus posts it on %(when)s."
                )
                params["when"] = when_shown(due, "DATETIME_FORMAT")
            url = reverse("share_history")
            if due <= now:
                share_id = locked.pk
                transaction.on_commit(lambda: enqueue_publish(share_id))
        else:
            locked.status = ShareStatus.APPROVED
            message = gettext_lazy(
                "Your %(network)s text for “%(title)s” was approved: open %(network)s to post it."
            )
            params = {"network": label, "title": title}
            url = reverse("share_open_approved", args=[locked.pk])
        locked.save(
            update_fields=[
                "status",
                "scheduled_for",
                "next_attempt_at",
                "reviewed_by",
                "reviewed_at",
                "review_note",
                "updated_at",
            ]
        )
        audit_record(
            organization=post.organization,
            actor=actor,
            action="share.review_approved",
            target=locked,
            data={
                "post": post.pk,
                "network": locked.network,
                "member": membership.pk,
                "note": locked.review_note,
            },
        )
        notification_create(
            membership=membership, kind="share_approved", message=message, params=params, url=url
        )
    return locked


def share_review_reject(*, share: Share, actor: User, reason: str) -> Share:
    """Reject a share in review with a reason the member reads; nothing is published."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the text is not approved, so the member can fix it."))
    with transaction.atomic():
        locked = _lock_in_review(share, actor)
        _decided(locked, actor=actor, note=reason)
        locked.status = ShareStatus.REJECTED
        locked.next_attempt_at = None
        locked.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "reviewed_by",
                "reviewed_at",
                "review_note",
                "updated_at",
            ]
        )
        post = locked.post
        audit_record(
            organization=post.organization,
            actor=actor,
            action="share.review_rejected",
            target=locked,
            data={
                "post": post.pk,
                "network": locked.network,
                "member": locked.membership_id,
                "reason": locked.review_note,
            },
        )
        notification_create(
            membership=locked.membership,
            kind="share_rejected",
            message=gettext_lazy(
                "Your %(network)s text for “%(title)s” was not approved: %(note)s"
            ),
            params={
                "network": _label(locked.network),
                "title": post.title,
                "note": locked.review_note,
            },
            # The post's page: what they shared, and the dialog to try again.
            url=reverse("feed_post", kwargs={"post_id": post.pk}),
        )
    return locked
