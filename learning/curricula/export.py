"""The compliance people list as CSV (streamed, UTF-8 with a BOM so that Excel shows
Chinese) and XLSX, headed in the active language. Both are written by
assessments.spreadsheets, which neutralises text a spreadsheet would run as a formula
and drops characters a workbook cannot hold."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from itertools import chain
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.spreadsheets import csv_stream, xlsx_bytes
from learning.curricula.models import Assignment
from learning.curricula.status import AssignmentStatus
from learning.organisation.models import Department
from learning.organisation.selectors import department_paths

CHUNK = 2000


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
    # Full paths: a file leaves the county's screens (综合科 exists in dozens of
    # units). Every department's, in two queries, rather than a query per chunk.
    paths = department_paths(Department.objects.all())
    for row in people.iterator(chunk_size=CHUNK):
        profile = row.profile
        yield [
            profile.full_name,
            profile.employee_number,
            paths[profile.department.path],
            str(profile.position) if profile.position else "",
            row.curriculum.display_name,
            row.cycle,
            row.due_on.isoformat(),
            str(AssignmentStatus(row.compliance_status).label),
            row.courses_done,
            row.courses_required,
            _local(row.last_reminded_at),
        ]


def people_csv_stream(people: QuerySet[Assignment]) -> Iterator[bytes]:
    """The list as CSV, a line at a time: a BOM, the header, then the rows."""
    return csv_stream(chain([export_header()], export_rows(people)))


def people_xlsx(people: QuerySet[Assignment]) -> bytes:
    """The list as an XLSX workbook (written row by row to keep memory flat)."""
    return xlsx_bytes(
        export_rows(people), sheet_title=_("Compliance"), header=export_header()
    )
