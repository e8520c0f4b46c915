"""What a benchmark hands back, and the one table `make bench` prints at the end."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Check:
    target: str
    passed: bool
    detail: str


@dataclass
class Report:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def table(columns: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            + " |"
        )

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(columns), rule, *(line(row) for row in rows)])


def render(report: Report) -> str:
    parts = [f"## {report.title}", ""]
    if report.rows:
        parts += [table(report.columns, report.rows), ""]
    for check in report.checks:
        parts.append(f"{'PASS' if check.passed else 'FAIL'}  {check.target}: {check.detail}")
    parts += [f"note: {note}" for note in report.notes]
    return "\n".join(parts)
