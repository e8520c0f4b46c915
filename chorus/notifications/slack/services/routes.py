"""The Slack channels an organization posts to, and what each receives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.notifications.slack.client import CALL_ERRORS, Failure, Scope, failure_of, slack_client
from chorus.notifications.slack.models import ROUTE_CATEGORIES, SlackChannelRoute, SlackWorkspace
from chorus.notifications.slack.services.workspaces import REVOKED_REFUSED, workspace_revoke

# Slack's ids: C… for channels, G… for older private channels; capitals and digits.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
PAGE_SIZE = 200


@dataclass(frozen=True)
class ChannelChoice:
    id: str
    name: str
    is_private: bool
    is_member: bool


@dataclass(frozen=True)
class ChannelPage:
    channels: list[ChannelChoice]
    next_cursor: str


def _refused(workspace: SlackWorkspace, error: Exception) -> ValidationError:
    """A failed call in the admin's words; a dead token also stops the workspace."""
    failure: Failure = failure_of(error)
    if failure.scope is Scope.WORKSPACE:
        workspace_revoke(workspace=workspace, reason=REVOKED_REFUSED, detail=failure.error)
        return ValidationError(
            _("Slack no longer accepts Chorus's token (%(error)s): add Chorus to Slack again.")
            % {"error": failure.error}
        )
    if failure.temporary:
        return ValidationError(
            _("Slack did not answer (%(error)s). Try again in a minute.") % {"error": failure.error}
        )
    return ValidationError(_("Slack refused: %(error)s.") % {"error": failure.error})


def channels_page(*, workspace: SlackWorkspace, cursor: str = "") -> ChannelPage:
    """One page of the channels the bot can see (public ones, private ones it was invited
    to), from ``conversations.list``, paged by Slack's cursor."""
    try:
        answer = slack_client(workspace.bot_token).conversations_list(
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=PAGE_SIZE,
            cursor=cursor[:500] or None,
        )
    except CALL_ERRORS as error:
        raise _refused(workspace, error) from error
    data: dict[str, Any] = answer.data if isinstance(answer.data, dict) else {}
    channels = [
        ChannelChoice(
            id=str(item.get("id", ""))[:32],
            name=str(item.get("name", ""))[:200],
            is_private=bool(item.get("is_private")),
            is_member=bool(item.get("is_member")),
        )
        for item in data.get("channels") or []
        if isinstance(item, dict) and CHANNEL_ID.match(str(item.get("id", "")))
    ]
    metadata = data.get("response_metadata") or {}
    next_cursor = str(metadata.get("next_cursor") or "") if isinstance(metadata, dict) else ""
    return ChannelPage(channels=channels, next_cursor=next_cursor[:500])


def _categories(values: list[str]) -> list[str]:
    unknown = [value for value in values if value not in ROUTE_CATEGORIES]
    if unknown:
        raise ValidationError(_("Choose what the channel receives among the choices shown."))
    return [category.value for category in ROUTE_CATEGORIES if category.value in values]


def route_add(
    *,
    membership: Membership,
    workspace: SlackWorkspace,
    channel_id: str,
    categories: list[str],
    crisis_alerts: bool = False,
) -> SlackChannelRoute:
    """Post to a channel from now on. Slack is asked about the channel (its name, whether it
    is private or archived), so a made-up id is refused."""
    if not workspace.is_connected:
        raise ValidationError(_("Slack is not connected."))
    if not CHANNEL_ID.match(channel_id):
        raise ValidationError(_("Choose a channel from the list."))
    chosen = _categories(categories)
    try:
        answer = slack_client(workspace.bot_token).conversations_info(channel=channel_id)
    except CALL_ERRORS as error:
        if failure_of(error).scope is Scope.ROUTE:
            raise ValidationError(
                _("Slack does not know this channel, or Chorus cannot see it.")
            ) from error
        raise _refused(workspace, error) from error
    data = answer.data if isinstance(answer.data, dict) else {}
    channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
    if (channel or {}).get("is_archived"):
        raise ValidationError(_("This channel is archived: Chorus cannot post there."))
    try:
        with transaction.atomic():
            route = SlackChannelRoute.objects.create(
                organization_id=membership.organization_id,
                workspace=workspace,
                channel_id=channel_id,
                channel_name=str((channel or {}).get("name") or channel_id)[:200],
                is_private=bool((channel or {}).get("is_private")),
                categories=chosen,
                crisis_alerts=crisis_alerts,
                created_by=membership,
            )
    except IntegrityError as error:
        raise ValidationError(_("Chorus already posts to this channel.")) from error
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="slack.channel_added",
        target=route,
        data={"categories": chosen, "crisis_alerts": crisis_alerts},
    )
    return route


def route_update(
    *,
    membership: Membership,
    route: SlackChannelRoute,
    categories: list[str],
    crisis_alerts: bool,
) -> SlackChannelRoute:
    route.categories = _categories(categories)
    route.crisis_alerts = crisis_alerts
    route.save(update_fields=["categories", "crisis_alerts"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="slack.channel_changed",
        target=route,
        data={"categories": route.categories, "crisis_alerts": crisis_alerts},
    )
    return route


def route_resume(*, membership: Membership, route: SlackChannelRoute) -> SlackChannelRoute:
    """Post to a stopped channel again (the bot was invited back, the channel unarchived)."""
    route.stopped_at = None
    route.stopped_reason = ""
    route.save(update_fields=["stopped_at", "stopped_reason"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="slack.channel_resumed",
        target=route,
    )
    return route


def route_remove(*, membership: Membership, route: SlackChannelRoute) -> None:
    label = str(route)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="slack.channel_removed",
        target=route,
        target_label=label,
    )
    route.delete()


def route_stop(*, route: SlackChannelRoute, reason: str) -> bool:
    """Slack refused the channel for good: nothing goes there until an admin resumes it.
    Returns False when it had already stopped."""
    updated = SlackChannelRoute.objects.filter(
        organization_id=route.organization_id, pk=route.pk, stopped_at__isnull=True
    ).update(stopped_at=timezone.now(), stopped_reason=reason[:200])
    if updated:
        route.refresh_from_db()
        audit_record(
            organization=route.organization,
            actor=None,
            action="slack.channel_stopped",
            target=route,
            data={"reason": reason[:200]},
        )
    return bool(updated)
