"""Tables as CSV or XLSX downloads, safe to open in a spreadsheet.

CSV streams: rows are written one by one from the table's iterator, so exporting a long
range never holds the whole table in memory. XLSX cannot be streamed to the client; it is
written by openpyxl (the engine tablib uses) in its write-only mode, from the same rows.

Text that a spreadsheet would run as a formula (a member named `=HYPERLINK(...)`, a post
titled `+cmd|...`) is written so that it shows as text: every cell goes through
`csv_cell` or `xlsx_cell`. Every app's exports (analytics, training, care) go through here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.worksheet._write_only import (  # type: ignore[import-untyped]
    WriteOnlyWorksheet,
)

from chorus.core.tenancy import keep_scope

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
