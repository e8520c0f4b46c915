"""Care reports on a small known world: volume, medians and 90th percentiles, within
target per priority, breaches, per network, group and member, reactions; filters; the
exports keep formulas from running; only care staff see them; foreign ids are ignored."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook  # type: ignore[import-untyped]

from chorus.accounts.models import Group
from chorus.care.models import ConversationStatus, ReplyStatus
from chorus.care.selectors.reports import care_report, report_filters_parse
from chorus.care.services.targets import conversation_targets_set
from chorus.factories import (
    CareAgentFactory,
    CareReplyFactory,
    CareTagFactory,
    ConversationFactory,
    MembershipFactory,
    OrganizationFactory,
)

NOW = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)
URL = "/care/reports/"
EXPORT = "/care/reports/export/"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def opened(organization: Any, *, ago: timedelta, **fields: Any) -> Any:
    first = fields.pop("first_after", None)
    resolved = fields.pop("resolved_after", None)
    start = NOW - ago
    conversation: Any = ConversationFactory(organization=organization, opened_at=start, **fields)
    conversation_targets_set(conversation=conversation, save=False)
    if first is not None:
        conversation.first_response_at = start + timedelta(minutes=first)
        conversation.status = ConversationStatus.ANSWERED
    if resolved is not None:
        conversation.resolved_at = start + timedelta(minutes=resolved)
        conversation.status = ConversationStatus.CLOSED
    conversation.save()
    return conversation


@pytest.fixture
def world(organization: Any) -> dict[str, Any]:
    """Five conversations in the last 30 days (targets: urgent 30/240, normal 240/1440)."""
    alice: Any = MembershipFactory(organization=organization, user__name="Alice Agent")
    bob: Any = MembershipFactory(organization=organization, user__name="Bob Agent")
    support = Group.objects.create(organization=organization, name="Support")
    support.members.add(alice)
    billing = CareTagFactory(organization=organization, name="Billing")
    on_time = opened(
        organization,
        ago=timedelta(days=2),
        network="mastodon",
        priority="urgent",
        assignee=alice,
        first_after=10,
        resolved_after=100,
        customer_handle='=HYPERLINK("https://evil.example","click")',
    )
    on_time.tags.add(billing)
    late = opened(
        organization,
        ago=timedelta(days=2),
        network="mastodon",
        priority="urgent",
        assignee=alice,
        first_after=50,
        resolved_after=300,
    )
    open_too_long = opened(
        organization,
        ago=timedelta(days=3),
        network="bluesky",
        priority="normal",
        assignee=bob,
        first_after=20,
    )
    opened(organization, ago=timedelta(hours=1), network="bluesky", priority="normal")
    escalated = opened(
        organization, ago=timedelta(days=5), network="mastodon", priority="normal", assignee=bob
    )
    escalated.escalated_at = NOW - timedelta(days=4)
    escalated.status = ConversationStatus.ESCALATED
    escalated.save()
    # Outside the period, and another organization's.
    opened(organization, ago=timedelta(days=40), network="mastodon", first_after=1)
    opened(OrganizationFactory(), ago=timedelta(days=1), network="mastodon", first_after=1)
    for conversation, member, reactions in (
        (on_time, alice, 4),
        (late, alice, 1),
        (open_too_long, bob, None),
    ):
        CareReplyFactory(
            conversation=conversation,
            membership=member,
            status=ReplyStatus.PUBLISHED,
            published_at=NOW - timedelta(days=1),
            reactions=reactions,
            reposts=1 if reactions else None,
            metrics_at=NOW if reactions is not None else None,
        )
    CareReplyFactory(conversation=late, membership=bob, status=ReplyStatus.AWAITING_APPROVAL)
    return {"alice": alice, "bob": bob, "support": support, "billing": billing}


def report_for(organization: Any, **params: Any) -> Any:
    filters = report_filters_parse(organization=organization, params=params)
    return care_report(organization=organization, filters=filters)


def test_the_figures_of_a_known_world(organization: Any, world: dict[str, Any]) -> None:
    report = report_for(organization)
    total = report.total
    assert (total.opened, total.answered, total.closed, total.escalated) == (5, 3, 2, 1)
    assert total.closed_unanswered == 0
    # First responses 10, 20, 50 minutes; resolutions 100, 300.
    assert (total.first_response.median, total.first_response.p90) == (20, 50)
    assert (total.resolution.median, total.resolution.p90) == (200, 300)
    # Decided first responses: met, late, met (the new one is not due; the escalated one
    # is the support team's).
    assert (total.first_target.counted, total.first_target.within) == (3, 2)
    assert total.first_target.percent == 66.7
    assert (total.resolution_target.counted, total.resolution_target.within) == (3, 1)
    assert report.breaches == 3
    urgent, high, normal, low = report.priorities
    assert (urgent.first_target_minutes, urgent.resolution_target_minutes) == (30, 240)
    assert urgent.tally.first_target.percent == 50.0
    assert normal.tally.first_target.percent == 100.0
    assert normal.tally.resolution_target.percent == 0.0
    assert high.tally.opened == low.tally.opened == 0
    assert [(line.key, line.tally.opened) for line in report.networks] == [
        ("mastodon", 3),
        ("bluesky", 2),
    ]
    members = {line.label: line for line in report.members}
    assert members["Alice Agent"].tally.first_response.median == 30
    assert members["Alice Agent"].replies_published == 2
    assert members["Alice Agent"].reactions == 5
    assert members["Bob Agent"].tally.opened == 2
    assert members["Bob Agent"].replies_published == 1
    assert [(line.label, line.tally.opened) for line in report.groups] == [("Support", 2)]
    assert report.reactions.replies_published == 3
    assert (report.reactions.reactions, report.reactions.reposts) == (5, 2)
    assert report.reactions.measured == 2
    assert sum(day.opened for day in report.days) == 5
    assert len(report.days) == 30


def test_the_filters_narrow_the_conversations(organization: Any, world: dict[str, Any]) -> None:
    assert report_for(organization, network="bluesky").total.opened == 2
    assert report_for(organization, member=str(world["bob"].pk)).total.opened == 2
    assert report_for(organization, group=str(world["support"].pk)).total.opened == 2
    assert report_for(organization, priority="urgent").total.opened == 2
    assert report_for(organization, tag=str(world["billing"].pk)).total.opened == 1
    assert report_for(organization, days="7").total.opened == 5
    assert report_for(organization, days="90").total.opened == 6
    chosen = report_for(organization, **{"from": "2025-03-09", "to": "2025-03-10"})
    assert chosen.total.opened == 3


def test_foreign_ids_and_bad_dates_fall_back_to_everything(
    organization: Any, world: dict[str, Any]
) -> None:
    stranger: Any = MembershipFactory()
    foreign_tag: Any = CareTagFactory()
    assert report_for(organization, member=str(stranger.pk)).total.opened == 5
    assert report_for(organization, tag=str(foreign_tag.pk)).total.opened == 5
    filters = report_filters_parse(
        organization=organization, params={"from": "2025-03-10", "to": "2025-03-01"}
    )
    assert filters.errors and filters.days == 30
    filters = report_filters_parse(organization=organization, params={"from": "yesterday"})
    assert "YYYY-MM-DD" in filters.errors[0]


def test_the_page_shows_the_figures_to_care_staff(
    client: Any, organization: Any, world: dict[str, Any]
) -> None:
    approver = MembershipFactory(organization=organization, is_approver=True)
    client.force_login(approver.user)
    response = client.get(URL, {"from": "2025-03-01", "to": "bad"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Agent" in page
    assert 'id="care-chart"' in page
    assert "YYYY-MM-DD" in page


def test_members_and_agents_who_are_not_staff_cannot_see_reports(
    client: Any, organization: Any
) -> None:
    agent = MembershipFactory(organization=organization)
    CareAgentFactory(membership=agent)
    client.force_login(agent.user)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get("/api/v1/care/reports").status_code == 403


def test_the_conversations_export_escapes_formulas(
    admin_client: Any, organization: Any, world: dict[str, Any]
) -> None:
    response = admin_client.get(EXPORT, {"table": "conversations", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "opened", "network", "customer"]
    assert len(rows) == 6
    first = next(row for row in rows if "HYPERLINK" in row[3])
    assert first[3].startswith("'=HYPERLINK")
    # A handle starting with "@" is a formula to some spreadsheets too.
    assert all(row[3].startswith("'") for row in rows[1:])
    assert first[6] == "Billing"
    assert first[7] == "Alice Agent"
    assert first[8:12] == ["10.0", "100.0", "yes", "yes"]

    response = admin_client.get(EXPORT, {"table": "conversations", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    formula = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"


def test_the_members_export_and_a_bad_format(
    admin_client: Any, organization: Any, world: dict[str, Any]
) -> None:
    response = admin_client.get(EXPORT, {"table": "members", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "member"
    assert {row[0] for row in rows[1:]} == {"Alice Agent", "Bob Agent"}
    assert admin_client.get(EXPORT, {"format": "pdf"}).status_code == 400
    assert admin_client.get(EXPORT, {"table": "secrets"}).status_code == 400


def test_the_api_gives_the_same_figures(
    admin_client: Any, organization: Any, world: dict[str, Any]
) -> None:
    answer = admin_client.get("/api/v1/care/reports", {"network": "mastodon"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["totals"]["opened"] == 3
    assert body["totals"]["first_response"] == {"count": 2, "median": 30.0, "p90": 50.0}
    assert body["priorities"][0]["priority"] == "urgent"
    assert body["reactions"]["reactions"] == 5
    assert len(body["days"]) == 30
