"""The compliance people list as CSV (streamed, UTF-8 with a BOM so that Excel shows
Chinese) and XLSX, headed in the active language. Text that a spreadsheet would run
as a formula (= + - @, tab, carriage return) gets a leading apostrophe."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from learning.curricula.models import Assignment
from learning.curricula.status import AssignmentStatus

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


CHUNK = 2000


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe;
    control characters (which Excel files cannot hold) are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def export_header() -> list[str]:
    return [
        _("Name"),
        _("Employee number"),
        _("Department"),
        _("Position"),
        _("Curriculum"),
        _("Cycle"),
        _("Due date"),
        _("Status"),
        _("Courses done"),
        _("Courses required"),
        _("Last reminder sent"),
    ]


def _local(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def export_rows(people: QuerySet[Assignment]) -> Iterator[list[Any]]:
    """One list of cells per row of `compliance_people`, read in chunks."""
    for row in people.iterator(chunk_size=CHUNK):
        profile = row.profile
        yield [
            spreadsheet_safe(profile.full_name),
            spreadsheet_safe(profile.employee_number),
            spreadsheet_safe(profile.department.display_name),
            spreadsheet_safe(str(profile.position) if profile.position else ""),
            spreadsheet_safe(row.curriculum.display_name),
            row.cycle,
            row.due_on.isoformat(),
            str(AssignmentStatus(row.compliance_status).label),
            row.courses_done,
            row.courses_required,
            _local(row.last_reminded_at),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def people_csv_stream(people: QuerySet[Assignment]) -> Iterator[bytes]:
    """The list as CSV, a line at a time: a BOM, the header, then the rows."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([spreadsheet_safe(h) for h in export_header()]).encode()
    for cells in export_rows(people):
        yield writer.writerow(cells).encode()


def people_xlsx(people: QuerySet[Assignment]) -> bytes:
    """The list as an XLSX workbook (written row by row to keep memory flat)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Compliance"))
    bold = Font(bold=True)
    header = []
    for title in export_header():
        cell = WriteOnlyCell(sheet, value=spreadsheet_safe(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for cells in export_rows(people):
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
