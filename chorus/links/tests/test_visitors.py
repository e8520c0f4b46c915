"""The admins' "Suspicious visitors" page: the ranking, one visitor's page, counting as a bot.

The world: ten posts with two links each, clicks stored by the real drainer (clicks_store,
which keeps the link counters), "now" 2026-03-10 12:00 UTC. Visitor keys change daily, so
each visitor's clicks fall on one day:

- scanner: 40 clicks in one minute (09:00:00-09:00:39 today), two on each of the 20 links;
- spreader: 6 clicks, one an hour on 6 links of 3 posts, two days ago;
- reader: 6 clicks on the 2 links of one post today, two of them within 10:00;
- twin: 6 clicks on 2 links, one an hour, yesterday night (before the last 24 hours);
- casual: 2 clicks today (too few to list); Slackbot: 10 previews today (not people);
- old: 8 clicks on one link 13 days ago (only in the 30-day view);
- and Globex's own scanner, 50 clicks today, that Acme never sees.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chorus.accounts.services import tokens as account_services
from chorus.content.models import PostState
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.links.models import Click, Link
from chorus.links.selectors import visitors as selectors_visitors
from chorus.links.services.links import clicks_store, link_mint
from chorus.links.sinks import ClickRecord
from chorus.links.visitors import visitor_key

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"
_events = itertools.count()


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def key_of(ip: str, day: date, user_agent: str = DESKTOP) -> str:
    return visitor_key(ip, user_agent, day)


def store(
    clicks: list[tuple[Link, datetime]], ip: str, *, user_agent: str = DESKTOP, kind: str = "click"
) -> str:
    """Store these clicks of one visitor through the drainer; returns the visitor's key."""
    key = key_of(ip, clicks[0][1].date(), user_agent)
    clicks_store(
        [
            ClickRecord(
                event_id=f"event-{next(_events)}",
                moment=moment.timestamp(),
                link_id=link.pk,
                organization_id=link.organization_id,
                kind=kind,
                bot="Slackbot" if kind == "bot" else "",
                referrer="",
                user_agent=user_agent,
                visitor=key,
            )
            for link, moment in clicks
        ]
    )
    return key


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(organization: Any, admin_member: Any) -> Any:
    admin_member.user.name = "Ada Admin"
    admin_member.user.save(update_fields=["name"])
    posts: list[Any] = [
        PostFactory(
            organization=organization,
            title="<b>Launch</b>" if number == 0 else f"Post {number}",
            link_url=f"https://acme.example/{number}",
            state=PostState.LIVE,
        )
        for number in range(10)
    ]
    links = [
        link_mint(post=post, network=network) for post in posts for network in ("linkedin", "x")
    ]
    yesterday, two_days_ago = TODAY - timedelta(days=1), TODAY - timedelta(days=2)
    keys = {
        "scanner": store([(links[i % 20], at(TODAY, 9, 0, i)) for i in range(40)], "198.51.100.7"),
        "spreader": store(
            [(links[i], at(two_days_ago, 8 + i)) for i in range(6)],
            "203.0.113.5",
            user_agent=IPHONE,
        ),
        "reader": store(
            [
                (links[0], at(TODAY, 10, 0, 5)),
                (links[0], at(TODAY, 10, 0, 40)),
                (links[0], at(TODAY, 10, 1, 10)),
                (links[1], at(TODAY, 11, 0)),
                (links[1], at(TODAY, 11, 20)),
                (links[1], at(TODAY, 11, 40)),
            ],
            "203.0.113.9",
            user_agent=IPHONE,
        ),
        "twin": store([(links[2 + i % 2], at(yesterday, 1 + i)) for i in range(6)], "203.0.113.10"),
        "casual": store([(links[4], at(TODAY, 8)), (links[5], at(TODAY, 8, 5))], "203.0.113.20"),
        "slackbot": store(
            [(links[19], at(TODAY, 7, i)) for i in range(10)],
            "203.0.113.40",
            user_agent="Slackbot-LinkExpanding 1.0",
            kind="bot",
        ),
        "old": store(
            [(links[6], at(TODAY - timedelta(days=13), 15, i)) for i in range(8)], "203.0.113.30"
        ),
    }
    globex = OrganizationFactory(name="Globex", slug="globex")
    globex_post: Any = PostFactory(
        organization=globex, link_url="https://globex.example/", state=PostState.LIVE
    )
    globex_link = link_mint(post=globex_post)
    keys["globex"] = store([(globex_link, at(TODAY, 9, 30, i)) for i in range(50)], "198.51.100.99")
    return SimpleNamespace(organization=organization, links=links, keys=keys)


def figures(rows: list[selectors_visitors.VisitorSummary], world: Any) -> list[tuple[Any, ...]]:
    names = {key: name for name, key in world.keys.items()}
    return [
        (names[row.visitor_key], row.clicks, row.links, row.posts, row.busiest_minute_clicks)
        for row in rows
    ]


