"""Installing Chorus's Slack app in an organization's workspace (OAuth v2), disconnecting it,
and noticing when Slack revoked it.

The install is Slack's "Add to Slack": the admin is sent to Slack's authorize page with the
bot scopes and a random ``state`` that the page keeps in the admin's session; Slack sends
them back to the callback with a ``code``, exchanged for the bot token by
``oauth.v2.access``. A callback whose state does not match stores nothing.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.notifications.messages import Channel
from chorus.notifications.models import ChannelStop
from chorus.notifications.services.notifications import (
    NotificationDraft,
    notifications_create_many,
)
from chorus.notifications.slack.client import (
    BOT_SCOPES,
    CALL_ERRORS,
    failure_of,
    slack_client,
)
from chorus.notifications.slack.models import SlackChannelRoute, SlackMemberLink, SlackWorkspace

logger = logging.getLogger(__name__)

# Why a workspace stopped, as the admin's page shows it.
REVOKED_DISCONNECTED = "disconnected"
REVOKED_UNINSTALLED = "uninstalled"
REVOKED_TOKEN = "token_revoked"
REVOKED_REFUSED = "refused"


def slack_missing_settings() -> list[str]:
    """The settings the operator still has to set before admins can add Slack."""
    return [
        name
        for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET")
        if not str(getattr(settings, name, "") or "").strip()
    ]


def install_callback_url() -> str:
    """Where Slack sends the admin back: the Redirect URL to list in the Slack app."""
    return settings.SITE_URL + reverse("slack_install_callback")


@dataclass(frozen=True)
class InstallStart:
    url: str
    state: str


def install_start() -> InstallStart:
    """Slack's authorize address for a new install, with a fresh state to keep in the
    session until the callback."""
    if slack_missing_settings():
        raise ValidationError(_("Slack is not set up on this server yet."))
    state = secrets.token_urlsafe(32)
    query = urlencode(
        {
            "client_id": settings.SLACK_CLIENT_ID,
            "scope": ",".join(BOT_SCOPES),
            "user_scope": "",
            "redirect_uri": install_callback_url(),
            "state": state,
        }
    )
    return InstallStart(url=f"{settings.SLACK_AUTHORIZE_URL}?{query}", state=state)


def install_complete(
    *, membership: Membership, expected_state: str, state: str, code: str
) -> SlackWorkspace:
    """Exchange Slack's code for the bot token and store the workspace (or bring it back)."""
    if not expected_state or not secrets.compare_digest(expected_state, state):
        raise ValidationError(
            _("This install did not start here or has expired; nothing was connected.")
        )
    if not code or len(code) > 500:
        raise ValidationError(_("Slack sent no authorization code; nothing was connected."))
    try:
        answer = slack_client().oauth_v2_access(
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=settings.SLACK_CLIENT_SECRET,
            code=code,
            redirect_uri=install_callback_url(),
        )
    except CALL_ERRORS as error:
        logger.warning("Slack's oauth.v2.access failed: %s", error)
        raise ValidationError(
            _("Slack did not confirm the install (%(error)s); nothing was connected.")
            % {"error": failure_of(error).error}
        ) from error
    data: dict[str, Any] = dict(answer.data) if isinstance(answer.data, dict) else {}
    team = data.get("team") if isinstance(data.get("team"), dict) else {}
    token = str(data.get("access_token") or "")
    team_id = str((team or {}).get("id") or "")[:32]
    if data.get("is_enterprise_install"):
        raise ValidationError(
            _(
                "Chorus is installed in one workspace at a time, not across an Enterprise "
                "Grid organization; install it in your workspace instead."
            )
        )
    if data.get("token_type") != "bot" or not token or not team_id:
        raise ValidationError(_("Slack's answer had no bot token; nothing was connected."))
    return _store(
        membership=membership,
        team_id=team_id,
        team_name=str((team or {}).get("name") or "")[:200],
        bot_user_id=str(data.get("bot_user_id") or "")[:32],
        token=token,
        scopes=str(data.get("scope") or "")[:1000],
    )


