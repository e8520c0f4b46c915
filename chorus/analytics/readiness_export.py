"""The readiness map as CSV or XLSX (written by `chorus.core.exports`), with the page's
rules: groups of 5 or more, survey figures only where the surveys allow them, words where
there is no figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import pgettext_lazy

from chorus.accounts.models import Organization
from chorus.analytics.selectors.readiness import SHOWN, Line, readiness_map
from chorus.core.exports import Table

HEADERS = [
    pgettext_lazy("export column", "group"),
    pgettext_lazy("export column", "members"),
    pgettext_lazy("export column", "in the program"),
    pgettext_lazy("export column", "mood %"),
    pgettext_lazy("export column", "pressure %"),
    pgettext_lazy("export column", "comfort %"),
    pgettext_lazy("export column", "confidence %"),
    pgettext_lazy("export column", "time %"),
    pgettext_lazy("export column", "mean best quiz score %"),
    pgettext_lazy("export column", "certified %"),
    pgettext_lazy("export column", "shared in 30 days %"),
    pgettext_lazy("export column", "shared in 90 days %"),
    pgettext_lazy("export column", "members who made half the shares (90 days)"),
    pgettext_lazy("export column", "verdict"),
]


def _figure(line: Line, name: str) -> Any:
    measure = line.measures[name]
    return measure.latest if measure.state == SHOWN else measure.words


def _row(line: Line) -> Sequence[Any]:
    return (
        line.label,
        line.members,
        line.program_members,
        *(_figure(line, name) for name in ("mood", "pressure", "comfort", "confidence", "time")),
        line.knowledge,
        line.certified,
        line.participation_30,
        line.participation_90,
        line.half_shares_90,
        line.verdict.text,
    )


def readiness_table(*, organization: Organization) -> Table:
    readiness = readiness_map(organization=organization)
    return Table([str(header) for header in HEADERS], [_row(line) for line in readiness.lines])