def visitors_url(key: str = "") -> str:
    return f"/manage/links/visitors/{key}/" if key else "/manage/links/visitors/"


def person_clicks(key: str) -> int:
    return Click.objects.filter(visitor_key=key, kind="click").count()


# The ranking -------------------------------------------------------------------------------


def test_the_last_7_days_rank_by_clicks_then_links_then_the_busiest_minute(world):
    rows = selectors_visitors.suspicious_visitors(organization=world.organization, days=7)
    assert figures(rows, world) == [
        ("scanner", 40, 20, 10, 40),
        ("spreader", 6, 6, 3, 1),
        ("reader", 6, 2, 1, 2),
        ("twin", 6, 2, 1, 1),
    ]
    scanner, spreader, reader, _twin = rows
    assert (scanner.first_click, scanner.last_click) == (at(TODAY, 9), at(TODAY, 9, 0, 39))
    assert scanner.busiest_minute == at(TODAY, 9)
    assert (scanner.device_class, scanner.previews) == ("desktop", 0)
    assert scanner.short_key == world.keys["scanner"][:8]
    assert spreader.device_class == "mobile"
    assert reader.busiest_minute == at(TODAY, 10)
    assert (reader.first_click, reader.last_click) == (at(TODAY, 10, 0, 5), at(TODAY, 11, 40))


def test_the_period_chooses_the_visitors(world):
    day = selectors_visitors.suspicious_visitors(organization=world.organization, days=1)
    month = selectors_visitors.suspicious_visitors(organization=world.organization, days=30)
    assert figures(day, world) == [("scanner", 40, 20, 10, 40), ("reader", 6, 2, 1, 2)]
    assert [name for name, *_ in figures(month, world)] == [
        "scanner",
        "old",
        "spreader",
        "reader",
        "twin",
    ]


def test_the_list_is_capped(world, monkeypatch):
    monkeypatch.setattr(selectors_visitors, "LIST_LIMIT", 2)
    rows = selectors_visitors.suspicious_visitors(organization=world.organization, days=7)
    assert figures(rows, world) == [("scanner", 40, 20, 10, 40), ("spreader", 6, 6, 3, 1)]


def test_the_page_shows_the_ranked_visitors_in_two_queries_of_clicks(admin_client, world):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(visitors_url())
    assert response.status_code == 200
    assert figures(response.context["rows"], world)[0] == ("scanner", 40, 20, 10, 40)
    # Aggregated in the database: one ranking query, one busiest-minute query.
    # (The quotes leave out the set-aside clicks' table, links_clickdeadletter.)
    assert len([q for q in queries.captured_queries if '"links_click"' in q["sql"]]) == 2
    html = response.content.decode()
    assert "Suspicious visitors" in html
    assert '<option value="7" selected>Last 7 days</option>' in html
    assert "Visitors with 5 clicks or more in the last 7 days" in html
    assert f'<code title="{world.keys["scanner"]}">{world.keys["scanner"][:8]}</code>' in html
    assert "40 clicks at" in html and ">09:00</time>" in html
    assert world.keys["casual"] not in html and world.keys["globex"] not in html
    assert f'href="/manage/links/visitors/{world.keys["reader"]}/"' in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_ranking_reads_the_organization_and_time_index(world):
    clicks = selectors_visitors._clicks_since(world.organization, days=7, now=NOW)
    query = selectors_visitors._summaries(clicks.filter(kind="click"), people_only=True)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX" in plan and "organization_id=? AND created_at>?" in plan, plan


def test_analytics_links_the_page_for_admins_only(admin_client, client, organization):
    # Found from Analytics (the admin menu keeps to 20 links), which highlights it.
    assert 'href="/manage/links/visitors/"' in admin_client.get("/analytics/").content.decode()
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    assert 'href="/manage/links/visitors/"' not in client.get("/analytics/").content.decode()


# Looking a visitor up ----------------------------------------------------------------------


def test_a_pasted_key_prefix_leads_to_that_visitor(admin_client, world):
    key = world.keys["reader"]
    response = admin_client.get(visitors_url(), {"key": f"  {key[:6].upper()} "})
    assert response.status_code == 302
    assert response["Location"] == visitors_url(key)


def test_a_prefix_finds_visitors_of_the_period_only(admin_client, world):
    old = world.keys["old"]
    response = admin_client.get(visitors_url(), {"key": old[:10]})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert f"No visitor whose key starts with <code>{old[:10]}</code>" in response.content.decode()
    response = admin_client.get(visitors_url(), {"key": old[:10], "days": "30"})
    assert response["Location"] == visitors_url(old)


