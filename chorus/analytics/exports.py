"""Every analytics table as CSV or XLSX.

The tables are made here; writing them (CSV streamed row by row from a server-side
iterator, XLSX in openpyxl's write-only mode, formula-like text kept as text) is
`chorus.core.exports`, whose names are imported here for the pages that use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from chorus.accounts.models import Membership, Organization
from chorus.analytics.selectors import dashboard as dashboard_selectors
from chorus.analytics.selectors import filters as filter_selectors
from chorus.analytics.selectors import me as member_selectors
from chorus.analytics.selectors import posts as post_selectors
from chorus.analytics.selectors import rankings as ranking_selectors
from chorus.analytics.selectors import words as word_selectors
from chorus.analytics.selectors.filters import Filters
from chorus.analytics.selectors.rankings import NOT_RANKED

# Writing tables is core's; the pages that made them here use these names from here.
from chorus.core.exports import FORMATS as FORMATS
from chorus.core.exports import FORMULA_STARTS as FORMULA_STARTS
from chorus.core.exports import Table as Table
from chorus.core.exports import csv_cell as csv_cell
from chorus.core.exports import csv_lines as csv_lines
from chorus.core.exports import response as response
from chorus.core.exports import xlsx_cell as xlsx_cell
from chorus.core.exports import xlsx_content as xlsx_content

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
