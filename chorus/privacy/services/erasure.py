"""Erasing a member: their personal data removed or replaced, what the organization counts
kept without their name.

`member_erase` is the one action (atomic; side effects after commit). What happens to each
kind of data, and why:

- The membership stays, deactivated, as "Former member #<id>": rollups, leaderboards'
  history and the points ledger keep counting it, without a name. A user with no other
  organization is anonymised in place (name, email, password unusable, sessions ended,
  email addresses, single sign-on links and authenticators deleted); a user who belongs to
  other organizations keeps their account there, and this membership moves to a new,
  anonymous user that cannot sign in.
- API tokens deleted; connected accounts deleted with their tokens, revoked at the network
  after commit where the network allows it (best effort, like disconnecting).
- Shares keep their status, network and dates; their texts (and public addresses, which
  name the account) are blanked.
- Messages in spaces lose their author and their text (shown as removed); threads lose
  their author and title.
- Care: a reply that was published stays as it was published (it is public in the
  customer's thread, and the conversation must still read); its author is the anonymous
  membership. Replies never published lose their text. The outbound messages lose the link
  to the member and the account's name and handle.
- Survey `Answered` and `AttributedAnswer` rows deleted (anonymous answers never named
  anyone). Notifications, deliveries, preferences, channel links deleted; suggestions'
  reasons and practice answers blanked; the member's exports deleted.
- The name and email are replaced wherever they were copied: audit labels and details,
  other members' notifications, messages in spaces, invitations. The audit entry of the
  erasure says only "member #<id> erased by admin #<id>".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chorus.accounts.models import Invitation, Membership, Organization, User
from chorus.core.audit import audit_record
from chorus.core.models import AuditEvent
from chorus.core.tenancy import across_organizations
from chorus.gamification.services.points import points_ranking_sync
from chorus.networks import base
from chorus.networks.registry import publishing_adapter
from chorus.privacy.models import DataExport, ErasureRequest, ErasureStatus
from chorus.privacy.services.export import export_path
from chorus.sharing.models import NetworkConnection, Share
from chorus.sharing.services.cancel import shares_cancel_for_member
from chorus.sharing.services.connections import plain_connection

logger = logging.getLogger(__name__)

COOLING_OFF = timedelta(days=7)
ERASED_DOMAIN = "erased.invalid"


def former_member_name(membership: Membership) -> str:
    return f"Former member #{membership.pk}"


def is_erased(membership: Membership) -> bool:
    return membership.user.email.endswith(f"@{ERASED_DOMAIN}")


def erasure_refusal(*, membership: Membership) -> str:
    """Why this member cannot be erased now, in words; empty when they can."""
    if is_erased(membership):
        return _("This member was already erased.")
    if membership.is_admin and membership.is_active:
        others = Membership.objects.filter(
            organization_id=membership.organization_id, is_admin=True, is_active=True
        ).exclude(pk=membership.pk)
        if not others.exists():
            return _(
                "This is the organization's last admin: make someone else an admin first, "
                "so that somebody can still run the organization."
            )
    return ""


def _placeholder_email(membership: Membership) -> str:
    return f"former-member-{membership.pk}-{secrets.token_hex(4)}@{ERASED_DOMAIN}"


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _delete(label: str, **filters: Any) -> None:
    model = _model(label)
    if model is not None:
        model._default_manager.filter(**filters).delete()


def _replace_text(
    queryset: models.QuerySet[Any], field: str, words: list[str], replacement: str
) -> None:
    """Replace each word in a text column where it appears (case as written)."""
    for word in words:
        queryset.filter(**{f"{field}__contains": word}).update(
            **{field: Replace(field, Value(word), Value(replacement))}
        )


def _end_sessions(user: User) -> None:
    """Delete the user's sessions (database sessions; others end with the password hash and
    the inactive user, which Django's authentication refuses on the next request)."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=doomed).delete()


def _anonymise_user(user: User, name: str, email: str) -> None:
    user.name = name
    user.email = email
    user.language = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    for label in ("account.EmailAddress", "socialaccount.SocialAccount", "mfa.Authenticator"):
        _delete(label, user=user)
    _delete("links.MemberVisitorKey", user=user)
    _end_sessions(user)


