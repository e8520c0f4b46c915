"""The feed's targeting, decided from the member's groups outwards, agrees with the post's
audience (chorus.content.selectors) for every combination of groups, and follows changes
to a post's targets and to a member's groups at once."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

from chorus.accounts.models import GroupKind, ProgramStatus
from chorus.content.models import PostState
from chorus.content.selectors.posts import post_audience
from chorus.factories import GroupFactory, MembershipFactory, PostFactory
from chorus.sharing.selectors.feed import feed_posts

pytestmark = pytest.mark.django_db


def subsets(items: list[Any]) -> list[list[Any]]:
    return [list(chosen) for size in range(len(items) + 1) for chosen in combinations(items, size)]


def feed_ids(organization: Any, member: Any) -> set[int]:
    posts = feed_posts(organization=organization, membership=member)
    return set(posts.values_list("pk", flat=True))


def audience_ids(post: Any) -> set[int]:
    return set(post_audience(post).values_list("pk", flat=True))


@pytest.fixture
def groups(organization: Any) -> list[Any]:
    return [
        GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales"),
        GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Legal"),
        GroupFactory(organization=organization, kind=GroupKind.REGION, name="Berlin"),
        GroupFactory(organization=organization, kind=GroupKind.REGION, name="Paris"),
        GroupFactory(organization=organization, kind=GroupKind.CUSTOM, name="Volunteers"),
    ]


def test_every_member_sees_exactly_the_posts_whose_audience_holds_them(
    organization: Any, groups: list[Any]
) -> None:
    # Every set of groups a member can be in, and every set a post can target.
    members = []
    for chosen in subsets(groups):
        member: Any = MembershipFactory(
            organization=organization, program_status=ProgramStatus.JOINED
        )
        member.groups.set(chosen)
        members.append(member)
    posts = []
    for chosen in subsets(groups):
        post: Any = PostFactory(organization=organization, state=PostState.LIVE, target_all=False)
        post.target_groups.set(chosen)
        posts.append(post)
    everyone: Any = PostFactory(organization=organization, state=PostState.LIVE, target_all=True)

    seen_by = {member.pk: feed_ids(organization, member) for member in members}
    for post in [*posts, everyone]:
        reached = {member.pk for member in members if post.pk in seen_by[member.pk]}
        assert reached == audience_ids(post), [group.name for group in post.target_groups.all()]
    # Sanity of the fixture: some posts reach some members and not others.
    assert 0 < sum(len(ids) for ids in seen_by.values()) < len(members) * (len(posts) + 1)


def test_the_feed_follows_a_change_of_the_posts_targets(
    organization: Any, groups: list[Any]
) -> None:
    sales, legal, berlin, paris, _ = groups
    member: Any = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    member.groups.set([sales, berlin])
    post: Any = PostFactory(organization=organization, state=PostState.LIVE, target_all=False)
    post.target_groups.set([legal])
    assert post.pk not in feed_ids(organization, member)

    post.target_groups.set([legal, sales])
    assert post.pk in feed_ids(organization, member)
    post.target_groups.add(paris)
    assert post.pk not in feed_ids(organization, member)
    post.target_groups.add(berlin)
    assert post.pk in feed_ids(organization, member)
    paris.delete()
    berlin.delete()
    assert post.pk in feed_ids(organization, member)


def test_the_feed_follows_a_change_of_the_members_groups(
    organization: Any, groups: list[Any]
) -> None:
    sales, legal, berlin, _, volunteers = groups
    member: Any = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    post: Any = PostFactory(organization=organization, state=PostState.LIVE, target_all=False)
    post.target_groups.set([sales, berlin])
    assert post.pk not in feed_ids(organization, member)

    member.groups.set([sales])
    assert post.pk not in feed_ids(organization, member)
    member.groups.add(berlin, volunteers)
    assert post.pk in feed_ids(organization, member)
    member.groups.remove(sales)
    member.groups.add(legal)
    assert post.pk not in feed_ids(organization, member)
