"""Announcing a live post to chosen groups (or the whole program) on chosen channels."""

from __future__ import annotations

from collections.abc import Collection

from django.db import IntegrityError, transaction
from django.utils import timezone

from chorus.accounts.models import Group, ProgramStatus, User
from chorus.content.models import Post
from chorus.content.selectors.posts import post_audience
from chorus.core.audit import audit_record
from chorus.notifications.messages import Category
from chorus.notifications.models import Dispatch
from chorus.notifications.services.delivery import dispatch_fan_out
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES


class AlreadyAnnounced(Exception):
    pass


def announcement_key(post: Post) -> str:
    return f"announcement:{post.pk}:{timezone.localdate().isoformat()}"


def announcement_reach(*, post: Post, groups: Collection[Group]) -> int:
    """How many program members the announcement would be for: the post's audience, within
    the chosen groups (any of them), or all of it when no group is chosen, less those who
    shared it already (they are not told about it again)."""
    shared = Share.objects.filter(post=post, status__in=SHARED_STATUSES).values("membership_id")
    members = post_audience(post).filter(program_status=ProgramStatus.JOINED).exclude(pk__in=shared)
    if groups:
        in_groups = Group.members.through.objects.filter(
            group_id__in=[group.pk for group in groups]
        ).values("membership_id")
        members = members.filter(pk__in=in_groups)
    return members.count()


def post_announce(
    *,
    post: Post,
    groups: Collection[Group],
    channels: Collection[str],
    actor: User,
) -> Dispatch:
    """Queue the announcement (one per post and day) and record it in the audit log."""
    key = announcement_key(post)
    with transaction.atomic():
        if Dispatch.objects.filter(organization=post.organization, key=key).exists():
            raise AlreadyAnnounced
        group_ids = sorted(group.pk for group in groups)
        try:
            # Created here or not at all: of two announcements at the same moment, the
            # unique key lets one through and refuses the other (no second audit, no fan-out).
            with transaction.atomic():
                dispatch = Dispatch.objects.create(
                    organization=post.organization,
                    category=Category.ANNOUNCEMENT,
                    key=key,
                    composer="announcement",
                    params={"post_id": post.pk},
                    created_by=actor,
                    channels=sorted(channels),
                    audience={"groups": group_ids} if group_ids else {},
                )
        except IntegrityError as error:
            raise AlreadyAnnounced from error
        audit_record(
            organization=post.organization,
            actor=actor,
            action="reach.post_announced",
            target=post,
            data={"groups": group_ids, "channels": sorted(channels)},
        )
        dispatch_fan_out(dispatch=dispatch)
    return dispatch