def _scrub_audit(
    organization: Organization, words: list[str], former: str, user: User, membership_id: int
) -> None:
    """The audit log is append-only for everyone else; erasure is the one rewrite it
    allows: labels and details that carry the name or email lose them."""
    events = AuditEvent._base_manager.filter(organization=organization)
    events.filter(actor=user).update(actor_label=former)
    # What they did names their own things (a token's name, an account's handle).
    events.filter(actor=user).exclude(target_type="membership").update(target_label="")
    events.filter(target_type="membership", target_id=str(membership_id)).update(
        target_label=former
    )
    events.filter(target_type="user", target_id=str(user.pk)).update(target_label=former)
    for word in words:
        events.filter(actor_label__iexact=word).update(actor_label=former)
        events.filter(target_label__icontains=word).update(target_label=former)
        textual = events.annotate(text=Cast("data", TextField())).filter(text__icontains=word)
        AuditEvent._base_manager.filter(pk__in=list(textual.values_list("pk", flat=True))).update(
            data={}
        )


def _revoke_later(connections: list[tuple[str, base.Connection]]) -> Callable[[], None]:
    def revoke() -> None:
        for network, connection in connections:
            try:
                publishing_adapter(network).revoke(connection)
            except Exception:  # revoking is a courtesy; the tokens are gone either way
                logger.warning("Revoking a %s token on erasure failed", network, exc_info=True)

    return revoke


@transaction.atomic
def member_erase(*, membership: Membership, actor: User | None) -> Membership:
    """Erase the member's personal data in this organization (see the module's words).

    `actor` is the admin who erased them, or None when their own request came due.
    Raises ValidationError (in words) for the last admin or a member already erased.
    """
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, is_admin=True)
        .values_list("pk", flat=True)
    )
    membership = Membership.objects.select_related("user", "organization").get(pk=membership.pk)
    refusal = erasure_refusal(membership=membership)
    if refusal:
        raise ValidationError(refusal)
    organization = membership.organization
    user = membership.user
    former = former_member_name(membership)
    original_email = user.email
    words = [word for word in {user.email, user.name} if word and len(word) >= 3]
    with across_organizations("whether the person belongs to other organizations"):
        elsewhere = Membership.objects.filter(user=user).exclude(pk=membership.pk).exists()

    # Deactivated: off the rankings, pending shares cancelled, auto-share stopped.
    with translation.override(settings.LANGUAGE_CODE):
        shares_cancel_for_member(membership=membership, reason=_("The member was erased."))
    for role in ("employee", "curator", "approver", "trainer", "admin"):
        setattr(membership, f"is_{role}", False)
    membership.is_active = False
    membership.title = ""
    membership.public_ranking = False
    membership.answers_customers = False
    if elsewhere:
        placeholder = User(email=_placeholder_email(membership), name=former, is_active=False)
        placeholder.set_unusable_password()
        placeholder.save()
        membership.user = placeholder
    else:
        _anonymise_user(user, former, _placeholder_email(membership))
    membership.save()
    membership.groups.clear()
    points_ranking_sync(membership=membership)

    # Credentials, and what the identity provider said about them (SCIM), if installed.
    membership.api_tokens.all().delete()
    _delete("scim.ScimUser", membership=membership)
    _delete("identity.BreakGlassAdmin", membership=membership)
    to_revoke = []
    for connection in NetworkConnection.objects.filter(membership=membership):
        try:
            to_revoke.append((connection.network, plain_connection(connection)))
        except Exception:  # an undecryptable token cannot be revoked; it is deleted anyway
            logger.warning("Reading a connection to revoke it failed", exc_info=True)
    NetworkConnection.objects.filter(membership=membership).delete()
    transaction.on_commit(_revoke_later(to_revoke))

    # What they wrote.
    Share.objects.filter(membership=membership).update(
        text="", text_hash="", remote_url="", review_note="", cancel_reason=""
    )
    now = timezone.now()
    community_message = _model("community.Message")
    community_thread = _model("community.Thread")
    if community_message is not None and community_thread is not None:
        community_message._default_manager.filter(author=membership).update(
            author=None, body="", deleted_at=now
        )
        community_message._default_manager.filter(hidden_by=membership).update(hidden_by=None)
        with translation.override(settings.LANGUAGE_CODE):
            removed_title = _("A former member's thread")
        community_thread._default_manager.filter(author=membership).update(
            author=None, title=removed_title
        )
        # Mentions are written "@name" or "@email-local-part".
        mention = "@" + original_email.split("@", 1)[0]
        _replace_text(community_message._default_manager.all(), "body", [mention, *words], former)
    care_reply = _model("care.CareReply")
    if care_reply is not None:
        care_reply._default_manager.filter(membership=membership).exclude(
            status="published"
        ).update(text="")
        _model_update(
            "care.Message",
            {"membership": membership},
            membership=None,
            author_name="",
            author_handle="",
        )
        _delete("care.CareAgent", membership=membership)
        _delete("care.SavedView", membership=membership)
    _delete("surveys.Answered", membership=membership)
    _delete("surveys.AttributedAnswer", membership=membership)
    _model_update("content.Suggestion", {"membership": membership}, reason="")
    _model_update("training.ScenarioResponse", {"membership": membership}, text="")

    # How Chorus reached them.
    for label in (
        "notifications.Delivery",
        "notifications.Notification",
        "notifications.DeliveryPreference",
        "notifications.ChannelStop",
        "notifications.Unsubscribe",
        "notifications_webpush.PushSubscription",
        "notifications_slack.SlackMemberLink",
    ):
        _delete(label, membership=membership)

    # Copies of the name and email elsewhere.
    notification = _model("notifications.Notification")
    if notification is not None:
        _replace_text(notification._default_manager.all(), "message", words, former)
    for invitation in Invitation.objects.filter(
        Q(email__iexact=original_email) | Q(accepted_by=user)
    ):
        invitation.email = _placeholder_email(membership)
        invitation.name = ""
        invitation.title = ""
        invitation.save(update_fields=["email", "name", "title"])
    _scrub_audit(organization, words, former, user, membership.pk)

    exports = list(DataExport.objects.filter(membership=membership))
    paths = [export_path(export) for export in exports if export.file_name]
    DataExport.objects.filter(membership=membership).delete()

    def delete_files() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(delete_files)

    ErasureRequest.objects.filter(membership=membership, status=ErasureStatus.PENDING).update(
        status=ErasureStatus.DONE, done_at=now
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="member.erased",
        target=membership,
        target_label=f"member #{membership.pk}",
        data={"by": f"admin #{actor.pk}" if actor is not None else "own request"},
    )
    if actor is not None:
        # The admin's own address is their own; the entry names them by id only.
        AuditEvent._base_manager.filter(
            organization=organization,
            action="member.erased",
            target_label=f"member #{membership.pk}",
        ).update(actor_label=f"admin #{actor.pk}")
    return membership


