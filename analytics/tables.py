"""The data table behind every chart, and its CSV and XLSX exports.

A page builds each of its tables once as a `Table`; the template renders it and
`?export=<name>&format=csv|xlsx` downloads the same rows, so an export always holds
the page's numbers. Numbers stay numbers (a share is a number 0–100), a figure the
viewer may not see is "—", and departments are named by their full path.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from analytics.scope import single_param
from assessments.spreadsheets import csv_stream, xlsx_bytes
from audit.services import record_export

HIDDEN = "—"
FORMATS = ("csv", "xlsx")


@dataclass
class Table:
    """`name` keys the export; `title` heads the sheet and names the file."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def add(self, *values: Any) -> None:
        self.rows.append(list(values))


def _filename(title: str, today: datetime.date) -> str:
    # ASCII fallback for old clients; the UTF-8 name goes in filename*.
    base = re.sub(r"[^\w\-]+", "-", title, flags=re.ASCII).strip("-") or "table"
    return f"{base}-{today:%Y-%m-%d}"


def export_requested(params) -> tuple[str, str] | None:
    """(table name, format) when the request asks for a download, else None."""
    name = single_param(params, "export")
    if name is None:
        return None
    fmt = single_param(params, "format") or "xlsx"
    if fmt not in FORMATS:
        raise Http404(_("Unknown export format."))
    return name, fmt


def export_response(
    tables: Iterable[Table], name: str, fmt: str, *, today: datetime.date
) -> HttpResponse | StreamingHttpResponse:
    """The named table as a download (404 for a name the page does not have)."""
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        raise Http404(_("This page has no such table."))
    stem = _filename(table.name, today)
    record_export(str(table.title), file_format=fmt, rows=len(table.rows))
    utf8 = quote(f"{table.title}-{today:%Y-%m-%d}.{fmt}")
    disposition = f"attachment; filename=\"{stem}.{fmt}\"; filename*=UTF-8''{utf8}"
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_stream([table.columns, *table.rows]),
            content_type="text/csv; charset=utf-8",
        )
    else:
        widths = [
            min(60, max(10, *(len(str(r[i])) * 1.6 for r in table.rows[:200]), 10))
            if table.rows
            else 12
            for i in range(len(table.columns))
        ]
        response = HttpResponse(
            xlsx_bytes(
                table.rows,
                sheet_title=table.title,
                header=table.columns,
                widths=widths,
            ),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response


def shown(value: Any, hidden: bool) -> Any:
    """A cell value, or "—" when the viewer may not see it; None stays empty."""
    if hidden:
        return HIDDEN
    return "" if value is None else value


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)
