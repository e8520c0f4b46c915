"""Reads of an organization's Slack workspace, its channels and its members' links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from chorus.notifications.slack.models import SlackChannelRoute, SlackMemberLink, SlackWorkspace

if TYPE_CHECKING:
    from chorus.accounts.models import Membership, Organization


def workspace_of(*, organization: Organization) -> SlackWorkspace | None:
    """The organization's workspace, connected or not (None before the first install)."""
    return SlackWorkspace.objects.filter(organization=organization).first()


def workspace_connected(*, organization: Organization) -> SlackWorkspace | None:
    workspace = workspace_of(organization=organization)
    return workspace if workspace is not None and workspace.is_connected else None


def routes_of(*, organization: Organization) -> list[SlackChannelRoute]:
    return list(
        SlackChannelRoute.objects.filter(organization=organization).order_by("channel_name", "id")
    )


def route_get(*, organization: Organization, route_id: int) -> SlackChannelRoute:
    """One of the organization's channels; another organization's id is a 404."""
    route = SlackChannelRoute.objects.filter(organization=organization, pk=route_id).first()
    if route is None:
        raise Http404("No such Slack channel.")
    return route


def routes_live(*, organization: Organization) -> list[SlackChannelRoute]:
    """Channels Chorus may post to now: of a connected workspace, not stopped."""
    return list(
        SlackChannelRoute.objects.filter(
            organization=organization,
            stopped_at__isnull=True,
            workspace__revoked_at__isnull=True,
        )
        .exclude(workspace__bot_token="")
        .select_related("workspace")
        .order_by("channel_name", "id")
    )


def link_of(*, membership: Membership) -> SlackMemberLink | None:
    return (
        SlackMemberLink.objects.filter(
            organization_id=membership.organization_id, membership=membership
        )
        .select_related("workspace")
        .first()
    )
