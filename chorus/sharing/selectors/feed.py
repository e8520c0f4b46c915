"""Reads of sharing: a member's feed, their shares, the networks they may share to.

The feed is the hot read: a page costs a bounded number of queries whatever the size of
the organization (the member's groups and followed topics; the page of posts in at most
five runs: the post of the day, then unseen and seen of the posts matching the topics the
member follows, then unseen and seen of the rest, each walking an index newest first and
stopping at the page's end; then one query per relation of the page), and targeting is
decided in the database from the member's groups, not by loading audiences.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from chorus.accounts.models import Group, GroupKind, Membership, Organization
from chorus.content.models import Post, PostImage, PostState, Topic
from chorus.networks.registry import CHANNEL_CHOICES, CHANNELS
from chorus.sharing.compose import suggested_caption
from chorus.sharing.models import NetworkSettings, PostView, Share, ShareStatus, TopicFollow
from chorus.sharing.selectors.shares import SHARED_STATUSES
from chorus.sharing.selectors.topics import followed_topic_ids as followed_topics

FEED_PAGE_SIZE = 20
# The feed's order within a run; chorus.content's Post has the matching index.
NEWEST_FIRST = (Coalesce("publish_start", "created_at").desc(), F("id").desc())
TargetGroups = Post.target_groups.through
TopicPosts = Post.topics.through
NETWORK_LABELS = dict(CHANNEL_CHOICES)


def _targeted_at(membership: Membership, now: datetime | None = None) -> Q:
    """Posts targeted at the member: everyone, or groups (OR within a kind, AND across kinds).

    A post that is "pilot first" (`pilot_until` later than `now`) reaches only members of
    the organization's pilot cohort (a group of kind PILOT) within that audience until then.

    As chorus.content.selectors.posts.audience, seen from the member's side: a post reaches them
    when, for every kind of group it targets, they belong to one of its groups of that kind.

    Decided from the member's groups outwards, so the cost follows the posts aimed at
    their groups rather than every post of the organization: the candidates are the posts
    targeting one of their groups; a candidate is reached when the kinds of all its target
    groups equal the kinds of its target groups the member is in (one grouped query on
    the (group, post) and (post, group) indexes of the targets table).
    """
    kind_of = dict(
        Group.members.through.objects.filter(membership_id=membership.pk).values_list(
            "group_id", "group__kind"
        )
    )
    # Pilot-first posts are kept from members outside the cohort until their date.
    pilot_only = Q(pilot_until__isnull=True) | Q(pilot_until__lte=now or timezone.now())
    if not kind_of:
        return Q(target_all=True) & pilot_only
    in_pilot = GroupKind.PILOT in kind_of.values()
    candidates = TargetGroups.objects.filter(group_id__in=list(kind_of)).values("post_id")
    mine = Case(
        *(When(group_id=group_id, then=Value(kind)) for group_id, kind in kind_of.items()),
        default=None,
        output_field=CharField(),
    )
    reached = (
        TargetGroups.objects.filter(post_id__in=candidates)
        .values("post_id")
        .annotate(
            kinds=Count("group__kind", distinct=True),
            kinds_mine=Count(mine, distinct=True),
        )
        # django-stubs cannot see annotations in keyword lookups.
        .filter(kinds=F("kinds_mine"))  # type: ignore[misc]
        .values("post_id")
    )
    targeted = Q(target_all=True) | Q(pk__in=reached)
    return targeted if in_pilot else targeted & pilot_only


def feed_posts(
    *, organization: Organization, membership: Membership, now: datetime | None = None
) -> QuerySet[Post]:
    """Live posts targeted at the member, inside their publish window (unordered)."""
    now = now or timezone.now()
    return (
        Post.objects.filter(organization=organization, state=PostState.LIVE)
        .filter(Q(publish_start__isnull=True) | Q(publish_start__lte=now))
        .filter(Q(publish_end__isnull=True) | Q(publish_end__gt=now))
        .filter(_targeted_at(membership, now))
    )


def feed_post(*, organization: Organization, membership: Membership, post_id: int) -> Post | None:
    """One post of the member's feed (None when it is not in it)."""
    return (
        feed_posts(organization=organization, membership=membership)
        .filter(pk=post_id)
        .prefetch_related("captions")
        .first()
    )