def _model_update(label: str, filters: dict[str, Any], **values: Any) -> None:
    model = _model(label)
    if model is not None:
        model._default_manager.filter(**filters).update(**values)


def erasure_request(*, membership: Membership, confirm_email: str) -> ErasureRequest:
    """The member asks to be erased, typing their email to confirm. Carried out after
    COOLING_OFF unless they cancel; an admin may carry it out at once."""
    if confirm_email.strip().lower() != membership.user.email.lower():
        raise ValidationError(_("Type your email address exactly as it is shown to confirm."))
    refusal = erasure_refusal(membership=membership)
    if refusal:
        raise ValidationError(refusal)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        pending = ErasureRequest.objects.filter(
            membership=membership, status=ErasureStatus.PENDING
        ).first()
        if pending is not None:
            return pending
        now = timezone.now()
        erasure = ErasureRequest.objects.create(
            organization_id=membership.organization_id,
            membership=membership,
            requested_at=now,
            due_at=now + COOLING_OFF,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="member.erasure_requested",
            target_label=f"member #{membership.pk}",
        )
    return erasure


def erasure_cancel(*, erasure: ErasureRequest) -> ErasureRequest:
    with transaction.atomic():
        updated = ErasureRequest.objects.filter(pk=erasure.pk, status=ErasureStatus.PENDING).update(
            status=ErasureStatus.CANCELLED, cancelled_at=timezone.now()
        )
        if updated:
            audit_record(
                organization=erasure.membership.organization,
                actor=erasure.membership.user,
                action="member.erasure_cancelled",
                target_label=f"member #{erasure.membership_id}",
            )
    erasure.refresh_from_db()
    return erasure


def erasures_due(*, now: datetime | None = None) -> int:
    """Carry out requests whose cooling-off ended (the caller opens the scope). A request
    that cannot be carried out (the last admin) stays pending and is logged."""
    now = now or timezone.now()
    done = 0
    due = ErasureRequest.objects.filter(status=ErasureStatus.PENDING, due_at__lte=now)
    for erasure in due.select_related("membership").order_by("due_at", "pk"):
        try:
            member_erase(membership=erasure.membership, actor=None)
        except ValidationError:
            logger.warning("Erasure request %s cannot be carried out yet", erasure.pk)
            continue
        done += 1
    return done
