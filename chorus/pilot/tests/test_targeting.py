"""Pilot first, everyone later: every path that decides who a post reaches honours
`Post.pilot_until` (the feed, the share page, the extension's page lookup, reach's
Targeting for digests, the post of the day and announcements, publishing's audience)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.models import GroupKind, Membership, Organization, ProgramStatus
from chorus.content.models import Post, PostState
from chorus.content.selectors.posts import post_audience
from chorus.factories import GroupFactory, PostFactory
from chorus.notifications.messages import Category
from chorus.notifications.models import Dispatch
from chorus.pilot.models import Pilot
from chorus.pilot.services.pilot import pilot_start
from chorus.pilot.tests.conftest import member
from chorus.reach.selectors.targeting import Targeting
from chorus.reach.services.announce import announcement_reach
from chorus.reach.services.composers import post_of_the_day_compose
from chorus.sharing.selectors.feed import feed_post, feed_posts
from chorus.sharing.selectors.page import page_post

pytestmark = pytest.mark.django_db
PAGE = "https://news.example/lyon-plant"


@pytest.fixture
def cohort(pilot: Pilot) -> Membership:
    found = member(pilot.organization, program_status=ProgramStatus.JOINED)
    assert pilot.group is not None
    pilot.group.members.add(found)
    return found


@pytest.fixture
def outsider(organization: Organization) -> Membership:
    return member(organization, program_status=ProgramStatus.JOINED)


def _pilot_first(organization: Organization, days: int = 3, **fields: Any) -> Post:
    fields.setdefault("state", PostState.LIVE)
    post: Post = PostFactory.create(
        organization=organization,
        pilot_until=timezone.now() + timedelta(days=days),
        link_url=PAGE,
        **fields,
    )
    return post


def _feed(membership: Membership, **kwargs: Any) -> set[int]:
    posts = feed_posts(organization=membership.organization, membership=membership, **kwargs)
    return set(posts.values_list("pk", flat=True))


def test_the_feed_shows_a_pilot_first_post_to_the_cohort_then_to_everyone(
    cohort: Membership, outsider: Membership
) -> None:
    post = _pilot_first(cohort.organization)
    assert post.pk in _feed(cohort)
    assert post.pk not in _feed(outsider)
    later = timezone.now() + timedelta(days=4)
    assert post.pk in _feed(outsider, now=later)


def test_a_pilot_first_post_for_a_group_reaches_only_pilot_members_of_that_group(
    cohort: Membership, outsider: Membership
) -> None:
    organization = cohort.organization
    sales = GroupFactory.create(organization=organization, name="Sales")
    seller = member(organization, program_status=ProgramStatus.JOINED)
    pilot_seller = member(organization, program_status=ProgramStatus.JOINED)
    pilot = Pilot.objects.get(organization=organization)
    assert pilot.group is not None
    pilot.group.members.add(pilot_seller)
    sales.members.add(seller, pilot_seller, outsider)
    post = _pilot_first(organization, target_all=False)
    post.target_groups.set([sales])
    assert post.pk in _feed(pilot_seller)
    assert post.pk not in _feed(cohort)  # in the pilot, not in Sales
    assert post.pk not in _feed(seller)  # in Sales, not in the pilot
    later = timezone.now() + timedelta(days=4)
    assert post.pk in _feed(seller, now=later)
    assert post.pk not in _feed(cohort, now=later)


def test_the_share_page_and_the_extension_find_it_only_for_the_cohort(
    client: Any, cohort: Membership, outsider: Membership
) -> None:
    post = _pilot_first(cohort.organization)
    organization = cohort.organization
    assert feed_post(organization=organization, membership=outsider, post_id=post.pk) is None
    assert feed_post(organization=organization, membership=cohort, post_id=post.pk) is not None
    assert page_post(organization=organization, membership=outsider, url=PAGE) is None
    found = page_post(organization=organization, membership=cohort, url=PAGE)
    assert found is not None and found.pk == post.pk
    client.force_login(outsider.user)
    assert client.get(reverse("feed_post", args=[post.pk])).status_code == 404
    client.force_login(cohort.user)
    assert client.get(reverse("feed_post", args=[post.pk])).status_code == 200


def test_reach_targeting_keeps_it_from_members_and_organization_channels(
    cohort: Membership, outsider: Membership
) -> None:
    post = _pilot_first(cohort.organization, post_of_the_day=timezone.localdate())
    targeting = Targeting(posts=[post], membership_ids=[cohort.pk, outsider.pk])
    assert targeting.reaches(post.pk, cohort.pk)
    assert not targeting.reaches(post.pk, outsider.pk)
    assert targeting.is_pilot_first(post.pk)
    later = Targeting(
        posts=[post],
        membership_ids=[cohort.pk, outsider.pk],
        now=timezone.now() + timedelta(days=4),
    )
    assert later.reaches(post.pk, outsider.pk)
    dispatch = Dispatch.objects.create(
        organization=cohort.organization,
        category=Category.POST_OF_THE_DAY,
        key="post_of_the_day:test",
        composer="post_of_the_day",
        params={"post_id": post.pk},
    )
    to_channel, to_cohort, to_outsider = post_of_the_day_compose(dispatch, [None, cohort, outsider])
    assert to_channel is None and to_outsider is None
    assert to_cohort is not None


def test_publishing_and_announcing_count_only_the_cohort_until_the_date(
    cohort: Membership, outsider: Membership
) -> None:
    post = _pilot_first(cohort.organization)
    reached = set(post_audience(post).values_list("pk", flat=True))
    assert cohort.pk in reached and outsider.pk not in reached
    assert announcement_reach(post=post, groups=[]) == 1
    later = set(
        post_audience(post, now=timezone.now() + timedelta(days=4)).values_list("pk", flat=True)
    )
    assert outsider.pk in later


def test_a_post_that_is_not_pilot_first_reaches_everyone(
    cohort: Membership, outsider: Membership
) -> None:
    post: Post = PostFactory.create(organization=cohort.organization, state=PostState.LIVE)
    assert post.pk in _feed(outsider) and post.pk in _feed(cohort)


def test_the_editor_offers_pilot_first_only_while_a_pilot_runs(
    client: Any, organization: Organization, admin_member: Membership
) -> None:
    client.force_login(admin_member.user)
    assert "Pilot first, everyone from" not in client.get(reverse("post_create")).content.decode()
    pilot_start(organization=organization, actor=admin_member.user)
    page = client.get(reverse("post_create")).content.decode()
    assert "Pilot first, everyone from" in page
    moment = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("post_create"),
        {
            "title": "Plant in Lyon",
            "caption_mode": "editable",
            "target": "all",
            "pilot_until": moment,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get(title="Plant in Lyon")
    assert post.pilot_until is not None


def test_the_api_sets_pilot_first_only_while_a_pilot_runs(
    admin_client: Any, organization: Organization, admin_member: Membership
) -> None:
    post: Post = PostFactory.create(organization=organization)
    moment = (timezone.now() + timedelta(days=5)).isoformat()
    url = f"/api/v1/posts/{post.pk}"
    response = admin_client.patch(url, {"pilot_until": moment}, content_type="application/json")
    assert response.status_code == 422
    post.refresh_from_db()
    assert post.pilot_until is None
    pilot_start(organization=organization, actor=admin_member.user)
    response = admin_client.patch(url, {"pilot_until": moment}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["pilot_until"] is not None
    post.refresh_from_db()
    assert post.pilot_until is not None


def test_the_pilot_group_kind_is_pilot(pilot: Pilot) -> None:
    assert pilot.group is not None and pilot.group.kind == GroupKind.PILOT


def test_the_post_page_says_it_is_pilot_first_and_counts_the_cohort(
    admin_client: Any, cohort: Membership, outsider: Membership
) -> None:
    post = _pilot_first(cohort.organization, state=PostState.DRAFT)
    page = admin_client.get(reverse("post_detail", args=[post.pk])).content.decode()
    assert "Only the pilot members of its audience until" in page
    # The cohort member; the admin and the outsider are not in the pilot.
    assert "reaches <strong>1</strong> active member" in page


def test_the_audience_at_a_given_moment_honours_pilot_first(
    cohort: Membership, outsider: Membership
) -> None:
    post = _pilot_first(cohort.organization, post_of_the_day=timezone.localdate())
    moment = timezone.now()
    # The auto-share's check asks for the post's audience at its run's moment.
    assert post_audience(post, moment).filter(pk=cohort.pk).exists()
    assert not post_audience(post, moment).filter(pk=outsider.pk).exists()
    assert post_audience(post, moment + timedelta(days=4)).filter(pk=outsider.pk).exists()
