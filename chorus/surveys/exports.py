"""A round's results as a table for CSV or XLSX: built from ``round_results``, so the
same rules hold (a hidden group exports only why it is hidden, never a figure)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chorus.accounts.models import Organization
from chorus.core.exports import Table
from chorus.surveys.models import Round
from chorus.surveys.selectors.results import round_results


def results_table(*, organization: Organization, round: Round, group_id: int | None) -> Table:
    results = round_results(organization=organization, round=round, group_id=group_id)
    group_name = results.group.name if results.group is not None else ""

    def rows() -> Iterator[list[Any]]:
        if results.group is None:
            yield [group_name, "", "", "", _("No such group in this round's answers.")]
            return
        if not results.group.shown:
            yield [group_name, "", "", "", results.group.reason_text]
            return
        for found in results.questions:
            if not found.shown:
                yield [
                    group_name,
                    found.question.text,
                    "",
                    "",
                    _("Too few answers to keep them anonymous."),
                ]
                continue
            for label, count in found.counts:
                yield [group_name, found.question.text, label, count, ""]
            for text in found.texts:
                yield [group_name, found.question.text, text, "", ""]

    return Table(
        headers=[
            _("Group"),
            _("Question"),
            pgettext("survey results column", "Answer"),
            _("People"),
            _("Note"),
        ],
        rows=rows(),
    )
