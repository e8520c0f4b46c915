"""Every analytics table as CSV or XLSX.

CSV streams: rows are written one by one from a server-side iterator, so exporting a
long range never holds the whole table in memory. XLSX cannot be streamed to the client;
it is written by openpyxl (the engine tablib uses) in its write-only mode, from the same
rows.

Text that a spreadsheet would run as a formula (a member named `=HYPERLINK(...)`, a post
titled `+cmd|...`) is written so that it shows as text: every cell goes through
`csv_cell` or `xlsx_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.worksheet._write_only import (  # type: ignore[import-untyped]
    WriteOnlyWorksheet,
)

from chorus.accounts.models import Membership, Organization
from chorus.analytics.selectors import dashboard as dashboard_selectors
from chorus.analytics.selectors import filters as filter_selectors
from chorus.analytics.selectors import me as member_selectors
from chorus.analytics.selectors import posts as post_selectors
from chorus.analytics.selectors import rankings as ranking_selectors
from chorus.analytics.selectors import words as word_selectors
from chorus.analytics.selectors.filters import Filters
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.core.tenancy import keep_scope

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
STAT_COLUMNS = [
    "shares",
    "clicks",
    "unique_clicks",
    "previews",
    "reactions",
    "reposts",
    "replies",
    "impressions",
    "potential_reach",
]
# Every column header of the exports, translated when a table is made (the request's
# language); the keys are the English headers.
COLUMNS = {
    "figure": pgettext_lazy("export column", "figure"),
    "this period": pgettext_lazy("export column", "this period"),
    "previous period": pgettext_lazy("export column", "previous period"),
    "change % / formula": pgettext_lazy("export column", "change % / formula"),
    "day": pgettext_lazy("export column", "day"),
    "shares": pgettext_lazy("export column", "shares"),
    "clicks": pgettext_lazy("export column", "clicks"),
    "unique_clicks": pgettext_lazy("export column", "unique_clicks"),
    "previews": pgettext_lazy("export column", "previews"),
    "reactions": pgettext_lazy("export column", "reactions"),
    "reposts": pgettext_lazy("export column", "reposts"),
    "replies": pgettext_lazy("export column", "replies"),
    "impressions": pgettext_lazy("export column", "impressions"),
    "potential_reach": pgettext_lazy("export column", "potential_reach"),
    "engagement": pgettext_lazy("export column", "engagement"),
    "potential reach": pgettext_lazy("export column", "potential reach"),
    "network": pgettext_lazy("export column", "network"),
    "post": pgettext_lazy("export column", "post"),
    "own words %": pgettext_lazy("export column", "own words %"),
    "member": pgettext_lazy("export column", "member"),
    "group": pgettext_lazy("export column", "group"),
    "members": pgettext_lazy("export column", "members"),
    "shared in the 30 days to the headcount": pgettext_lazy(
        "export column", "shared in the 30 days to the headcount"
    ),
    "participation %": pgettext_lazy("export column", "participation %"),
    "headcount of": pgettext_lazy("export column", "headcount of"),
    "step": pgettext_lazy("export column", "step"),
    "percent": pgettext_lazy("export column", "percent"),
    "in the program": pgettext_lazy("export column", "in the program"),
    "shared in the last 30 days": pgettext_lazy("export column", "shared in the last 30 days"),
    "post id": pgettext_lazy("export column", "post id"),
    "campaign": pgettext_lazy("export column", "campaign"),
    "members reached": pgettext_lazy("export column", "members reached"),
}
# A spreadsheet reads text starting with one of these as a formula (OWASP, "CSV
# injection"); it can run commands or send the sheet's other cells to a web address.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: Iterable[Sequence[Any]]


def csv_cell(value: Any) -> Any:
    """The value for a CSV field: formula-like text gets a leading quote (as OWASP
    advises), so a spreadsheet shows it as text. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    """The value as an XLSX cell: text is always a text cell, never a formula.

    openpyxl makes a formula of any text that starts with "="; a text cell keeps the
    value as it is and no spreadsheet evaluates it. Control characters XLSX cannot hold
    (a bell in a title) are left out, rather than failing the whole export.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


class Echo:
    """A file-like object whose write returns the line (for csv.writer in a stream)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow([csv_cell(header) for header in table.headers])
    for row in table.rows:
        yield writer.writerow([csv_cell(value) for value in row])


