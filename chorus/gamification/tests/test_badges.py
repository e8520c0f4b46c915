"""Badges and weekly sharing streaks: each criterion at its threshold, awarded once, the
streak across weeks, undone shares, the notification, the switch-off, pages and API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.content.models import SuggestionStatus
from chorus.core.models import AuditEvent
from chorus.factories import (
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
    SuggestionFactory,
)
from chorus.gamification.awards import points_refresh
from chorus.gamification.models import (
    Badge,
    BadgeAward,
    Criterion,
    GamificationSettings,
    PointEntry,
    PointRule,
    Rule,
)
from chorus.gamification.selectors.badges import sharing_streak
from chorus.gamification.services.badges import badges_add_suggested, badges_check
from chorus.links.models import Link
from chorus.links.services.links import clicks_store
from chorus.links.sinks import ClickRecord
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareStatus
from chorus.training.models import Certificate, Certification, Course, CourseCompletion

NOW = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(organization: Any, admin_member: Any, employee: Any) -> SimpleNamespace:
    employee.program_status = ProgramStatus.JOINED
    employee.save(update_fields=["program_status"])
    return SimpleNamespace(
        organization=organization,
        admin=admin_member,
        emma=employee,
        post=PostFactory(organization=organization),
    )


def badge(world: Any, criterion: str, threshold: int = 1, name: str = "") -> Badge:
    return Badge.objects.create(
        organization=world.organization,
        name=name or f"{criterion} {threshold}",
        criterion=criterion,
        threshold=threshold,
    )


def share(world: Any, *, at: datetime = NOW, network: str = "mastodon", status: str = "") -> Any:
    return ShareFactory(
        membership=world.emma,
        post=world.post,
        network=network,
        status=status or ShareStatus.SHARED,
        shared_at=at,
    )


def earned(member: Any) -> list[str]:
    return sorted(
        BadgeAward.objects.filter(membership=member).values_list("badge__name", flat=True)
    )


# Criteria, exactly at their thresholds


def test_first_share_needs_a_shared_share(world):
    first = badge(world, Criterion.FIRST_SHARE, name="First share")
    share(world, status=ShareStatus.OPENED)
    assert badges_check([world.emma.pk]) == 0
    share(world)
    assert badges_check([world.emma.pk]) == 1
    award = BadgeAward.objects.get(badge=first, membership=world.emma)
    assert award.awarded_at == NOW


def test_n_shares_at_n_minus_one_not_yet_at_n_yes(world):
    badge(world, Criterion.SHARES, 3, name="3 shares")
    share(world)
    share(world)
    assert badges_check([world.emma.pk]) == 0
    share(world)
    assert badges_check([world.emma.pk]) == 1
    assert earned(world.emma) == ["3 shares"]


def test_undone_shares_do_not_count(world):
    badge(world, Criterion.SHARES, 2, name="2 shares")
    share(world)
    share(world, status=ShareStatus.UNDONE)
    assert badges_check([world.emma.pk]) == 0
    assert earned(world.emma) == []


def test_unique_clicks_from_the_members_links(world):
    badge(world, Criterion.UNIQUE_CLICKS, 10, name="10 clicks")
    Link.objects.create(
        organization=world.organization,
        code="a1",
        post=world.post,
        membership=world.emma,
        network="x",
        destination="https://example.com/",
        unique_clicks=6,
        self_clicks=50,
    )
    link = Link.objects.create(
        organization=world.organization,
        code="b2",
        post=world.post,
        membership=world.emma,
        network="mastodon",
        destination="https://example.com/",
        unique_clicks=3,
    )
    assert badges_check([world.emma.pk]) == 0
    Link.objects.filter(pk=link.pk).update(unique_clicks=4)
    assert badges_check([world.emma.pk]) == 1


def test_networks_count_distinct_networks_of_shared_shares(world):
    badge(world, Criterion.NETWORKS, 3, name="3 networks")
    share(world, network="x")
    share(world, network="x")
    share(world, network="mastodon")
    share(world, network="linkedin", status=ShareStatus.UNDONE)
    assert badges_check([world.emma.pk]) == 0
    share(world, network="linkedin")
    assert badges_check([world.emma.pk]) == 1


def test_suggestion_accepted(world):
    badge(world, Criterion.SUGGESTION_ACCEPTED, name="Suggested")
    SuggestionFactory(membership=world.emma, status=SuggestionStatus.PENDING)
    SuggestionFactory(membership=world.emma, status=SuggestionStatus.DECLINED)
    assert badges_check([world.emma.pk]) == 0
    SuggestionFactory(membership=world.emma, status=SuggestionStatus.ACCEPTED)
    assert badges_check([world.emma.pk]) == 1


def certificate(world, *, expires_at=None, revoked=False):
    certification = Certification.objects.get_or_create(
        organization=world.organization, name="Social media"
    )[0]
    return Certificate.objects.create(
        organization=world.organization,
        certification=certification,
        membership=world.emma,
        code=f"code-{Certificate.objects.count()}",
        issued_at=NOW - timedelta(days=10),
        expires_at=expires_at,
        revoked_at=NOW if revoked else None,
    )


def test_certified_is_awarded_for_a_valid_certificate_only(world):
    badge(world, Criterion.CERTIFIED, name="Certified")
    certificate(world, expires_at=NOW - timedelta(days=1))
    certificate(world, revoked=True)
    assert badges_check([world.emma.pk]) == 0
    certificate(world, expires_at=NOW + timedelta(days=300))
    assert badges_check([world.emma.pk]) == 1
    assert BadgeAward.objects.get(membership=world.emma).badge.name == "Certified"


def test_points_for_a_completed_course_and_a_certificate_once_each(world):
    badge(world, Criterion.CERTIFIED, name="Certified")
    course = Course.objects.create(
        organization=world.organization, title="Policy", state="published", major_version=1
    )
    completion = CourseCompletion.objects.create(
        organization=world.organization,
        membership=world.emma,
        course=course,
        major_version=1,
        minor_version=0,
    )
    held = certificate(world, expires_at=NOW + timedelta(days=300))
    counts = points_refresh()
    assert (counts["courses"], counts["certificates"], counts["badges"]) == (1, 1, 1)
    entries = PointEntry.objects.filter(membership=world.emma).order_by("rule")
    assert [(e.rule, e.source_id, e.points) for e in entries] == [
        (Rule.CERTIFICATE, held.pk, 100),
        (Rule.COURSE, completion.pk, 50),
    ]
    assert points_refresh()["courses"] == 0
    assert PointEntry.objects.filter(membership=world.emma).count() == 2


def test_no_points_for_training_when_points_are_off(world):
    GamificationSettings.objects.update_or_create(
        organization=world.organization, defaults={"enabled": False}
    )
    certificate(world, expires_at=NOW + timedelta(days=300))
    points_refresh()
    assert not PointEntry.objects.filter(membership=world.emma).exists()


def test_the_admin_page_offers_the_certified_badge(world, client):
    client.force_login(world.admin.user)
    page = client.get("/manage/badges/").content.decode()
    assert 'value="certified"' in page
    client.post(
        "/manage/badges/",
        {"name": "Certified", "criterion": "certified", "threshold": "1", "active": "on"},
    )
    assert Badge.objects.get(name="Certified").criterion == Criterion.CERTIFIED


def test_streak_badge_at_n_weeks(world):
    badge(world, Criterion.STREAK_WEEKS, 3, name="3 weeks")
    share(world, at=NOW - timedelta(weeks=1))
    share(world, at=NOW - timedelta(weeks=2))
    assert badges_check([world.emma.pk]) == 0
    share(world, at=NOW)
    assert badges_check([world.emma.pk]) == 1


def test_a_badge_is_awarded_once_with_one_notification(world):
    badge(world, Criterion.FIRST_SHARE, name="First share")
    share(world)
    assert badges_check([world.emma.pk]) == 1
    assert badges_check([world.emma.pk]) == 0
    assert BadgeAward.objects.filter(membership=world.emma).count() == 1
    notification = Notification.objects.get(membership=world.emma)
    assert (notification.kind, notification.message, notification.url) == (
        "badge.earned",
        "You earned the badge First share",
        "/badges/",
    )


def test_inactive_badges_are_not_awarded(world):
    first = badge(world, Criterion.FIRST_SHARE)
    Badge.objects.filter(pk=first.pk).update(active=False)
    share(world)
    assert badges_check([world.emma.pk]) == 0


# Streaks


def test_streak_across_weeks_with_a_gap(world):
    # Weeks (Mondays): 6 and 5 weeks ago, a gap, then 3, 2 and 1 weeks ago; none this week.
    for weeks in (6, 5, 3, 2, 1):
        share(world, at=NOW - timedelta(weeks=weeks))
    share(world, at=NOW - timedelta(weeks=1, days=1))  # two shares in one week count once
    assert sharing_streak(world.emma) == (3, 3)


def test_streak_counts_last_week_while_this_week_has_no_share_yet(world):
    share(world, at=NOW - timedelta(weeks=1))
    share(world, at=NOW - timedelta(weeks=2))
    assert sharing_streak(world.emma) == (2, 2)
    share(world, at=NOW)
    assert sharing_streak(world.emma) == (3, 3)


def test_streak_is_broken_when_last_week_had_no_share(world):
    for weeks in (2, 3, 4, 5):
        share(world, at=NOW - timedelta(weeks=weeks))
    assert sharing_streak(world.emma) == (0, 4)


def test_undone_shares_do_not_keep_a_streak(world):
    share(world, at=NOW - timedelta(weeks=2))
    share(world, at=NOW - timedelta(weeks=1), status=ShareStatus.UNDONE)
    assert sharing_streak(world.emma) == (0, 1)


def test_streak_reads_one_query(world, django_assert_num_queries):
    for weeks in range(10):
        share(world, at=NOW - timedelta(weeks=weeks))
    with django_assert_num_queries(1):
        assert sharing_streak(world.emma) == (10, 10)


# The award task and the switch-off


def test_a_new_visitor_past_the_click_cap_still_completes_a_clicks_badge(world):
    PointRule.objects.create(
        organization=world.organization, rule=Rule.CLICK, points=2, daily_cap=2
    )
    badge(world, Criterion.UNIQUE_CLICKS, threshold=2, name="Two visitors")
    link = Link.objects.create(
        organization=world.organization,
        code="emma1",
        post=world.post,
        membership=world.emma,
        network="mastodon",
        destination="https://example.com/",
    )
    clicks_store([visit(link, "first")])
    points_refresh()
    assert earned(world.emma) == []
    clicks_store([visit(link, "second")])  # earns no points: the day's cap is reached
    points_refresh()
    assert earned(world.emma) == ["Two visitors"]


def visit(link: Link, visitor: str) -> ClickRecord:
    """A person's click as the redirect records it (the drainer decides it is unique)."""
    return ClickRecord(
        event_id=f"visit-{visitor}",
        moment=NOW.timestamp(),
        link_id=link.pk,
        organization_id=link.organization_id,
        kind="click",
        bot="",
        referrer="",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
        visitor=visitor,
        user_id=None,
    )


