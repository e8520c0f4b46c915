"""Reads of content, each taking the organization (or an object that belongs to one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from chorus.accounts.models import Group, GroupKind, Membership, Organization
from chorus.content.compliance import CheckResult, check_text
from chorus.content.models import (
    ComplianceRule,
    Post,
    PostState,
    PostVersion,
)

MembershipGroups = Group.members.through


def post_list(
    *, organization: Organization, state: str = "", campaign: str = "", q: str = ""
) -> QuerySet[Post]:
    posts = Post.objects.filter(organization=organization)
    if state:
        posts = posts.filter(state=state)
    if campaign:
        posts = posts.filter(campaign=campaign)
    if q:
        posts = posts.filter(
            Q(title__icontains=q) | Q(commentary__icontains=q) | Q(link_url__icontains=q)
        )
    return posts.select_related("created_by").prefetch_related("captions")


def post_state_counts(
    *, organization: Organization, campaign: str = "", q: str = ""
) -> dict[str, int]:
    """How many posts are in each state (every state present, zero included)."""
    rows = (
        post_list(organization=organization, campaign=campaign, q=q)
        .order_by()
        .values("state")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(PostState.values, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def post_campaigns(*, organization: Organization) -> list[str]:
    return list(
        Post.objects.filter(organization=organization)
        .exclude(campaign="")
        .order_by("campaign")
        .values_list("campaign", flat=True)
        .distinct()
    )


def audience(
    *,
    organization: Organization,
    target_all: bool,
    groups: Iterable[Group],
    pilot_only: bool = False,
) -> QuerySet[Membership]:
    """Active members reached: groups of one kind are OR'ed, different kinds AND'ed.

    `pilot_only`: a "pilot first" post before its date reaches only the pilot cohort's
    members (groups of kind PILOT) of that audience.
    """
    members = Membership.objects.filter(organization=organization, is_active=True)
    if pilot_only:
        in_pilot = MembershipGroups.objects.filter(
            membership_id=OuterRef("pk"), group__kind=GroupKind.PILOT
        )
        members = members.filter(Exists(in_pilot))
    if target_all:
        return members
    by_kind: dict[str, list[int]] = defaultdict(list)
    for group in groups:
        by_kind[group.kind].append(group.pk)
    if not by_kind:
        return members.none()
    for group_ids in by_kind.values():
        in_any = MembershipGroups.objects.filter(
            membership_id=OuterRef("pk"), group_id__in=group_ids
        )
        members = members.filter(Exists(in_any))
    return members


def post_audience(post: Post, now: datetime | None = None) -> QuerySet[Membership]:
    """The active members the post reaches at `now` (pilot first honoured)."""
    return audience(
        organization=post.organization,
        target_all=post.target_all,
        groups=post.target_groups.all(),
        pilot_only=post_pilot_first(post, now),
    )


def post_pilot_first(post: Post, now: datetime | None = None) -> bool:
    """Whether the post still reaches only the pilot cohort at `now`."""
    return post.pilot_until is not None and post.pilot_until > (now or timezone.now())


def review_queue(*, organization: Organization) -> QuerySet[Post]:
    """Posts waiting for an approver, the longest-waiting first."""
    submitted_at = Max("transitions__created_at", filter=Q(transitions__to_state="in_review"))
    return (
        Post.objects.filter(organization=organization, state=PostState.IN_REVIEW)
        .annotate(submitted_at=submitted_at)
        .order_by("submitted_at", "id")
        .select_related("created_by", "submitted_by")
        .prefetch_related("captions")
    )


def post_caption_checks(*, post: Post) -> dict[str, CheckResult]:
    """The compliance verdict of each caption of the post, by network."""
    # Load the rules once for all captions.
    rules = list(ComplianceRule.objects.filter(organization_id=post.organization_id))
    return {
        caption.network: check_text(
            organization=post.organization,
            network=caption.network,
            text=caption.text,
            link_url=post.link_url,
            rules=rules,
        )
        for caption in post.captions.all()
    }


def post_version_previous(*, version: PostVersion) -> PostVersion | None:
    return (
        PostVersion.objects.filter(post_id=version.post_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