def test_another_organizations_visitor_is_not_found(admin_client, world):
    response = admin_client.get(visitors_url(), {"key": world.keys["globex"][:8]})
    assert response.status_code == 200
    assert response.context["rows"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"key": "abc12"}, "paste at least 6 of its characters"),
        ({"key": "zzzzzzzz"}, "digits and the letters a to f"),
        ({"key": "a" * 33}, "at most 32"),
        ({"days": "5"}, "Select a valid choice"),
        ({"days": "-1'--"}, "Select a valid choice"),
    ],
)
def test_bad_filters_are_named_and_the_default_list_shown(admin_client, world, query, message):
    response = admin_client.get(visitors_url(), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters were not valid and were ignored" in html
    assert message in html
    assert response.context["days"] == 7
    assert len(response.context["rows"]) == 4


# A visitor's page --------------------------------------------------------------------------


def test_the_visitor_page_shows_the_figures_and_the_links_escaped(admin_client, world):
    response = admin_client.get(visitors_url(world.keys["reader"]))
    assert response.status_code == 200
    visitor = response.context["visitor"]
    assert (visitor.clicks, visitor.previews, visitor.links, visitor.posts) == (6, 0, 2, 1)
    assert (visitor.busiest_minute, visitor.busiest_minute_clicks) == (at(TODAY, 10), 2)
    assert [(link.code, link.clicks, link.previews) for link in response.context["links"]] == [
        (world.links[0].code, 3, 0),
        (world.links[1].code, 3, 0),
    ]
    html = response.content.decode()
    assert "&lt;b&gt;Launch&lt;/b&gt;" in html and "<b>Launch</b>" not in html
    assert "Count 6 clicks as a bot" in html
    assert '<td data-label="Network">LinkedIn</td>' in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize("key", ["0" * 32, "not-a-key", "A" * 32, "0" * 33])
def test_unknown_or_malformed_keys_are_404(admin_client, world, key):
    assert admin_client.get(visitors_url(key)).status_code == 404
    assert admin_client.post(visitors_url(key), {"reason": "x"}).status_code == 404


def test_another_organizations_visitor_is_404_and_unchanged(admin_client, world):
    key = world.keys["globex"]
    assert admin_client.get(visitors_url(key)).status_code == 404
    assert admin_client.post(visitors_url(key), {"reason": "mine now"}).status_code == 404
    assert person_clicks(key) == 50
    assert not AuditEvent.objects.filter(action="clicks.reclassified").exists()


# Counting a visitor as a bot ---------------------------------------------------------------


def link_counters(link: Link) -> tuple[int, int, int, int]:
    link.refresh_from_db()
    return (link.clicks, link.unique_clicks, link.self_clicks, link.previews)


def test_counting_the_scanner_as_a_bot_moves_its_clicks_to_previews(
    admin_client, admin_member, world
):
    first, last = world.links[0], world.links[19]
    # Before: first has the scanner's 2 (1 unique), the spreader's 1 and the reader's 3 (1
    # unique); last has the scanner's 2 and Slackbot's 10 previews.
    assert link_counters(first) == (6, 3, 0, 0)
    assert link_counters(last) == (2, 1, 0, 10)
    totals = Link.objects.filter(organization=world.organization).aggregate(
        clicks=Sum("clicks"), previews=Sum("previews")
    )
    assert totals == {"clicks": 40 + 6 + 6 + 6 + 2 + 8, "previews": 10}
    key = world.keys["scanner"]

    response = admin_client.post(visitors_url(key), {"reason": " mail   security scanner "})

    assert response.status_code == 302
    assert response["Location"] == visitors_url(key)
    assert person_clicks(key) == 0
    assert set(Click.objects.filter(visitor_key=key).values_list("kind", "bot_name")) == {
        ("bot", "Reclassified by Ada Admin: mail security scanner")
    }
    assert link_counters(first) == (4, 2, 0, 2)
    assert link_counters(last) == (0, 0, 0, 12)
    totals = Link.objects.filter(organization=world.organization).aggregate(
        clicks=Sum("clicks"), previews=Sum("previews")
    )
    assert totals == {"clicks": 28, "previews": 50}
    event = AuditEvent.objects.get(action="clicks.reclassified")
    assert (event.organization, event.actor, event.target_label) == (
        world.organization,
        admin_member.user,
        f"Visitor {key[:8]}",
    )
    assert event.data == {"visitor": key[:8], "clicks": 40, "reason": "mail security scanner"}
    # Other visitors are untouched.
    assert person_clicks(world.keys["reader"]) == 6
    assert person_clicks(world.keys["globex"]) == 50

    page = admin_client.get(response["Location"]).content.decode()
    assert (
        "40 clicks are now counted as bot previews; the dashboards update within a minute." in page
    )
    assert "Nothing to do: every click of this visitor already counts as a bot preview." in page
    assert "as a bot</button>" not in page
    ranked = selectors_visitors.suspicious_visitors(organization=world.organization, days=7)
    assert [name for name, *_ in figures(ranked, world)] == ["spreader", "reader", "twin"]


def test_a_reclassified_visitor_is_still_found_and_has_nothing_to_do(admin_client, world):
    key = world.keys["reader"]
    assert admin_client.post(visitors_url(key)).status_code == 302
    assert Click.objects.get(
        visitor_key=key, link=world.links[0], created_at=at(TODAY, 10, 0, 5)
    ).bot_name == ("Reclassified by Ada Admin")
    response = admin_client.get(visitors_url(), {"key": key[:6]})
    assert response["Location"] == visitors_url(key)
    visitor = admin_client.get(visitors_url(key)).context["visitor"]
    assert (visitor.clicks, visitor.previews) == (0, 6)

    again = admin_client.post(visitors_url(key), {"reason": "twice"}, follow=True)
    assert "Nothing to do: this visitor&#x27;s clicks already count as bot previews." in (
        again.content.decode()
    )
    assert AuditEvent.objects.filter(action="clicks.reclassified").count() == 1


def test_the_bot_name_is_cut_to_what_a_click_holds(admin_client, world):
    key = world.keys["twin"]
    reason = "r" * 200
    assert admin_client.post(visitors_url(key), {"reason": reason}).status_code == 302
    (bot_name,) = set(Click.objects.filter(visitor_key=key).values_list("bot_name", flat=True))
    assert bot_name == ("Reclassified by Ada Admin: " + reason)[:100]
    assert AuditEvent.objects.get(action="clicks.reclassified").data["reason"] == reason


def test_a_too_long_reason_is_refused_and_nothing_changes(admin_client, world):
    key = world.keys["reader"]
    response = admin_client.post(visitors_url(key), {"reason": "r" * 201})
    assert response.status_code == 422
    assert "at most 200 characters (it has 201)" in response.content.decode()
    assert person_clicks(key) == 6
    assert link_counters(world.links[0]) == (6, 3, 0, 0)
    assert not AuditEvent.objects.filter(action="clicks.reclassified").exists()


def test_the_form_needs_the_csrf_token(admin_member, world):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_member.user)
    key = world.keys["scanner"]
    assert csrf_client.post(visitors_url(key), {"reason": "x"}).status_code == 403
    assert person_clicks(key) == 40