def test_the_minute_task_awards_badges_to_members_who_shared(world):
    badge(world, Criterion.FIRST_SHARE, name="First share")
    share(world)
    counts = points_refresh()
    assert counts["shares"] == 1
    assert counts["badges"] == 1
    assert earned(world.emma) == ["First share"]
    assert points_refresh()["badges"] == 0


def test_off_no_badges_are_awarded_and_pages_404(world, client):
    badge(world, Criterion.FIRST_SHARE)
    share(world)
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    assert badges_check([world.emma.pk]) == 0
    assert not BadgeAward.objects.exists()
    client.force_login(world.admin.user)
    assert client.get("/badges/").status_code == 404
    assert client.get("/manage/badges/").status_code == 404
    page = client.get("/")
    assert b'href="/badges/"' not in page.content


# Suggested badges


def test_add_the_suggested_badges_once(world):
    share(world)
    added = badges_add_suggested(organization=world.organization, actor=world.admin.user)
    assert [(b.name, b.criterion, b.threshold) for b in added] == [
        ("First share", "first_share", 1),
        ("10 shares", "shares", 10),
        ("100 unique clicks", "unique_clicks", 100),
        ("Shared on 3 networks", "networks", 3),
        ("4-week streak", "streak_weeks", 4),
        ("Suggestion accepted", "suggestion_accepted", 1),
    ]
    # Members who already meet one get it at once.
    assert earned(world.emma) == ["First share"]
    assert AuditEvent.objects.filter(action="badge.suggested_added").count() == 1
    with pytest.raises(Exception, match="already has badges"):
        badges_add_suggested(organization=world.organization, actor=world.admin.user)
    assert Badge.objects.count() == 6


