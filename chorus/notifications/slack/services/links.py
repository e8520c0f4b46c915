"""A member links their own Slack account, to get their notifications as direct messages.

Chorus finds them in the organization's workspace by the email they sign in with
(``users.lookupByEmail``) and shows whom it found; the member confirms on the page. Nobody
can link someone else: the account searched for is always the member's own email.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.notifications.messages import Channel
from chorus.notifications.services.stops import channel_stop_clear
from chorus.notifications.slack.client import CALL_ERRORS, Scope, failure_of, slack_client
from chorus.notifications.slack.models import SlackMemberLink, SlackWorkspace
from chorus.notifications.slack.services.workspaces import REVOKED_REFUSED, workspace_revoke


@dataclass(frozen=True)
class SlackAccount:
    """Whom Slack knows by the member's email, waiting for the member's confirmation."""

    workspace_id: int
    user_id: str
    name: str


def _name(user: dict[str, Any]) -> str:
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    for value in (
        (profile or {}).get("display_name"),
        (profile or {}).get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if value:
            return str(value)[:200]
    return str(user.get("id", ""))


def link_find(*, membership: Membership, workspace: SlackWorkspace) -> SlackAccount:
    """The Slack account of the member's own email in the workspace."""
    if not workspace.is_connected:
        raise ValidationError(_("Slack is not connected in your organization."))
    email = membership.user.email
    try:
        answer = slack_client(workspace.bot_token).users_lookupByEmail(email=email)
    except CALL_ERRORS as error:
        failure = failure_of(error)
        if failure.code == "users_not_found":
            raise ValidationError(
                _(
                    "No Slack account in %(team)s uses %(email)s. Ask your Slack admin to "
                    "add that email to your Slack profile, then try again."
                )
                % {"team": str(workspace), "email": email}
            ) from error
        if failure.scope is Scope.WORKSPACE:
            workspace_revoke(workspace=workspace, reason=REVOKED_REFUSED, detail=failure.error)
            raise ValidationError(
                _("Slack no longer accepts Chorus in %(team)s; your admins were told.")
                % {"team": str(workspace)}
            ) from error
        raise ValidationError(
            _("Slack did not answer (%(error)s). Try again in a minute.") % {"error": failure.error}
        ) from error
    data = answer.data if isinstance(answer.data, dict) else {}
    user = data.get("user") if isinstance(data.get("user"), dict) else None
    if not user or not user.get("id") or user.get("deleted") or user.get("is_bot"):
        raise ValidationError(
            _("No active Slack account in %(team)s uses %(email)s.")
            % {"team": str(workspace), "email": email}
        )
    return SlackAccount(workspace_id=workspace.pk, user_id=str(user["id"])[:32], name=_name(user))


def link_confirm(
    *, membership: Membership, workspace: SlackWorkspace, account: SlackAccount
) -> SlackMemberLink:
    """The member confirmed that the account found is theirs."""
    if not workspace.is_connected or account.workspace_id != workspace.pk:
        raise ValidationError(_("Slack changed in the meantime: look for your account again."))
    try:
        with transaction.atomic():
            SlackMemberLink.objects.filter(
                organization_id=membership.organization_id, membership=membership
            ).delete()
            link = SlackMemberLink.objects.create(
                organization_id=membership.organization_id,
                workspace=workspace,
                membership=membership,
                slack_user_id=account.user_id,
                slack_name=account.name,
                linked_at=timezone.now(),
            )
    except IntegrityError as error:
        raise ValidationError(
            _("This Slack account is already linked to another member of your organization.")
        ) from error
    # Slack may have stopped for the member (their old account gone, the token revoked):
    # linking again starts it again.
    channel_stop_clear(membership=membership, channel=Channel.SLACK)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="slack.account_linked",
        target=membership,
        data={"slack_user_id": account.user_id},
    )
    return link


def link_remove(*, membership: Membership) -> bool:
    deleted, _rows = SlackMemberLink.objects.filter(
        organization_id=membership.organization_id, membership=membership
    ).delete()
    if deleted:
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="slack.account_unlinked",
            target=membership,
        )
    return bool(deleted)


def link_lost(*, link: SlackMemberLink, reason: str) -> None:
    """Slack no longer knows the member's account (deleted, deactivated): forget the link,
    so the member's page says so and they can link again."""
    deleted, _rows = SlackMemberLink.objects.filter(
        organization_id=link.organization_id, pk=link.pk
    ).delete()
    if deleted:
        audit_record(
            organization=link.organization,
            actor=None,
            action="slack.account_lost",
            target=link.membership,
            data={"reason": reason[:200]},
        )
