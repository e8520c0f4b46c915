"""Gamification settings (page and API), a member's points page and API, the switch-off."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.test import Client

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services.tokens import api_token_create
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory, ShareFactory
from chorus.gamification.models import (
    GamificationSettings,
    PointEntry,
    PointRule,
    Reward,
    Rule,
    Source,
)
from chorus.gamification.services.points import points_award, points_reverse_sources
from chorus.gamification.services.rewards import reward_decide, reward_request
from chorus.links.models import Click, ClickKind, DeviceClass, Link
from chorus.sharing.models import ShareStatus

NOW = datetime(2026, 5, 13, 10, 0, tzinfo=UTC)  # a Wednesday; week from 11 May
RANGE = "Enter a whole number from 0 to 10,000."
DEFAULT_FORM = {
    "share_points": "10",
    "share_daily_cap": "50",
    "click_points": "2",
    "click_daily_cap": "100",
    "engagement_points": "1",
    "engagement_daily_cap": "50",
    "suggestion_points": "20",
    "suggestion_daily_cap": "60",
    "course_points": "50",
    "course_daily_cap": "0",
    "certificate_points": "100",
    "certificate_daily_cap": "0",
    "care_reply_points": "10",
    "care_reply_daily_cap": "100",
}
DEFAULT_SNAPSHOT = {
    "share": {"points": 10, "daily_cap": 50},
    "click": {"points": 2, "daily_cap": 100},
    "engagement": {"points": 1, "daily_cap": 50},
    "suggestion": {"points": 20, "daily_cap": 60},
    "course": {"points": 50, "daily_cap": 0},
    "certificate": {"points": 100, "daily_cap": 0},
    "care_reply": {"points": 10, "daily_cap": 100},
}


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def advocate(organization: Any) -> Any:
    return MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__email="ada.advocate@acme.test",
    )


@pytest.fixture
def advocate_client(client: Client, advocate: Any) -> Client:
    client.force_login(advocate.user)
    return client


def turn_off(organization: Any) -> None:
    GamificationSettings.objects.update_or_create(
        organization=organization, defaults={"enabled": False}
    )


def bearer(membership: Any) -> dict[str, str]:
    _, secret = api_token_create(membership=membership, name="tests")
    return {"Authorization": f"Bearer {secret}"}


# The admin's settings page ------------------------------------------------------------


def test_settings_page_shows_the_defaults_and_the_fair_play_rules(admin_client):
    response = admin_client.get("/manage/gamification/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["enabled"].value() is True
    assert {name: str(form[name].value()) for name in DEFAULT_FORM} == DEFAULT_FORM
    page = response.content.decode()
    for words in (
        "a member opening their own link",
        "link previews made by bots",
        "the same visitor opening a link again",
        "a share undone within the hour",
        "Daily caps",
    ):
        assert words in page
    assert re.search(
        r'href="/manage/gamification/"[^>]*>.*?<span>Gamification</span>', page
    )  # admin menu


def test_saving_changes_only_what_changed_and_is_audited(admin_client, admin_member, organization):
    response = admin_client.post(
        "/manage/gamification/",
        {**DEFAULT_FORM, "share_points": "15", "share_daily_cap": "45", "course_daily_cap": "200"},
    )
    assert response.status_code == 302
    assert sorted(
        PointRule.objects.filter(organization=organization).values_list(
            "rule", "points", "daily_cap"
        )
    ) == [("course", 50, 200), ("share", 15, 45)]
    # The checkbox was not sent: points are off now.
    assert GamificationSettings.objects.get(organization=organization).enabled is False
    event = AuditEvent.objects.get(organization=organization)
    assert (event.action, event.actor_id) == ("gamification.settings_changed", admin_member.user_id)
    assert event.data == {
        "before": {"enabled": True, "rules": DEFAULT_SNAPSHOT},
        "after": {
            "enabled": False,
            "rules": {
                **DEFAULT_SNAPSHOT,
                "share": {"points": 15, "daily_cap": 45},
                "course": {"points": 50, "daily_cap": 200},
            },
        },
    }
    page = admin_client.get("/manage/gamification/")
    assert page.context["form"]["share_points"].value() == 15
    assert "Gamification is <strong>off</strong>" in page.content.decode()


def test_new_points_are_what_members_earn_next(admin_client, organization, advocate):
    admin_client.post(
        "/manage/gamification/", {**DEFAULT_FORM, "enabled": "on", "share_points": "7"}
    )
    share = ShareFactory(membership=advocate, status=ShareStatus.SHARED, shared_at=NOW)
    entry = points_award(
        membership=advocate, rule=Rule.SHARE, source=Source.SHARE, source_id=share.pk
    )
    assert entry is not None and entry.points == 7


def test_a_rule_set_back_to_its_default_follows_the_defaults_again(admin_client, organization):
    admin_client.post(
        "/manage/gamification/", {**DEFAULT_FORM, "enabled": "on", "click_points": "5"}
    )
    assert PointRule.objects.filter(organization=organization).count() == 1
    admin_client.post("/manage/gamification/", {**DEFAULT_FORM, "enabled": "on"})
    assert PointRule.objects.filter(organization=organization).count() == 0
    assert AuditEvent.objects.filter(action="gamification.settings_changed").count() == 2


def test_saving_the_same_values_writes_no_audit_event(admin_client, organization):
    response = admin_client.post("/manage/gamification/", {**DEFAULT_FORM, "enabled": "on"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(organization=organization).exists()
    assert not PointRule.objects.filter(organization=organization).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("share_points", "-1"),
        ("click_daily_cap", "10001"),
        ("engagement_points", "abc"),
        ("suggestion_points", "2.5"),
        ("course_points", ""),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_is_saved(
    admin_client, organization, field, value
):
    data = {**DEFAULT_FORM, "share_daily_cap": "30", field: value}  # enabled left out: off
    response = admin_client.post("/manage/gamification/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [RANGE]}
    assert RANGE in response.content.decode()
    assert "Nothing was saved: correct the values marked below." in response.content.decode()
    assert not PointRule.objects.filter(organization=organization).exists()
    assert not GamificationSettings.objects.filter(organization=organization).exists()
    assert not AuditEvent.objects.exists()


def test_employees_may_not_see_or_change_the_settings(employee_client, organization):
    assert employee_client.get("/manage/gamification/").status_code == 403
    response = employee_client.post("/manage/gamification/", {**DEFAULT_FORM, "share_points": "99"})
    assert response.status_code == 403
    assert not PointRule.objects.exists()
    assert not GamificationSettings.objects.exists()
    assert 'href="/manage/gamification/"' not in employee_client.get("/").content.decode()


def test_another_organizations_admin_changes_only_their_own(client, organization):
    globex = OrganizationFactory(name="Globex", slug="globex")
    globex_admin = MembershipFactory(organization=globex, is_admin=True)
    client.force_login(globex_admin.user)
    client.post("/manage/gamification/", {**DEFAULT_FORM, "share_points": "99"})
    assert list(PointRule.objects.values_list("organization_id", "points")) == [(globex.pk, 99)]
    assert list(GamificationSettings.objects.values_list("organization_id", "enabled")) == [
        (globex.pk, False)
    ]
    assert not GamificationSettings.objects.filter(organization=organization).exists()


def test_the_settings_form_needs_the_csrf_token(admin_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_member.user)
    response = client.post("/manage/gamification/", {**DEFAULT_FORM, "share_points": "99"})
    assert response.status_code == 403
    assert not PointRule.objects.exists()


# The member's points page ----------------------------------------------------------------


@pytest.fixture
def earned(organization: Any, advocate: Any, clock: Any) -> SimpleNamespace:
    """Shares across the periods, one click later counted as a bot, one visitor's click.

    This week 10 + 2 + 2 - 2 = 12, this month +10 = 22, this quarter +10 = 32, all +10 = 42.
    """
    post: Any = PostFactory(organization=organization, title="Spring <launch> & more")
    other: Any = PostFactory(organization=organization, title="Our new office")

    def share(at: datetime, on: Any = post) -> None:
        clock.move_to(at)
        made: Any = ShareFactory(
            membership=advocate, post=on, status=ShareStatus.SHARED, shared_at=at
        )
        points_award(
            membership=advocate, rule=Rule.SHARE, source=Source.SHARE, source_id=made.pk, moment=at
        )

    share(datetime(2026, 2, 20, 9, 0, tzinfo=UTC))  # last quarter
    share(datetime(2026, 4, 15, 9, 0, tzinfo=UTC))  # this quarter, last month
    share(datetime(2026, 5, 5, 9, 0, tzinfo=UTC))  # this month, last week
    share(datetime(2026, 5, 12, 9, 0, tzinfo=UTC), on=other)  # this week
    link = Link.objects.create(
        organization=organization,
        code="ada-spring",
        post=other,
        membership=advocate,
        network="mastodon",
        destination="https://acme.example/",
    )
    clicks = []
    for number, minute in enumerate((10, 20)):
        at = datetime(2026, 5, 12, 12, minute, tzinfo=UTC)
        clock.move_to(at)
        click = Click.objects.create(
            organization=organization,
            event_id=f"event-{number}",
            link=link,
            created_at=at,
            kind=ClickKind.CLICK,
            device_class=DeviceClass.MOBILE,
            visitor_key=f"visitor-{number}",
            is_unique=True,
        )
        points_award(
            membership=advocate, rule=Rule.CLICK, source=Source.CLICK, source_id=click.pk, moment=at
        )
        clicks.append(click)
    clock.move_to(datetime(2026, 5, 13, 8, 0, tzinfo=UTC))
    points_reverse_sources(source=Source.CLICK, source_ids=[clicks[0].pk], note="Counted as a bot")
    clock.move_to(NOW)
    return SimpleNamespace(post=post, other=other, link=link, clicks=clicks)


def test_my_points_per_period_are_exact(advocate_client, earned):
    response = advocate_client.get("/points/")
    assert response.status_code == 200
    assert [(t.period, t.points) for t in response.context["totals"]] == [
        ("week", 12),
        ("month", 22),
        ("quarter", 32),
        ("all", 42),
    ]
    assert [str(t.starts) for t in response.context["totals"]] == [
        "2026-05-11",
        "2026-05-01",
        "2026-04-01",
        "2000-01-01",
    ]
    assert '<span class="figure-value">42</span>' in response.content.decode()


def test_my_history_says_what_earned_each_point_newest_first(advocate_client, earned):
    response = advocate_client.get("/points/")
    rows = [(r.description, r.reversal, r.points) for r in response.context["rows"]]
    assert rows == [
        ("A new visitor opened your link to Our new office", "Reversed: counted as a bot", -2),
        ("A new visitor opened your link to Our new office", "", 2),
        ("A new visitor opened your link to Our new office", "", 2),
        ("Share of Our new office", "", 10),
        ("Share of Spring <launch> & more", "", 10),
        ("Share of Spring <launch> & more", "", 10),
        ("Share of Spring <launch> & more", "", 10),
    ]
    page = response.content.decode()
    assert "Reversed: counted as a bot" in page
    assert "Share of Spring &lt;launch&gt; &amp; more" in page  # escaped
    assert "<launch>" not in page
    assert ">-2</td>" in page and ">+10</td>" in page


def test_history_is_fifty_entries_a_page(advocate_client, advocate):
    for number in range(51):
        points_award(
            membership=advocate,
            rule=Rule.COURSE,
            source=Source.COURSE,
            source_id=number + 1,
            note=f"Course {number + 1} completed",
        )
    first = advocate_client.get("/points/")
    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0].description == "Course 51 completed"
    assert first.context["totals"][-1].points == 51 * 50
    second = advocate_client.get("/points/?page=2")
    assert [r.description for r in second.context["rows"]] == ["Course 1 completed"]
    assert advocate_client.get("/points/?page=abc").status_code == 200


def test_a_reward_and_its_refund_are_named_in_the_history(
    advocate_client, organization, admin_member, advocate, earned
):
    mug = Reward.objects.create(organization=organization, name="Coffee mug", price=30, stock=2)
    request = reward_request(membership=advocate, reward=mug)
    reward_decide(request=request, actor=admin_member.user, approve=False, reason="Out of mugs")
    rows = advocate_client.get("/points/").context["rows"]
    assert [(r.description, r.reversal, r.points) for r in rows[:2]] == [
        ("Reward: Coffee mug", "Reversed: reward declined", 30),
        ("Reward: Coffee mug", "", -30),
    ]


def test_members_who_opted_out_of_rankings_still_see_their_points(
    advocate_client, advocate, earned
):
    advocate.public_ranking = False
    advocate.save(update_fields=["public_ranking"])
    response = advocate_client.get("/points/")
    assert response.status_code == 200
    assert response.context["totals"][-1].points == 42


def test_a_member_sees_only_their_own_points(client, organization, earned):
    bob = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    client.force_login(bob.user)
    response = client.get("/points/")
    assert [t.points for t in response.context["totals"]] == [0, 0, 0, 0]
    assert response.context["rows"] == []
    assert "No points yet" in response.content.decode()


def test_the_menu_links_to_my_points_when_points_are_on(advocate_client):
    assert re.search(
        r'href="/points/">.*?<span>Points</span>', advocate_client.get("/").content.decode()
    )


# Switched off ---------------------------------------------------------------------------


def test_switched_off_there_is_no_points_page_link_or_api(
    advocate_client, organization, advocate, earned
):
    turn_off(organization)
    assert advocate_client.get("/points/").status_code == 404
    assert 'href="/points/"' not in advocate_client.get("/").content.decode()
    response = advocate_client.get("/api/v1/points/me", headers=bearer(advocate))
    assert response.status_code == 404
    # Nothing is earned while off; what was earned is kept for when it is on again.
    assert (
        points_award(membership=advocate, rule=Rule.COURSE, source=Source.COURSE, source_id=9)
        is None
    )
    assert PointEntry.objects.filter(membership=advocate).count() == 7


def test_admins_can_turn_points_back_on_when_off(admin_client, organization, advocate):
    turn_off(organization)
    assert admin_client.get("/manage/gamification/").status_code == 200
    admin_client.post("/manage/gamification/", {**DEFAULT_FORM, "enabled": "on"})
    assert GamificationSettings.objects.get(organization=organization).enabled is True


# API --------------------------------------------------------------------------------------


def test_api_my_points(client, advocate, earned):
    response = client.get("/api/v1/points/me", headers=bearer(advocate))
    assert response.status_code == 200
    body = response.json()
    assert [(t["period"], t["points"]) for t in body["totals"]] == [
        ("week", 12),
        ("month", 22),
        ("quarter", 32),
        ("all", 42),
    ]
    assert len(body["entries"]) == 7
    newest = body["entries"][0]
    assert newest["points"] == -2
    assert newest["reversal"] == "Reversed: counted as a bot"
    assert newest["reverses"] == body["entries"][2]["id"]
    assert newest["description"] == "A new visitor opened your link to Our new office"
    assert (newest["rule"], newest["source"], newest["source_id"]) == (
        "click",
        "click",
        earned.clicks[0].pk,
    )


def test_api_settings_read_and_write(client, admin_member, organization):
    headers = bearer(admin_member)
    got = client.get("/api/v1/gamification/settings", headers=headers).json()
    assert got["enabled"] is True
    assert {r["rule"]: (r["points"], r["daily_cap"], r["is_default"]) for r in got["rules"]} == {
        "share": (10, 50, True),
        "click": (2, 100, True),
        "engagement": (1, 50, True),
        "suggestion": (20, 60, True),
        "course": (50, 0, True),
        "certificate": (100, 0, True),
        "care_reply": (10, 100, True),
    }
    response = client.put(
        "/api/v1/gamification/settings",
        json.dumps({"enabled": True, "rules": [{"rule": "click", "points": 3, "daily_cap": 0}]}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    click = next(r for r in response.json()["rules"] if r["rule"] == "click")
    assert (click["points"], click["daily_cap"], click["is_default"]) == (3, 0, False)
    assert list(PointRule.objects.values_list("rule", "points", "daily_cap")) == [("click", 3, 0)]
    event = AuditEvent.objects.get(action="gamification.settings_changed")
    assert event.data["after"]["rules"]["click"] == {"points": 3, "daily_cap": 0}
    assert event.data["before"]["rules"]["click"] == {"points": 2, "daily_cap": 100}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"rule": "share", "points": 10001, "daily_cap": 0}], "Sharing a post: points: " + RANGE),
        ([{"rule": "share", "points": 1, "daily_cap": -3}], "Sharing a post: daily cap: " + RANGE),
        ([{"rule": "reward", "points": 1, "daily_cap": 0}], "'reward' is not a rule"),
        (
            [
                {"rule": "share", "points": 1, "daily_cap": 0},
                {"rule": "share", "points": 2, "daily_cap": 0},
            ],
            "The rule 'share' is listed twice.",
        ),
    ],
)
def test_api_refuses_bad_settings_and_saves_nothing(client, admin_member, rules, message):
    response = client.put(
        "/api/v1/gamification/settings",
        json.dumps({"enabled": False, "rules": rules}),
        content_type="application/json",
        headers=bearer(admin_member),
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert not PointRule.objects.exists()
    assert not GamificationSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="gamification.settings_changed").exists()


def test_api_settings_are_for_admins(client, employee):
    headers = bearer(employee)
    assert client.get("/api/v1/gamification/settings", headers=headers).status_code == 403
    response = client.put(
        "/api/v1/gamification/settings",
        json.dumps({"enabled": False}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert not GamificationSettings.objects.exists()


def test_api_my_points_history_is_the_last_fifty(client, advocate):
    for number in range(55):
        points_award(
            membership=advocate, rule=Rule.COURSE, source=Source.COURSE, source_id=number + 1
        )
    body = client.get("/api/v1/points/me", headers=bearer(advocate)).json()
    assert len(body["entries"]) == 50
    assert body["entries"][0]["source_id"] == 55
    assert body["entries"][0]["description"] == "A course completed"
    assert body["totals"][-1]["points"] == 55 * 50