def xlsx_content(table: Table, *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, header, bold=True) for header in table.headers])
    for row in table.rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(table: Table, *, name: str, format: str) -> HttpResponse:
    """The table as a download; CSV streams row by row.

    Typed as HttpResponse (what views are declared to return): a streaming response
    answers the same way for the views' purposes.
    """
    if format not in FORMATS:
        raise ValidationError(_("The format must be csv or xlsx."))
    disposition = f'attachment; filename="{name}.{format}"'
    if format == "csv":
        # The rows are read as the response is sent, after the request's scope has ended.
        streamed = StreamingHttpResponse(keep_scope(csv_lines(table)), content_type=FORMATS["csv"])
        streamed["Content-Disposition"] = disposition
        return cast(HttpResponse, streamed)
    answer = HttpResponse(xlsx_content(table, title=name), content_type=FORMATS["xlsx"])
    answer["Content-Disposition"] = disposition
    return answer


# -- the dashboard's tables -------------------------------------------------------------


def column(header: str) -> str:
    """A column header in the request's language."""
    return str(COLUMNS[header])


def _stat_headers() -> list[str]:
    return [column(name) for name in STAT_COLUMNS]


def _totals(organization: Organization, filters: Filters) -> Table:
    totals = dashboard_selectors.totals(organization=organization, filters=filters)
    rows: list[Sequence[Any]] = [
        (figure.label, figure.value, figure.previous, figure.change) for figure in totals.figures
    ]
    rows.append(
        (
            _("Earned media value (%(currency)s)") % {"currency": totals.value.currency},
            totals.value.amount,
            totals.previous_value.amount,
            totals.value.formula,
        )
    )
    headers = [
        column("figure"),
        column("this period"),
        column("previous period"),
        column("change % / formula"),
    ]
    return Table(headers, rows)


def _daily(organization: Organization, filters: Filters) -> Table:
    series = dashboard_selectors.daily_series(organization=organization, filters=filters)
    return Table(
        [column("day"), column("shares"), column("clicks"), column("engagement")],
        ((day.day.isoformat(), day.shares, day.clicks, day.engagement) for day in series),
    )


def _breakdown(first: str, rows: list[dashboard_selectors.Row]) -> Table:
    return Table(
        [
            first,
            column("shares"),
            column("clicks"),
            column("engagement"),
            column("potential reach"),
        ],
        ((row.label, row.shares, row.clicks, row.engagement, row.potential_reach) for row in rows),
    )


def _networks(organization: Organization, filters: Filters) -> Table:
    return _breakdown(
        column("network"),
        dashboard_selectors.network_mix(organization=organization, filters=filters),
    )


def _posts(organization: Organization, filters: Filters) -> Table:
    """The top posts, with the share of their shares in the members' own words (percent,
    empty without shares to judge)."""
    rows = ranking_selectors.top_posts(organization=organization, filters=filters)
    own_words = word_selectors.own_words_by_post(
        organization=organization, post_ids=[row.id for row in rows if row.id], filters=filters
    )
    table = _breakdown(column("post"), rows)
    percents = [own_words[row.id].percent if row.id in own_words else None for row in rows]
    return Table(
        [*table.headers, column("own words %")],
        (
            (*line, "" if percent is None else percent)
            for line, percent in zip(table.rows, percents, strict=True)
        ),
    )


def _members(organization: Organization, filters: Filters) -> Table:
    return _breakdown(
        column("member"), ranking_selectors.top_members(organization=organization, filters=filters)
    )


def _groups(organization: Organization, filters: Filters) -> Table:
    rows = dashboard_selectors.group_comparison(organization=organization, filters=filters)
    return Table(
        [
            column("group"),
            column("members"),
            column("shares"),
            column("clicks"),
            column("engagement"),
            column("shared in the 30 days to the headcount"),
            column("participation %"),
            column("headcount of"),
        ],
        (
            (
                row.label,
                row.extra["members"],
                row.shares,
                row.clicks,
                row.engagement,
                row.extra["sharers"],
                row.extra["participation"],
                row.extra["as_of"].isoformat() if row.extra["as_of"] else "",
            )
            for row in rows
        ),
    )