@pytest.mark.parametrize("role", ["curator", "approver", "employee"])
def test_only_admins_may_see_or_reclassify(client, organization, world, role):
    flags = {f"is_{role}": True} if role != "employee" else {}
    member = MembershipFactory(organization=organization, **flags)
    client.force_login(member.user)
    key = world.keys["scanner"]
    assert client.get(visitors_url()).status_code == 403
    assert client.get(visitors_url(key)).status_code == 403
    assert client.post(visitors_url(key), {"reason": "x"}).status_code == 403
    assert person_clicks(key) == 40


# The API -----------------------------------------------------------------------------------


def api_reclassify(client: Any, member: Any, key: str, body: Any) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.post(
        f"/api/v1/links/visitors/{key}/reclassify",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_the_api_counts_a_visitor_as_a_bot(client, admin_member, world):
    key = world.keys["scanner"]
    response = api_reclassify(client, admin_member, key, {"reason": "scanner"})
    assert response.status_code == 200
    assert response.json() == {"visitor": key[:8], "reclassified": 40}
    assert person_clicks(key) == 0
    assert link_counters(world.links[0]) == (4, 2, 0, 2)
    assert AuditEvent.objects.get(action="clicks.reclassified").data == {
        "visitor": key[:8],
        "clicks": 40,
        "reason": "scanner",
    }
    again = api_reclassify(client, admin_member, key, {})
    assert again.json() == {"visitor": key[:8], "reclassified": 0}
    assert AuditEvent.objects.filter(action="clicks.reclassified").count() == 1


def test_the_api_refuses_other_roles_foreign_keys_and_long_reasons(
    client, organization, admin_member, world
):
    curator = MembershipFactory(organization=organization, is_curator=True)
    scanner = world.keys["scanner"]
    assert api_reclassify(client, curator, scanner, {}).status_code == 403
    assert api_reclassify(client, admin_member, world.keys["globex"], {}).status_code == 404
    assert api_reclassify(client, admin_member, "0" * 32, {}).status_code == 404
    assert api_reclassify(client, admin_member, "not-a-key", {}).status_code == 404
    assert api_reclassify(client, admin_member, scanner, {"reason": "r" * 201}).status_code == 422
    assert api_reclassify(client, admin_member, scanner, {"reason": "a\x00b"}).status_code == 422
    assert person_clicks(scanner) == 40
    assert person_clicks(world.keys["globex"]) == 50
    assert not AuditEvent.objects.filter(action="clicks.reclassified").exists()
