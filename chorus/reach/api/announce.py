"""The reach API: announcing a live post to chosen groups on chosen channels (curators).

One announcement per post and day; each member gets it only on the channels they chose for
announcements, within those the curator picked.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from chorus.accounts.models import Group, Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.content.models import Post
from chorus.notifications.models import Dispatch
from chorus.reach.selectors.posts import live_post
from chorus.reach.services.announce import (
    AlreadyAnnounced,
    announcement_key,
    announcement_reach,
    post_announce,
)

router = Router(tags=["reach"])

# The values of chorus.notifications.messages.Channel (a test keeps them equal).
AnnouncementChannel = Literal["in_app", "email", "slack", "push", "teams"]
MAX_GROUPS = 100


class AnnouncementIn(Input):
    groups: list[Id] = Field(
        default_factory=list,
        max_length=MAX_GROUPS,
        description=(
            "Group ids of your organization; empty: everyone in the program the post is for"
        ),
    )
    channels: list[AnnouncementChannel] = Field(
        max_length=5,
        description=(
            "At least one; each member gets it only on the channels they chose for "
            "announcements (teams: the organization's Teams channels)"
        ),
    )


class AnnouncementAudienceQuery(Input):
    groups: list[Id] = Field(
        default_factory=list,
        max_length=MAX_GROUPS,
        description="Group ids (repeat the parameter); none: the post's whole audience",
    )


class AnnouncementAudienceOut(Schema):
    post_id: int
    live: bool = Field(description="Only a live post can be announced")
    members: int = Field(description="Program members the announcement would be for")
    announced_today: bool = Field(description="A second announcement today is refused")


class AnnouncementOut(Schema):
    post_id: int
    members: int = Field(description="Program members it is for")
    sent: bool = Field(description="True: queued now, delivered by the engine shortly")
    groups: list[int]
    channels: list[str]


def _own_post(caller: Membership, post_id: int) -> Post:
    post = Post.objects.filter(organization=caller.organization, pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def _groups(caller: Membership, group_ids: list[int]) -> list[Group]:
    wanted = set(group_ids)
    groups = list(Group.objects.filter(organization=caller.organization, pk__in=wanted))
    if len(groups) != len(wanted):
        raise ValidationError(_("Choose groups of your organization."))
    return sorted(groups, key=lambda group: group.pk)


def _announced_today(post: Post) -> bool:
    return Dispatch.objects.filter(
        organization=post.organization, key=announcement_key(post)
    ).exists()


@router.get(
    "/posts/{post_id}/announce",
    response={200: AnnouncementAudienceOut, 404: Error, 422: Error},
    summary="Who an announcement of a post would reach",
    description="Curators: counts the audience for the groups given; sends nothing.",
)
@api_roles("curator")
def post_announcement_audience(
    request: HttpRequest, post_id: PathId, filters: Query[AnnouncementAudienceQuery]
) -> AnnouncementAudienceOut:
    caller = calling_member(request)
    post = _own_post(caller, post_id)
    groups = _groups(caller, filters.groups)
    live = live_post(organization=caller.organization, post_id=post.pk, now=timezone.now())
    return AnnouncementAudienceOut(
        post_id=post.pk,
        live=live is not None,
        members=announcement_reach(post=post, groups=groups),
        announced_today=_announced_today(post),
    )


@router.post(
    "/posts/{post_id}/announce",
    response={201: AnnouncementOut, 404: Error, 409: Error, 422: Error},
    summary="Announce a live post",
    description=(
        "Curators: queues the announcement for the post's audience within the groups given "
        "(all of it when none), on the channels given. A post that is not live is a 404; "
        "one announcement per post and day (a second is a 409). Audited."
    ),
)
@api_roles("curator")
def post_announcement_create(
    request: HttpRequest, post_id: PathId, body: AnnouncementIn
) -> Status[AnnouncementOut]:
    caller = calling_member(request)
    post = live_post(organization=caller.organization, post_id=post_id, now=timezone.now())
    if post is None:
        raise Http404("No such live post.")
    groups = _groups(caller, body.groups)
    channels: list[str] = sorted(set(body.channels))
    if not channels:
        raise ValidationError(_("Choose a channel from the list."))
    members = announcement_reach(post=post, groups=groups)
    try:
        post_announce(post=post, groups=groups, channels=channels, actor=caller.user)
    except AlreadyAnnounced:
        raise HttpError(409, _("This post was already announced today.")) from None
    return Status(
        201,
        AnnouncementOut(
            post_id=post.pk,
            members=members,
            sent=True,
            groups=[group.pk for group in groups],
            channels=channels,
        ),
    )