def _funnel(organization: Organization, filters: Filters) -> Table:
    adoption = dashboard_selectors.adoption(organization=organization, filters=filters)
    rows: list[Sequence[Any]] = [(step.label, step.count, step.percent) for step in adoption.funnel]
    if adoption.concentration is not None:
        rows.append(
            (
                ngettext(
                    "Activity by the top 10%% (%(count)s member)",
                    "Activity by the top 10%% (%(count)s members)",
                    adoption.top_members_counted,
                )
                % {"count": adoption.top_members_counted},
                "",
                adoption.concentration,
            )
        )
    return Table([column("step"), column("members"), column("percent")], rows)


def _participation(organization: Organization, filters: Filters) -> Table:
    adoption = dashboard_selectors.adoption(organization=organization, filters=filters)
    return Table(
        [
            column("day"),
            column("in the program"),
            column("shared in the last 30 days"),
            column("participation %"),
        ],
        (
            (point.day.isoformat(), point.joined, point.sharers_30_days, point.rate)
            for point in adoption.participation
        ),
    )


def _rows(organization: Organization, filters: Filters) -> Table:
    """Every rollup row of the range: the large one, streamed from the database."""
    # Only members who agreed to be ranked are named; the others are anonymous here.
    names = {
        pk: name or email
        for pk, name, email in Membership.objects.filter(
            organization=organization, public_ranking=True
        ).values_list("pk", "user__name", "user__email")
    }
    stats = (
        filter_selectors.stats_rows(organization=organization, filters=filters)
        .order_by("day", "post_id", "membership_id", "network")
        .values_list(
            "day", "post_id", "post__title", "membership_id", "network", "campaign", *STAT_COLUMNS
        )
        .iterator(chunk_size=2000)
    )

    # Translated now: the rows are read as the response streams, after the request.
    not_ranked = _(NOT_RANKED)

    def lines() -> Iterator[Sequence[Any]]:
        for day, post_id, title, member_id, network, campaign, *figures in stats:
            member = "" if member_id is None else names.get(member_id, not_ranked)
            yield (day.isoformat(), post_id, title, member, network, campaign, *figures)

    return Table(
        [
            *(
                column("day"),
                column("post id"),
                column("post"),
                column("member"),
                column("network"),
                column("campaign"),
            ),
            *_stat_headers(),
        ],
        lines(),
    )


TABLES: dict[str, Callable[[Organization, Filters], Table]] = {
    "totals": _totals,
    "daily": _daily,
    "networks": _networks,
    "posts": _posts,
    "members": _members,
    "groups": _groups,
    "funnel": _funnel,
    "participation": _participation,
    "rows": _rows,
}


# A spreadsheet holds at most 1,048,576 rows; XLSX is also built in memory, not streamed.
XLSX_MAX_ROWS = 1_000_000


def dashboard_table(
    *, organization: Organization, filters: Filters, name: str, format: str = "csv"
) -> Table:
    if name not in TABLES:
        raise ValidationError(
            _("Unknown table: choose %(tables)s.") % {"tables": ", ".join(TABLES)}
        )
    if name == "rows" and format == "xlsx":
        count = filter_selectors.stats_rows(organization=organization, filters=filters).count()
        if count > XLSX_MAX_ROWS:
            raise ValidationError(
                _("%(count)s rows are too many for XLSX: export them as CSV, or a shorter range.")
                % {"count": f"{count:,}"}
            )
    return TABLES[name](organization, filters)


def post_table(*, organization: Organization, post: Any) -> Table:
    funnel = post_selectors.post_funnel(organization=organization, post=post)
    rows: list[Sequence[Any]] = [
        (_("all networks"), funnel.reached, funnel.shares, funnel.clicks, funnel.engagement)
    ]
    rows += [(row.label, "", row.shares, row.clicks, row.engagement) for row in funnel.networks]
    headers = [
        column("network"),
        column("members reached"),
        column("shares"),
        column("clicks"),
        column("engagement"),
    ]
    return Table(headers, rows)


def member_table(*, organization: Organization, membership: Membership, filters: Filters) -> Table:
    """A member's own figures, row by row (their names are theirs to see)."""
    stats = member_selectors.member_rows(
        organization=organization, membership=membership, filters=filters
    )
    return Table(
        [
            column("day"),
            column("post id"),
            column("post"),
            column("network"),
            column("campaign"),
            *_stat_headers(),
        ],
        (
            (
                row.day.isoformat(),
                row.post_id,
                row.post.title,
                row.network,
                row.campaign,
                *(getattr(row, name) for name in STAT_COLUMNS),
            )
            for row in stats
        ),
    )