def _store(
    *,
    membership: Membership,
    team_id: str,
    team_name: str,
    bot_user_id: str,
    token: str,
    scopes: str,
) -> SlackWorkspace:
    organization = membership.organization
    with transaction.atomic():
        workspace = (
            SlackWorkspace.objects.select_for_update().filter(organization=organization).first()
        )
        previous_token = ""
        if workspace is None:
            workspace = SlackWorkspace(organization=organization, team_id=team_id)
        elif workspace.team_id != team_id:
            # Another Slack team: the old one's channels and members' accounts mean nothing
            # there. Its token, if it still had one, is revoked below.
            previous_token = workspace.bot_token if workspace.is_connected else ""
            SlackChannelRoute.objects.filter(organization=organization).delete()
            SlackMemberLink.objects.filter(organization=organization).delete()
        workspace.team_id = team_id
        workspace.team_name = team_name
        workspace.bot_user_id = bot_user_id
        workspace.bot_token = token
        workspace.scopes = scopes
        workspace.installed_by = membership
        workspace.installed_at = timezone.now()
        workspace.revoked_at = None
        workspace.revoked_reason = ""
        workspace.save()
        # Direct messages stopped for linked members while the token was dead: they can
        # reach them again.
        ChannelStop.objects.filter(
            organization=organization,
            channel=Channel.SLACK,
            membership_id__in=SlackMemberLink.objects.filter(
                organization=organization, workspace=workspace
            ).values("membership_id"),
        ).delete()
        audit_record(
            organization=organization,
            actor=membership.user,
            action="slack.connected",
            target=workspace,
            data={"team_id": team_id, "scopes": scopes},
        )
    if previous_token:
        _revoke_token(previous_token)
    return workspace


def _revoke_token(token: str) -> bool:
    """Ask Slack to revoke a token; whether it said so (a token already dead counts)."""
    try:
        slack_client(token).auth_revoke()
    except CALL_ERRORS as error:
        failure = failure_of(error)
        logger.info("Slack's auth.revoke failed: %s", failure.error)
        return not failure.temporary
    return True


def workspace_disconnect(*, workspace: SlackWorkspace, membership: Membership) -> bool:
    """An admin disconnects Slack: the token is revoked in Slack and forgotten here. Returns
    whether Slack confirmed; the workspace is disconnected here either way."""
    revoked = _revoke_token(workspace.bot_token) if workspace.bot_token else True
    workspace.revoked_at = timezone.now()
    workspace.revoked_reason = REVOKED_DISCONNECTED
    workspace.bot_token = ""
    workspace.save(update_fields=["revoked_at", "revoked_reason", "bot_token"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="slack.disconnected",
        target=workspace,
        data={"revoked_in_slack": revoked},
    )
    return revoked


def workspace_revoke(*, workspace: SlackWorkspace, reason: str, detail: str = "") -> bool:
    """Slack said the token is dead (uninstalled, revoked, refused): stop using it and tell
    the admins. Returns False when it had already stopped."""
    updated = SlackWorkspace.objects.filter(
        organization_id=workspace.organization_id, pk=workspace.pk, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_reason=reason[:200], bot_token="")
    if not updated:
        return False
    workspace.refresh_from_db()
    audit_record(
        organization=workspace.organization,
        actor=None,
        action="slack.revoked",
        target=workspace,
        data={"reason": reason, "detail": detail[:200]},
    )
    _tell_admins(workspace)
    return True


def _tell_admins(workspace: SlackWorkspace) -> None:
    admins = Membership.objects.filter(
        organization_id=workspace.organization_id, is_admin=True, is_active=True
    ).select_related("user")
    notifications_create_many(
        drafts=[
            NotificationDraft(
                membership=admin,
                kind="slack_revoked",
                message=gettext_lazy(
                    "Slack stopped: the workspace %(team)s no longer accepts Chorus. "
                    "Add Chorus to Slack again to resume."
                ),
                params={"team": str(workspace)},
                url=reverse("slack_manage"),
            )
            for admin in admins
        ]
    )


def workspaces_revoke_for_team(*, team_id: str, bot_user_ids: list[str] | None, reason: str) -> int:
    """Slack's events name a team, not an organization: stop every organization's workspace
    in that team (only those whose bot is named, when the event names bots). Must run
    across organizations."""
    found = SlackWorkspace.objects.filter(team_id=team_id, revoked_at__isnull=True)
    if bot_user_ids is not None:
        found = found.filter(bot_user_id__in=bot_user_ids)
    return sum(
        workspace_revoke(workspace=workspace, reason=reason)
        for workspace in found.select_related("organization")
    )
