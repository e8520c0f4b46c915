"""The home page: what each role's home shows (and does not), points off, a member not in
the program, and a query count that stays flat as the organization grows.

The world is built with the factories and the apps' own services (joining the program,
points, challenges, rewards, invitations, network settings, tracked links and clicks,
the rollups and the headcount), then read through the page as a member would."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from chorus.accounts.services.invitations import invitation_create
from chorus.actions.members import member_join_program, member_leave_program
from chorus.analytics.rollups import headcount_snapshot, rollups_rebuild
from chorus.content.models import ItemStatus, PostState
from chorus.factories import (
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
    SourceFactory,
    SourceItemFactory,
    SuggestionFactory,
)
from chorus.gamification.models import Rule, Source
from chorus.gamification.services.challenges import ChallengeFields, challenge_create
from chorus.gamification.services.points import points_award
from chorus.gamification.services.rewards import RewardFields, reward_create, reward_request
from chorus.gamification.services.settings import gamification_settings_update
from chorus.links.clicks import clicks_store
from chorus.links.services.links import link_mint
from chorus.links.sinks import ClickRecord
from chorus.sharing.models import ConnectionStatus, PostView, ShareMethod, ShareStatus
from chorus.sharing.services.settings import network_settings_update

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()
MONDAY = date(2026, 3, 16)
_events = itertools.count()


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def joined(organization: Any, **fields: Any) -> Any:
    """A member who joined the program through the real action."""
    member: Any = MembershipFactory(organization=organization, **fields)
    member_join_program(
        membership=member, actor=member.user, terms_version=organization.program_terms_version
    )
    member.refresh_from_db()
    return member


def live_post(organization: Any, **fields: Any) -> Any:
    fields.setdefault("link_url", "https://acme.example/news")
    return PostFactory(organization=organization, state=PostState.LIVE, **fields)


def shared(member: Any, post: Any, *, when: datetime, clicks: int = 0) -> Any:
    """A confirmed share with its tracked link, its points and `clicks` visitors."""
    link = link_mint(post=post, membership=member, network="linkedin")
    share: Any = ShareFactory(
        membership=member,
        post=post,
        network="linkedin",
        method=ShareMethod.INTENT,
        status=ShareStatus.SHARED,
        shared_at=when,
        link=link,
    )
    points_award(
        membership=member, rule=Rule.SHARE, source=Source.SHARE, source_id=share.pk, moment=when
    )
    clicks_store(
        [
            ClickRecord(
                event_id=f"home-{next(_events)}",
                moment=(when + timedelta(minutes=5 + n)).timestamp(),
                link_id=link.pk,
                organization_id=link.organization_id,
                kind="click",
                bot="",
                referrer="",
                user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
                visitor=f"visitor-{share.pk}-{n}",
                user_id=None,
            )
            for n in range(clicks)
        ]
    )
    return share


def challenge(organization: Any, actor: Any, **fields: Any) -> Any:
    """A challenge that started on Monday (made then: none can start in the past)."""
    fields.setdefault("ends_on", MONDAY + timedelta(days=6))
    with time_machine.travel(datetime(2026, 3, 16, 8, tzinfo=UTC), tick=False):
        return challenge_create(
            organization=organization,
            actor=actor.user,
            fields=ChallengeFields(starts_on=MONDAY, **fields),
        )


def roll_up(organization: Any) -> None:
    rollups_rebuild(organization_id=organization.pk, first=TODAY - timedelta(days=10), last=TODAY)
    headcount_snapshot(organization_id=organization.pk, day=TODAY)


def sections(response: Any) -> list[str]:
    return [section.name for section in response.context["home"].sections]


def page_of(client: Any, member: Any) -> tuple[Any, str]:
    client.force_login(member.user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, response.content.decode()


@pytest.fixture
def world(organization: Any) -> SimpleNamespace:
    w = SimpleNamespace(organization=organization)
    w.maya = joined(organization, user__name="Maya", user__email="maya@acme.test")
    w.noah = joined(organization, user__name="Noah")
    w.curator = MembershipFactory(organization=organization, is_curator=True, user__name="Cory")
    w.approver = MembershipFactory(organization=organization, is_approver=True, user__name="Alex")
    w.admin = MembershipFactory(organization=organization, is_admin=True, user__name="Ada")
    w.of_the_day = live_post(organization, title="Acme opens in Lisbon", post_of_the_day=TODAY)
    w.fresh = live_post(organization, title="Our spring report")
    w.read = live_post(organization, title="Already read")
    PostView.objects.create(
        organization=organization, membership=w.maya, post=w.read, seen_at=NOW - timedelta(hours=1)
    )
    w.share = shared(w.maya, w.fresh, when=NOW - timedelta(days=1), clicks=3)
    shared(w.noah, w.fresh, when=NOW - timedelta(days=1), clicks=1)
    shared(w.noah, w.read, when=NOW - timedelta(days=2))
    w.challenge = challenge(
        organization,
        w.curator,
        title="Spring sprint",
        metric="shares",
        target=10,
        member_target=2,
        prize="Team lunch",
    )
    roll_up(organization)
    return w


# -- employee ------------------------------------------------------------------------------


def test_employee_home_shows_the_post_of_the_day_new_posts_their_week_and_the_challenge(
    client, world
):
    response, page = page_of(client, world.maya)
    assert sections(response) == ["post_of_the_day", "new_posts", "week", "challenge"]
    assert "Acme opens in Lisbon" in page
    assert reverse("share_dialog", args=[world.of_the_day.pk]) in page
    assert "Share the post of the day" in page
    # New: the post she has not seen (the post of the day is above, not counted again).
    new = response.context["home"].sections[1].data
    assert [card.post.title for card in new.new] == ["Our spring report"]
    assert "Open your feed (1 new post)" in page
    assert "Already read" not in page
    # Her week, from the rollups and the points ledger: 1 share, 3 clicks, 10 points, 2nd
    # (Noah shared twice).
    week = response.context["home"].sections[2].data
    assert (week["figures"].shares, week["figures"].clicks) == (1, 3)
    assert (week["points"].points, week["points"].rank) == (10, 2)
    assert week["since"] == MONDAY
    assert "Since Monday 16 Mar" in page
    assert "2nd" in page
    # The challenge: everyone 3 of 10 shares, her 1 of 2.
    challenge = response.context["home"].sections[3].data
    assert (challenge.progress.total, challenge.progress.mine) == (3, 1)
    assert "Spring sprint" in page and "5 days left" in page and "You: 1 of 2" in page
    # Nothing of the other roles.
    for other in ("Waiting for your review", "Program health", "Ideas waiting", "Posts in review"):
        assert other not in page


def test_the_home_marks_nothing_as_seen(client, world):
    page_of(client, world.maya)
    page_of(client, world.maya)
    assert not PostView.objects.filter(membership=world.maya, post=world.fresh).exists()


def test_a_post_already_shared_says_so_and_offers_another_network(client, world):
    shared(world.maya, world.of_the_day, when=NOW - timedelta(hours=1))
    _response, page = page_of(client, world.maya)
    assert "You shared it on LinkedIn." in page
    assert "Share the post of the day on another network" in page


def test_to_dos_are_things_that_help_the_member_share(client, world):
    network_settings_update(
        organization=world.organization,
        actor=world.admin.user,
        network="mastodon",
        sharing_enabled=True,
        publishing_enabled=True,
    )
    response, page = page_of(client, world.maya)
    assert "todos" in sections(response)
    assert "Connect your Mastodon account" in page
    assert "Optional: share links always work." in page
    assert reverse("connections") in page
    # Once an account is connected, no invitation to connect; a lapsed one is a to-do.
    NetworkConnectionFactory(membership=world.maya, status=ConnectionStatus.EXPIRED)
    ShareFactory(membership=world.maya, post=world.read, status=ShareStatus.APPROVED)
    ShareFactory(membership=world.maya, post=world.fresh, status=ShareStatus.FAILED)
    _response, page = page_of(client, world.maya)
    assert "Connect your Mastodon account" not in page
    assert "Your Mastodon account is no longer connected." in page
    assert "Reconnect Mastodon" in page
    assert "Your text for “Already read” was approved: it is ready to share." in page
    assert "A scheduled share could not be published this week." in page
    assert reverse("share_history") in page


def test_no_to_dos_when_nothing_would_help(client, world):
    response, _page = page_of(client, world.maya)
    assert "todos" not in sections(response)


def test_points_off_hides_points_rank_and_challenge(client, world):
    gamification_settings_update(
        organization=world.organization, actor=world.admin.user, enabled=False, rules={}
    )
    response, page = page_of(client, world.maya)
    assert sections(response) == ["post_of_the_day", "new_posts", "week"]
    assert response.context["home"].sections[2].data["points"] is None
    assert "Shares" in page and "Clicks on your links" in page
    for hidden in ("Points</dt>", "Rank this week", "leaderboard", "Spring sprint"):
        assert hidden not in page


def test_a_member_not_in_the_program_is_invited_without_pressure(client, employee):
    response, page = page_of(client, employee)
    assert sections(response) == ["join"]
    assert response.context["home"].sections[0].wide
    assert "Read about the program and join" in page
    assert reverse("program") in page
    assert "Taking part is voluntary, and you can leave at any time." in page
    assert "nothing is posted without you" in page
    for pressure in ("colleagues", "ahead", "behind", "missing out", "Your week"):
        assert pressure not in page


def test_a_member_who_left_is_told_they_can_come_back(client, organization):
    member = joined(organization)
    member_leave_program(membership=member, actor=member.user)
    response, page = page_of(client, member)
    assert sections(response) == ["join"]
    assert "You left the advocacy program" in page
    assert "Nothing is shared or done in your name." in page
    assert "rejoin whenever you like" in page


# -- curator, approver, admin ---------------------------------------------------------------


def test_curator_home_shows_posts_to_finish_ideas_scheduled_and_the_best_posts(client, world):
    organization = world.organization
    approved = PostFactory(organization=organization, state=PostState.APPROVED, title="Ready one")
    rejected = PostFactory(
        organization=organization,
        state=PostState.REJECTED,
        title="Needs work",
        rejection_reason="Ask Legal about the figures.",
    )
    PostFactory(organization=organization, state=PostState.IN_REVIEW, title="With Alex")
    scheduled = PostFactory(
        organization=organization,
        state=PostState.SCHEDULED,
        title="Next week",
        publish_start=NOW + timedelta(days=3),
    )
    SuggestionFactory(membership=world.noah, url="https://news.example/idea")
    SourceItemFactory(source__organization=organization, title="Feed news")
    failing = SourceFactory(
        organization=organization, title="Newsroom", last_error="Timed out", consecutive_failures=2
    )
    response, page = page_of(client, world.curator)
    assert sections(response) == [
        "attention",
        "publishing",
        "ideas",
        "scheduled",
        "best_posts",
        "join",
    ]
    assert "Approved, ready to publish (1)" in page
    assert reverse("post_detail", args=[approved.pk]) in page
    assert reverse("post_detail", args=[rejected.pk]) in page
    assert "Ask Legal about the figures." in page
    assert "1 post is waiting for an approver." in page
    assert "https://news.example/idea" in page and "Feed news" in page
    assert reverse("suggestions") in page and reverse("curation_queue") in page
    assert reverse("post_detail", args=[scheduled.pk]) in page
    assert "Goes live 21 Mar 2026, 12:00" in page
    assert "The source “Newsroom” cannot be read right now." in page
    assert reverse("source_detail", args=[failing.pk]) in page
    # The week's best posts from the rollups: "Our spring report" (4 clicks) first.
    best = response.context["home"].sections[4].data
    assert [(row.label, row.clicks, row.shares) for row in best][:2] == [
        ("Our spring report", 4, 2),
        ("Already read", 0, 1),
    ]
    assert reverse("analytics_post", args=[world.fresh.pk]) in page
    # Not an advocate: invited, after the work, quietly (no primary button, not full width).
    join = response.context["home"].sections[-1]
    assert not join.wide
    for other in ("Waiting for your review", "Program health", "Your week", "Post of the day"):
        assert other not in page


def test_approver_home_shows_what_waits_for_their_review(client, world):
    organization = world.organization
    post = PostFactory(organization=organization, state=PostState.IN_REVIEW, title="Check me")
    ShareFactory(membership=world.noah, post=world.fresh, status=ShareStatus.IN_REVIEW)
    # Another organization's post in review never shows.
    PostFactory(organization=OrganizationFactory(), state=PostState.IN_REVIEW, title="Foreign")
    response, page = page_of(client, world.approver)
    assert sections(response) == ["review", "join"]
    review = response.context["home"].sections[0].data
    assert (review["posts"].count, review["shares"].count) == (1, 1)
    assert reverse("review_post", args=[post.pk]) in page
    assert reverse("caption_review_queue") in page
    assert "Foreign" not in page
    for other in ("Ideas waiting", "Program health", "Needs attention"):
        assert other not in page


def test_admin_home_shows_what_is_broken_what_waits_and_the_programs_health(client, world):
    organization = world.organization
    SourceFactory(organization=organization, title="Old feed", last_error="404", enabled=True)
    NetworkConnectionFactory(membership=world.noah, status=ConnectionStatus.EXPIRED)
    NetworkConnectionFactory(
        membership=world.maya,
        network="bluesky",
        expires_at=NOW + timedelta(days=3),
        refresh_token="",
    )
    invitation_create(organization=organization, actor=world.admin.user, email="new@acme.test")
    reward = reward_create(
        organization=organization,
        actor=world.admin.user,
        fields=RewardFields(name="Acme hoodie", description="", price=5, stock=3),
    )
    reward_request(membership=world.noah, reward=reward)
    response, page = page_of(client, world.admin)
    assert sections(response) == ["attention", "admin_queue", "health", "join"]
    assert "The source “Old feed” cannot be read right now." in page
    assert "A member's connected account has lapsed." in page
    assert "A member's connected account lapses within a week." in page
    assert "An invitation is waiting to be accepted." in page
    assert reverse("invitations") + "?status=pending" in page
    assert "Acme hoodie" in page and reverse("manage_rewards") in page
    # Health from today's headcount: Maya and Noah joined, both shared in 30 days.
    health = response.context["home"].sections[2].data
    assert (health.joined, health.sharers_30_days, health.participation) == (2, 2, 100)
    assert [step.step for step in health.funnel] == [
        "invited",
        "joined",
        "connected",
        "shared",
        "regular",
    ]
    assert "2 of 2 members in the program shared" in page
    assert reverse("analytics_dashboard") in page
    for other in ("Ideas waiting", "Waiting for your review", "Your week"):
        assert other not in page


def test_admin_with_points_off_sees_no_reward_requests(client, world):
    gamification_settings_update(
        organization=world.organization, actor=world.admin.user, enabled=False, rules={}
    )
    _response, page = page_of(client, world.admin)
    assert "Invitations and rewards" not in page
    assert reverse("manage_rewards") not in page
    assert "No invitation is open." in page


def test_several_roles_see_each_roles_sections_most_urgent_first(client, world):
    PostFactory(organization=world.organization, state=PostState.IN_REVIEW, title="Check me")
    everything = joined(world.organization, is_curator=True, is_approver=True, is_admin=True)
    response, _page = page_of(client, everything)
    assert sections(response) == [
        "review",
        "post_of_the_day",
        "new_posts",
        "publishing",
        "week",
        "challenge",
        "best_posts",
        "health",
    ]
    notes = response.context["home"].all_clear
    assert "Sources and network connections work." in notes
    assert "No suggestion or feed item is waiting." in notes
    assert "Nothing is scheduled." in notes


def test_queues_with_nothing_waiting_are_one_line_each(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, is_approver=True)
    response, page = page_of(client, curator)
    assert sections(response) == ["join"]
    assert "All caught up" in page
    for note in (
        "No post is waiting to be published or reworked.",
        "No suggestion or feed item is waiting.",
        "Nothing is scheduled.",
        "Nothing is waiting for your review.",
        "Every source is read without errors.",
    ):
        assert note in page


def test_a_new_organization_without_a_headcount_says_when_figures_come(client, organization):
    admin = MembershipFactory(organization=organization, is_admin=True)
    _response, page = page_of(client, admin)
    assert "first headcount is taken within the hour" in page


# -- speed ----------------------------------------------------------------------------------


def grow(world: SimpleNamespace, size: int) -> None:
    """`size` more of everything each home reads."""
    organization = world.organization
    for n in range(size):
        member = joined(organization)
        post = live_post(organization, title=f"More news {n}")
        shared(member, post, when=NOW - timedelta(hours=n + 1), clicks=2)
        PostFactory(organization=organization, state=PostState.IN_REVIEW)
        PostFactory(organization=organization, state=PostState.APPROVED)
        PostFactory(organization=organization, state=PostState.REJECTED)
        PostFactory(
            organization=organization,
            state=PostState.SCHEDULED,
            publish_start=NOW + timedelta(days=n + 1),
        )
        SuggestionFactory(membership=member)
        SourceItemFactory(source__organization=organization, status=ItemStatus.NEW)
        SourceFactory(organization=organization, last_error="down", consecutive_failures=1)
        ShareFactory(membership=member, post=post, status=ShareStatus.IN_REVIEW)
        NetworkConnectionFactory(membership=member, status=ConnectionStatus.EXPIRED)
        invitation_create(
            organization=organization,
            actor=world.admin.user,
            email=f"invitee{next(_events)}@acme.test",
        )
        points_award(membership=member, rule=Rule.SUGGESTION, source=Source.SUGGESTION, source_id=n)
        reward = reward_create(
            organization=organization,
            actor=world.admin.user,
            fields=RewardFields(name=f"Reward {n}", description="", price=1, stock=5),
        )
        reward_request(membership=member, reward=reward)
        challenge(
            organization,
            world.curator,
            title=f"Challenge {n}",
            metric="points",
            target=100,
            ends_on=MONDAY + timedelta(days=n + 7),
        )
    roll_up(organization)


def test_home_query_count_stays_flat_as_the_organization_grows(
    client, world, django_assert_max_num_queries
):
    everything = joined(world.organization, is_curator=True, is_approver=True, is_admin=True)
    network_settings_update(
        organization=world.organization,
        actor=world.admin.user,
        network="mastodon",
        sharing_enabled=True,
        publishing_enabled=True,
    )
    grow(world, 1)
    people = [world.maya, world.curator, world.approver, world.admin, everything]
    counted = {}
    for member in people:
        client.force_login(member.user)
        # A ceiling for the member who holds every role; each app's to-do source (the
        # pilot's invitation, surveys waiting, space invitations) is one query of it.
        with django_assert_max_num_queries(64) as few:
            assert client.get(reverse("home")).status_code == 200
        counted[member.pk] = len(few.captured_queries)
    grow(world, 25)
    for member in people:
        client.force_login(member.user)
        with django_assert_max_num_queries(counted[member.pk]):
            client.get(reverse("home"))