@dataclass
class FeedCard:
    post: Post
    seen: bool
    is_post_of_the_day: bool
    caption: str
    caption_network: str
    # Networks the member shared the post to (confirmed), by label.
    shared_on: list[str] = field(default_factory=list)
    # Networks where the member opened the share page but it is not confirmed (yet).
    opened_on: list[str] = field(default_factory=list)
    image: PostImage | None = None


@dataclass
class FeedPage:
    cards: list[FeedCard]
    page: int
    has_next: bool
    # The moment the feed was first opened: "seen" means seen before it, so paging
    # further does not reshuffle what the member is reading.
    as_of: datetime


def _card_caption(post: Post) -> tuple[str, str]:
    for network in CHANNELS:
        caption = suggested_caption(post=post, network=network)
        if caption:
            return network, caption
    return "", ""


def feed_page(
    *,
    organization: Organization,
    membership: Membership,
    page: int = 1,
    topic_id: int | None = None,
    language_id: int | None = None,
    as_of: datetime | None = None,
    today: date | None = None,
    page_size: int = FEED_PAGE_SIZE,
    followed_topic_ids: Collection[int] | None = None,
) -> FeedPage:
    """A page of the member's feed: post of the day first, then the posts of topics the
    member follows, then the rest; unseen before seen, newest first within each.

    `followed_topic_ids` saves a query when the caller has them (read when None).
    """
    now = timezone.now()
    as_of = as_of or now
    today = today or timezone.localdate()
    page = max(page, 1)
    posts = feed_posts(organization=organization, membership=membership, now=now)
    if topic_id is not None:
        posts = posts.filter(topics__id=topic_id)
    if language_id is not None:
        posts = posts.filter(target_groups__id=language_id, target_groups__kind=GroupKind.LANGUAGE)
    seen = PostView.objects.filter(
        membership_id=membership.pk, post_id=OuterRef("pk"), seen_at__lt=as_of
    )
    if followed_topic_ids is None:
        followed_topic_ids = followed_topics(membership=membership)
    # Runs, each newest first: the post of the day (one at most), then the posts the
    # member has not seen and the ones they have; with followed topics, first those of
    # their topics, then the rest. Each run walks the (organization, state, live since)
    # index and stops at the page's end, instead of sorting the whole feed.
    others = posts.exclude(post_of_the_day=today)
    groups = [others]
    if followed_topic_ids:
        matches = Exists(
            TopicPosts.objects.filter(post_id=OuterRef("pk"), topic_id__in=followed_topic_ids)
        )
        groups = [others.filter(matches), others.filter(~matches)]
    runs: list[QuerySet[Post]] = [
        posts.filter(post_of_the_day=today)
        .annotate(seen=Exists(seen))
        .order_by("seen", *NEWEST_FIRST)
    ]
    for group in groups:
        runs += [
            group.filter(~Exists(seen)).annotate(seen=Value(False)).order_by(*NEWEST_FIRST),
            group.filter(Exists(seen)).annotate(seen=Value(True)).order_by(*NEWEST_FIRST),
        ]
    found = _page_of_runs(
        runs,
        start=(page - 1) * page_size,
        count=page_size + 1,
    )
    has_next = len(found) > page_size
    found = found[:page_size]
    prefetch_related_objects(
        found,
        "captions",
        Prefetch("images", queryset=PostImage.objects.order_by("position", "id")),
    )
    shared = _shared_networks(membership=membership, post_ids=[post.pk for post in found])
    cards = []
    for post in found:
        network, caption = _card_caption(post)
        images = list(post.images.all())
        cards.append(
            FeedCard(
                post=post,
                seen=bool(post.seen),  # type: ignore[attr-defined]
                is_post_of_the_day=post.post_of_the_day == today,
                caption=caption,
                caption_network=network,
                shared_on=shared[post.pk].shared if post.pk in shared else [],
                opened_on=shared[post.pk].opened if post.pk in shared else [],
                image=images[0] if images else None,
            )
        )
    return FeedPage(cards=cards, page=page, has_next=has_next, as_of=as_of)


