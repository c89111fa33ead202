"""Reading a staff roster file (XLSX, legacy XLS or CSV) into a table of text cells
with recognised column headers. The file itself is read by assessments.spreadsheets
(limits, zip and area checks, encodings, cell text), with the roster's limits from
settings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.spreadsheets import (
    SpreadsheetLimits,
    spreadsheet_limits,
    spreadsheet_read,
)

COLUMNS = (
    "employee_number",
    "full_name",
    "department",
    "position",
    "rank",
    "hire_date",
    "email",
    "phone",
    "status",
)


REQUIRED_COLUMNS = ("employee_number", "full_name", "department")


COLUMN_LABELS = {
    "employee_number": gettext_lazy("employee number"),
    "full_name": gettext_lazy("name"),
    "department": gettext_lazy("department"),
    "position": gettext_lazy("position"),
    "rank": gettext_lazy("rank"),
    "hire_date": gettext_lazy("hire date"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"),
    "status": gettext_lazy("status"),
}


TEMPLATE_HEADERS = (
    "工号",
    "姓名",
    "部门",
    "职务",
    "职级",
    "入职日期",
    "邮箱",
    "电话",
    "状态",
)


_HEADER_ALIASES = {
    "employee_number": (
        "工号",
        "员工编号",
        "人员编号",
        "职工编号",
        "编号",
        "employeenumber",
        "employeeno",
        "employeeid",
        "staffnumber",
        "staffno",
    ),
    "full_name": ("姓名", "名字", "name", "fullname"),
    "department": (
        "部门",
        "所在部门",
        "单位",
        "所在单位",
        "department",
        "dept",
        "unit",
    ),
    "position": ("职务", "岗位", "position", "post", "jobtitle"),
    "rank": ("职级", "级别", "rank", "grade"),
    "hire_date": ("入职日期", "入职时间", "hiredate", "startdate", "datehired"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "mail", "emailaddress"),
    "phone": (
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "phone",
        "mobile",
        "telephone",
        "tel",
    ),
    "status": ("状态", "在职状态", "人员状态", "status"),
}


_HEADERS = {alias: key for key, aliases in _HEADER_ALIASES.items() for alias in aliases}


class RosterFileError(ValidationError):
    """The file was refused as a whole (nothing was stored); `messages` says why."""


def _refuse(message: str) -> RosterFileError:
    return RosterFileError([message], code="invalid_roster")


@dataclass
class RosterTable:
    """The roster's columns (keys of COLUMNS) and its rows, read lazily: each row is
    (row number as the spreadsheet shows it, {column: text})."""

    columns: list[str]
    ignored_columns: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    decoded_as: str = ""
    # The row the headers were found on (1 = the first), and the text of the
    # non-blank lines above it (a title, notes), which were not read as people.
    header_row: int = 1
    skipped_lines: list[str] = field(default_factory=list)


def roster_limits() -> SpreadsheetLimits:
    """The spreadsheet limits with the roster's own from settings (a province's
    roster is far larger than a question bank)."""
    return spreadsheet_limits(
        max_bytes=settings.ROSTER_MAX_BYTES,
        max_unpacked_bytes=settings.ROSTER_MAX_UNPACKED_BYTES,
        max_rows=settings.ROSTER_MAX_ROWS,
    )


def _header_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"\(.*?\)", "", text)  # "工号 (employee number)"
    text = re.sub(r"[\s_\-./:*]", "", text)
    return _HEADERS.get(text, "")


# Rosters start with a title line ("清溪县2026年12月在编人员花名册", often a merged
# cell), sometimes a blank or a notes line: the header is looked for this far down.
HEADER_SEARCH_ROWS = 10


def _expected_headers() -> str:
    required = ", ".join(
        TEMPLATE_HEADERS[COLUMNS.index(key)] for key in REQUIRED_COLUMNS
    )
    optional = ", ".join(
        TEMPLATE_HEADERS[index]
        for index, key in enumerate(COLUMNS)
        if key not in REQUIRED_COLUMNS
    )
    return _("%(required)s (required); %(optional)s (optional)") % {
        "required": required,
        "optional": optional,
    }


def _no_header(candidates: list[tuple[int, list[str]]]) -> RosterFileError:
    """The refusal when no row looks like the header: what the file's most
    header-like row says, and what was expected."""
    if not candidates:
        return _refuse(
            _(
                "None of the first %(rows)s rows holds any text. Put the column "
                "headers in a row above the people: %(expected)s."
            )
            % {"rows": HEADER_SEARCH_ROWS, "expected": _expected_headers()}
        )
    number, cells = max(
        candidates,
        key=lambda item: (
            sum(bool(_header_key(c)) for c in item[1]),
            sum(bool(c) for c in item[1]),
        ),
    )
    keys = {_header_key(cell) for cell in cells}
    missing = [key for key in REQUIRED_COLUMNS if key not in keys]
    return _refuse(
        _(
            "No row among the first %(rows)s names the columns a roster needs. The "
            "most likely header, row %(row)s, has: %(found)s; it lacks %(missing)s. "
            "Expected: %(expected)s (or the English names). Rename the columns and "
            "upload the file again, or download the template."
        )
        % {
            "rows": HEADER_SEARCH_ROWS,
            "row": number,
            "found": "、".join(f"“{c}”" for c in cells if c)[:400],
            "missing": ", ".join(
                TEMPLATE_HEADERS[COLUMNS.index(key)] for key in missing
            ),
            "expected": _expected_headers(),
        }
    )


def roster_read(*, content: bytes, file_name: str) -> RosterTable:
    """Open a roster (XLSX, XLS or CSV, told apart by content) and map its header row
    to the roster's columns. The header is the first of the first
    HEADER_SEARCH_ROWS rows that names every required column (title, blank and
    notes lines above it are skipped; `header_row` says which it was). Refuses with
    RosterFileError, before parsing, files that are empty, too large, a zip bomb,
    damaged, protected, not a spreadsheet, or (CSV) in a mix of encodings; then a
    file where no such row is found (naming the columns it has and those
    expected), or whose header names a column twice. Rows are read as they are
    iterated and stop with RosterFileError past settings.ROSTER_MAX_ROWS."""
    sheet = spreadsheet_read(
        content,
        file_name=file_name,
        limits=roster_limits(),
        error_class=RosterFileError,
    )
    values = iter(sheet)
    decoded_as = sheet.encoding
    header: list[str] = []
    header_row = 0
    candidates: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(values, start=1):
        if any(cells):
            cells = [cell.strip() for cell in cells]
            candidates.append((number, cells))
            found = {_header_key(cell) for cell in cells}
            if all(key in found for key in REQUIRED_COLUMNS):
                header, header_row = cells, number
                break
        if number >= HEADER_SEARCH_ROWS:
            break
    if not header:
        raise _no_header(candidates)
    keys = [_header_key(cell) for cell in header]
    present = [key for key in keys if key]
    duplicated = sorted({key for key in present if present.count(key) > 1})
    if duplicated:
        raise _refuse(
            _("These columns appear twice in the header (row %(row)s): %(columns)s.")
            % {
                "row": header_row,
                "columns": ", ".join(str(COLUMN_LABELS[key]) for key in duplicated),
            }
        )
    ignored = [cell for cell, key in zip(header, keys, strict=True) if cell and not key]
    positions = [(index, key) for index, key in enumerate(keys) if key]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in enumerate(values, start=header_row + 1):
            if not any(cells):
                continue
            yield (
                number,
                {key: cells[i] if i < len(cells) else "" for i, key in positions},
            )

    return RosterTable(
        columns=present,
        ignored_columns=ignored,
        rows=rows(),
        decoded_as=decoded_as,
        header_row=header_row,
        skipped_lines=[
            " ".join(c for c in cells if c)[:200] for _n, cells in candidates[:-1]
        ],
    )
