"""Posting to Slack: a message to a channel, a direct message to a member, crisis alerts.

What each failure means is decided once (`client.failure_of`) and acted on here: a dead
token stops the workspace, a channel Slack refuses for good stops that channel, an account
Slack no longer knows unlinks that member. Each is also a FAILED outcome with ``stop`` for
the delivery engine; a rate limit or Slack's own trouble is a RETRY (with Slack's
Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from slack_sdk import WebClient

from chorus.notifications.channels import Outcome, OutcomeStatus, Outgoing
from chorus.notifications.slack.client import CALL_ERRORS, Failure, Scope, failure_of, slack_client
from chorus.notifications.slack.models import SlackChannelRoute, SlackMemberLink, SlackWorkspace
from chorus.notifications.slack.render import message_payload
from chorus.notifications.slack.selectors.workspaces import routes_live, workspace_connected
from chorus.notifications.slack.services.links import link_lost
from chorus.notifications.slack.services.routes import route_stop
from chorus.notifications.slack.services.workspaces import REVOKED_REFUSED, workspace_revoke

if TYPE_CHECKING:
    from chorus.accounts.models import Organization
    from chorus.notifications.messages import Message

logger = logging.getLogger(__name__)


def _outcome(failure: Failure) -> Outcome:
    if failure.temporary:
        return Outcome.retry(failure.error, retry_after=failure.retry_after)
    return Outcome.failed(failure.error, stop=failure.scope is not Scope.MESSAGE)


def _post(client: WebClient, channel: str, message: Message) -> str:
    """chat.postMessage; the message's ts (Slack's id for it)."""
    answer = client.chat_postMessage(
        channel=channel,
        unfurl_links=False,
        unfurl_media=False,
        **message_payload(message),
    )
    data: dict[str, Any] = answer.data if isinstance(answer.data, dict) else {}
    return str(data.get("ts") or "")[:200]


def post_to_route(*, route: SlackChannelRoute, message: Message) -> Outcome:
    """Post `message` to one channel. The route's workspace must be loaded."""
    workspace = route.workspace
    if not workspace.is_connected:
        return Outcome.failed(_("Slack is not connected in this organization."))
    if route.stopped_at is not None:
        # Already stopped (and the admins told when it stopped): nothing new to stop.
        return Outcome.failed(
            _("Chorus stopped posting to %(channel)s: %(reason)s")
            % {"channel": str(route), "reason": route.stopped_reason}
        )
    try:
        ts = _post(slack_client(workspace.bot_token), route.channel_id, message)
    except CALL_ERRORS as error:
        failure = failure_of(error)
        logger.info("Slack refused a post to %s: %s", route.channel_id, failure.error)
        if failure.scope is Scope.WORKSPACE:
            workspace_revoke(workspace=workspace, reason=REVOKED_REFUSED, detail=failure.error)
        elif failure.scope is Scope.ROUTE:
            route_stop(route=route, reason=failure.error)
        return _outcome(failure)
    return Outcome.sent(remote_id=ts)


def send_direct(*, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
    """A direct message to each member of the batch, in order: ``conversations.open`` with
    their Slack account, then ``chat.postMessage`` to that conversation. Once Slack refuses
    the token or limits the rate, the rest of the batch is not tried."""
    workspace = workspace_connected(organization=organization)
    if workspace is None:
        return [Outcome.failed(_("Slack is not connected in this organization.")) for _o in batch]
    links = {
        link.membership_id: link
        for link in SlackMemberLink.objects.filter(
            organization=organization,
            workspace=workspace,
            membership_id__in=[outgoing.membership.pk for outgoing in batch],
        )
    }
    client = slack_client(workspace.bot_token)
    outcomes: list[Outcome] = []
    rest: Outcome | None = None
    for outgoing in batch:
        if rest is not None:
            outcomes.append(rest)
            continue
        link = links.get(outgoing.membership.pk)
        if link is None:
            outcomes.append(Outcome.failed(_("The member has not linked their Slack account.")))
            continue
        outcome, rest = _send_one(client, workspace, link, outgoing.message)
        outcomes.append(outcome)
    return outcomes


def _send_one(
    client: WebClient, workspace: SlackWorkspace, link: SlackMemberLink, message: Message
) -> tuple[Outcome, Outcome | None]:
    """The outcome of one direct message, and the outcome for the rest of the batch when
    it should not be tried (a dead token, a rate limit)."""
    try:
        opened = client.conversations_open(users=link.slack_user_id)
        data = opened.data if isinstance(opened.data, dict) else {}
        channel = data.get("channel")
        channel_id = str(channel.get("id") or "") if isinstance(channel, dict) else ""
        if not channel_id:
            return Outcome.retry(_("Slack opened no conversation.")), None
        ts = _post(client, channel_id, message)
    except CALL_ERRORS as error:
        failure = failure_of(error)
        outcome = _outcome(failure)
        if failure.scope is Scope.WORKSPACE:
            workspace_revoke(workspace=workspace, reason=REVOKED_REFUSED, detail=failure.error)
            return outcome, Outcome.failed(
                _("Slack no longer accepts Chorus in this organization (%(error)s).")
                % {"error": failure.error}
            )
        if failure.scope is Scope.MEMBER:
            link_lost(link=link, reason=failure.error)
        if failure.code == "ratelimited" or failure.retry_after is not None:
            return outcome, outcome
        return outcome, None
    return Outcome.sent(remote_id=ts), None


def route_for(*, organization: Organization, destination_id: str) -> SlackChannelRoute | None:
    if not destination_id.isdigit() or len(destination_id) > 18:
        return None
    return (
        SlackChannelRoute.objects.filter(organization=organization, pk=int(destination_id))
        .select_related("workspace")
        .first()
    )


def slack_crisis_alert(*, organization: Organization, message: Message) -> int:
    """Post a crisis alert to every channel marked for crisis alerts, now. Returns how many
    took it. Called by care when a crisis is flagged (it never raises: Slack being down must
    not stop the flag)."""
    posted = 0
    for route in routes_live(organization=organization):
        if route.crisis_alerts:
            try:
                outcome = post_to_route(route=route, message=message)
            except Exception:
                logger.exception("A crisis alert to Slack failed")
                continue
            if outcome.status == OutcomeStatus.SENT:
                posted += 1
    return posted
