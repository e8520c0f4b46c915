"""Slack as the delivery engine sees it (`chorus.notifications.channels`): direct messages
to members who linked their Slack account, and posts to the organization's channels."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext as _

from chorus.notifications.channels import Destination, Outcome, Outgoing
from chorus.notifications.messages import Channel
from chorus.notifications.slack.models import SlackMemberLink
from chorus.notifications.slack.selectors.workspaces import routes_live
from chorus.notifications.slack.services.posting import post_to_route, route_for, send_direct

if TYPE_CHECKING:
    from chorus.accounts.models import Organization
    from chorus.notifications.messages import Message


class SlackDirectMessages:
    name: ClassVar[str] = Channel.SLACK

    def reachable(self, *, organization: Organization, membership_ids: Collection[int]) -> set[int]:
        """Members who linked their Slack account in a workspace that is still connected."""
        return set(
            SlackMemberLink.objects.filter(
                organization=organization,
                membership_id__in=list(membership_ids),
                workspace__revoked_at__isnull=True,
            ).values_list("membership_id", flat=True)
        )

    def send(self, *, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
        return send_direct(organization=organization, batch=batch)


class SlackChannels:
    name: ClassVar[str] = Channel.SLACK

    def destinations(self, *, organization: Organization, category: str) -> list[Destination]:
        """The channels an admin chose for this category (connected, not stopped)."""
        return [
            Destination(id=str(route.pk), label=str(route))
            for route in routes_live(organization=organization)
            if route.receives(category)
        ]

    def post(self, *, organization: Organization, destination_id: str, message: Message) -> Outcome:
        route = route_for(organization=organization, destination_id=destination_id)
        if route is None:
            return Outcome.failed(_("This Slack channel was removed from Chorus."))
        return post_to_route(route=route, message=message)