# Pages


def test_member_page_shows_earned_with_date_progress_and_streak(world, client):
    badge(world, Criterion.FIRST_SHARE, name="First share")
    badge(world, Criterion.SHARES, 10, name="Ten <shares>")
    for _ in range(7):
        share(world)
    share(world, at=NOW - timedelta(weeks=1))
    badges_check([world.emma.pk])
    client.force_login(world.emma.user)
    page = client.get("/badges/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "First share" in text and "13 May 2026" in text
    assert "8 of 10 shares" in text
    assert "Ten &lt;shares&gt;" in text
    assert "Current streak: <strong>2 weeks</strong>" in text
    assert "Best: <strong>2 weeks</strong>" in text


def test_admin_creates_edits_and_deactivates_a_badge(world, client):
    share(world)
    client.force_login(world.admin.user)
    response = client.post(
        "/manage/badges/",
        {"name": "Starter", "criterion": "first_share", "threshold": "5", "active": "on"},
    )
    assert response.status_code == 302
    starter = Badge.objects.get(name="Starter")
    assert starter.threshold == 1  # yes/no criteria have threshold 1
    assert earned(world.emma) == ["Starter"]
    page = client.get("/manage/badges/").content.decode()
    assert "Starter" in page
    response = client.post(
        f"/manage/badges/{starter.pk}/",
        {"name": "Many", "criterion": "shares", "threshold": "5", "active": "on"},
    )
    assert response.status_code == 302
    starter.refresh_from_db()
    assert (starter.name, starter.criterion, starter.threshold) == ("Many", "shares", 5)
    assert earned(world.emma) == ["Many"]  # kept, with its date
    assert str(world.emma.user) in client.get(f"/manage/badges/{starter.pk}/").content.decode()
    client.post(f"/manage/badges/{starter.pk}/active/", {"active": "0"})
    starter.refresh_from_db()
    assert not starter.active
    assert AuditEvent.objects.filter(action="badge.deactivated").count() == 1


def test_bad_input_is_refused_with_no_change(world, client):
    client.force_login(world.admin.user)
    response = client.post(
        "/manage/badges/", {"name": "", "criterion": "nonsense", "threshold": "0"}
    )
    assert response.status_code == 422
    assert not Badge.objects.exists()
    starter = badge(world, Criterion.SHARES, 3, name="Three")
    response = client.post(
        f"/manage/badges/{starter.pk}/", {"name": "X", "criterion": "shares", "threshold": "-1"}
    )
    assert response.status_code == 422
    starter.refresh_from_db()
    assert (starter.name, starter.threshold) == ("Three", 3)
    response = client.post(f"/manage/badges/{starter.pk}/active/", {"active": "maybe"})
    assert response.status_code == 302
    starter.refresh_from_db()
    assert starter.active


def test_members_cannot_manage_and_foreign_badges_are_404(world, client):
    other = OrganizationFactory(slug="other")
    foreign = Badge.objects.create(organization=other, name="Theirs", criterion="shares")
    client.force_login(world.emma.user)
    assert client.get("/manage/badges/").status_code == 403
    assert client.post("/manage/badges/suggested/").status_code == 403
    client.force_login(world.admin.user)
    assert client.get(f"/manage/badges/{foreign.pk}/").status_code == 404
    assert client.post(f"/manage/badges/{foreign.pk}/active/", {"active": "0"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.active


# API


@pytest.fixture
def tokens(world: Any) -> SimpleNamespace:
    _, emma = account_services.api_token_create(membership=world.emma, name="test")
    _, admin = account_services.api_token_create(membership=world.admin, name="test")
    return SimpleNamespace(
        emma={"Authorization": f"Bearer {emma}"}, admin={"Authorization": f"Bearer {admin}"}
    )


def test_api_my_badges_with_progress(world, client, tokens):
    badge(world, Criterion.FIRST_SHARE, name="First share")
    badge(world, Criterion.SHARES, 10, name="Ten")
    share(world)
    badges_check([world.emma.pk])
    body = client.get("/api/v1/badges", headers=tokens.emma).json()
    assert (body["streak_current"], body["streak_best"]) == (1, 1)
    assert [(b["name"], b["earned"], b["progress"]) for b in body["badges"]] == [
        ("First share", True, "1 of 1 share"),
        ("Ten", False, "1 of 10 shares"),
    ]


def test_api_admin_crud_roles_foreign_and_off(world, client, tokens):
    url = "/api/v1/manage/badges"
    payload = {"name": "Five", "criterion": "shares", "threshold": 5}
    assert (
        client.post(url, payload, content_type="application/json", headers=tokens.emma).status_code
        == 403
    )
    created = client.post(url, payload, content_type="application/json", headers=tokens.admin)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert created.json()["earned"] == 0
    bad = client.post(
        url, {**payload, "threshold": 0}, content_type="application/json", headers=tokens.admin
    )
    assert bad.status_code == 422
    changed = client.put(
        f"{url}/{pk}",
        {**payload, "name": "Six", "threshold": 6},
        content_type="application/json",
        headers=tokens.admin,
    )
    assert (changed.status_code, changed.json()["threshold"]) == (200, 6)
    assert client.delete(f"{url}/{pk}", headers=tokens.admin).json()["active"] is False
    assert [b["name"] for b in client.get(url, headers=tokens.admin).json()] == ["Six"]
    foreign = Badge.objects.create(
        organization=OrganizationFactory(slug="other"), name="Theirs", criterion="shares"
    )
    assert client.get(f"{url}/{foreign.pk}", headers=tokens.admin).status_code == 404
    assert client.delete(f"{url}/{foreign.pk}", headers=tokens.admin).status_code == 404
    suggested = client.post(f"{url}/suggested", headers=tokens.admin)
    assert suggested.status_code == 422  # the organization has a badge already
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    assert client.get("/api/v1/badges", headers=tokens.emma).status_code == 404
    assert client.get(url, headers=tokens.admin).status_code == 404


def test_other_organizations_members_are_not_checked_into_ours(world):
    other = MembershipFactory(organization=OrganizationFactory(slug="other"))
    badge(world, Criterion.FIRST_SHARE)
    ShareFactory(membership=other, status=ShareStatus.SHARED, shared_at=NOW)
    assert badges_check([other.pk]) == 0