def _page_of_runs(runs: list[QuerySet[Post]], *, start: int, count: int) -> list[Post]:
    """`count` posts from `start` in the runs laid end to end.

    A run is counted only when the page starts past its end (never for the first page).
    """
    found: list[Post] = []
    for run in runs:
        if len(found) >= count:
            break
        rows = list(run[start : start + count - len(found)])
        if rows or start == 0:
            found += rows
            start = 0
        else:
            start = max(start - run.count(), 0)
    return found


@dataclass(frozen=True)
class ShareMarks:
    """Where a member shared a post (confirmed), and where they only opened the share page."""

    shared: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)


def _shared_networks(*, membership: Membership, post_ids: list[int]) -> dict[int, ShareMarks]:
    if not post_ids:
        return {}
    rows = (
        Share.objects.filter(
            membership_id=membership.pk, post_id__in=post_ids, status__in=SHARED_STATUSES
        )
        .values_list("post_id", "network", "status")
        .distinct()
    )
    shared: dict[int, set[str]] = defaultdict(set)
    opened: dict[int, set[str]] = defaultdict(set)
    for post_id, network, status in rows:
        (shared if status == ShareStatus.SHARED else opened)[post_id].add(network)
    order = {network: index for index, network in enumerate(CHANNELS)}

    def labels(networks: set[str]) -> list[str]:
        return [NETWORK_LABELS[n] for n in sorted(networks, key=order.__getitem__)]

    return {
        post_id: ShareMarks(
            shared=labels(shared[post_id]), opened=labels(opened[post_id] - shared[post_id])
        )
        for post_id in set(shared) | set(opened)
    }


@dataclass(frozen=True)
class FeedFilter:
    pk: int
    name: str
    # For topics, with a member: whether they follow it.
    followed: bool = False


def feed_filters(
    *, organization: Organization, membership: Membership | None = None
) -> tuple[list[FeedFilter], list[FeedFilter]]:
    """The topics and language groups a member can filter the feed by (one query).

    With the member, each topic says whether they follow it.
    """
    followed: Exists | Value = Value(False, output_field=BooleanField())
    if membership is not None:
        followed = Exists(
            TopicFollow.objects.filter(membership_id=membership.pk, topic_id=OuterRef("pk"))
        )
    # Unordered parts (a compound statement takes no ORDER BY in its parts on SQLite).
    topics = (
        Topic.objects.filter(organization=organization)
        .order_by()
        .values_list("pk", "name", Value("topic", output_field=CharField()), followed)
    )
    languages = (
        Group.objects.filter(organization=organization, kind=GroupKind.LANGUAGE)
        .order_by()
        .values_list(
            "pk",
            "name",
            Value("language", output_field=CharField()),
            Value(False, output_field=BooleanField()),
        )
    )
    found: dict[str, list[FeedFilter]] = {"topic": [], "language": []}
    for pk, name, of, follows in topics.union(languages, all=True):
        found[of].append(FeedFilter(pk=pk, name=name, followed=bool(follows)))
    for choices in found.values():
        choices.sort(key=lambda choice: (choice.name.casefold(), choice.pk))
    return found["topic"], found["language"]


def enabled_networks(*, organization: Organization) -> list[str]:
    """The channels the organization lets members share to, in the dialog's order."""
    disabled = set(
        NetworkSettings.objects.filter(
            organization=organization, sharing_enabled=False
        ).values_list("network", flat=True)
    )
    return [network for network in CHANNELS if network not in disabled]
