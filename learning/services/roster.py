"""The staff roster as a spreadsheet: HR uploads the organisation's people (XLSX or
CSV), sees a dry run of what would change, and applies it in one transaction.

Reading follows the question bank's import (assessments.question_io): size limits
before parsing, the zip's declared sizes checked before a workbook is opened, cells
read as stored text (formulas are never evaluated), UTF-8 then GB18030 for CSV. The
roster adds what a province-sized file needs: limits from settings, a row bound, a
compression-ratio check, a refusal of CSV files that mix encodings, and a streaming
XLSX reader (learning.xlsx_reader) ten times faster than openpyxl's.

Columns (first row; Chinese or English headers, any order):
    工号 employee number*, 姓名 name*, 部门 department*, 职务 position, 职级 rank,
    入职日期 hire date, 邮箱 e-mail, 电话 phone, 状态 status
A department is a code (QX-XZSP) or a path of names from the top
(清溪县/行政审批服务局/窗口服务科, English names too). An empty optional cell leaves
the stored value as it is; an empty status means the person works here.

The dry run (`roster_check`) and the apply (`roster_apply`) compute the plan with the
same function, so what the report promises is what the apply does.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import logging
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from .. import policy
from ..models import Department, LearnerProfile, Position, Rank, RosterImport
from ..tasks import roster as roster_tasks
from ..xlsx_reader import WorkbookError, xlsx_rows
from .curricula import assignments_sync_after_roster
from .organisation import department_create

logger = logging.getLogger(__name__)
User = get_user_model()

# A member of a workbook may unpack to at most this many times its packed size once
# it is larger than a megabyte (real sheets compress 5-20 times; zip bombs 1,000).
MAX_XLSX_RATIO = 150
MAX_XLSX_MEMBERS = 2000
BATCH = 2000
CREATE_KINDS = {
    Department.Kind.COUNTY: Department.Kind.BUREAU,
    Department.Kind.TOWNSHIP: Department.Kind.OFFICE,
}

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
_ACTIVE_WORDS = {"", "active", "在职", "在岗", "正常"}
_LEFT_WORDS = {"left", "inactive", "leaver", "离职", "已离职", "退休", "调出"}
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$"
)
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,30}$")
# Codes look like QX-XZSP: such a value is never taken as the name of a new unit.
_CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_MAX_LENGTHS = {"employee_number": 32, "full_name": 100, "email": 254, "phone": 32}

ACTIONS = ("create", "update", "move", "deactivate", "reactivate", "unchanged")


class RosterFileError(ValidationError):
    """The file was refused as a whole (nothing was stored); `messages` says why."""


def _refuse(message: str) -> RosterFileError:
    return RosterFileError([message], code="invalid_roster")


# Reading ----------------------------------------------------------------------------


@dataclass
class RosterTable:
    """The roster's columns (keys of COLUMNS) and its rows, read lazily: each row is
    (row number as the spreadsheet shows it, {column: text})."""

    columns: list[str]
    ignored_columns: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    decoded_as: str = ""


def _check_size(content: bytes) -> None:
    limit = settings.ROSTER_MAX_BYTES
    if len(content) > limit:
        raise _refuse(
            _(
                "The file is larger than %(mb)s MB. Split the roster by department "
                "and import the parts one after another."
            )
            % {"mb": round(limit / (1024 * 1024), 1)}
        )
    if not content.strip():
        raise _refuse(_("The file is empty. Fill in the template and upload it again."))


def _check_zip(content: bytes) -> None:
    """Refuse a workbook that would unpack to too much, from the sizes the zip
    declares (zipfile never inflates a member beyond its declared size)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise _refuse(
            _(
                "The file could not be read as an Excel workbook. Open it in Excel "
                "or WPS and save it again as .xlsx or as CSV."
            )
        ) from None
    with archive:
        members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    too_dense = any(
        member.file_size > 1024 * 1024
        and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if (
        len(members) > MAX_XLSX_MEMBERS
        or unpacked > settings.ROSTER_MAX_UNPACKED_BYTES
        or too_dense
    ):
        raise _refuse(
            _(
                "The workbook unpacks to far more data than a roster holds, so it "
                "was not opened. Copy the roster rows into the template and upload "
                "that."
            )
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _clean_text(str(value))


# Control characters (but tab and newline) and lone surrogates: PostgreSQL refuses
# NUL in text and JSON, and Excel exports refuse the rest.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean_text(text: str) -> str:
    return _UNPRINTABLE.sub("", text).strip()


def _xlsx_values(content: bytes) -> Iterator[list[str]]:
    _check_zip(content)
    damaged = _refuse(
        _(
            "The file could not be read as an Excel workbook. Open it in Excel "
            "or WPS and save it again as .xlsx or as CSV."
        )
    )
    archive = zipfile.ZipFile(io.BytesIO(content))
    try:
        rows = xlsx_rows(archive)
    except (
        WorkbookError,
        zipfile.BadZipFile,
        zlib.error,
        RuntimeError,
        NotImplementedError,
    ):
        archive.close()
        raise damaged from None

    def values() -> Iterator[list[str]]:
        try:
            for row in rows:
                yield [_cell_text(value) for value in row]
        except (
            WorkbookError,
            zipfile.BadZipFile,
            zlib.error,
            ValueError,
            IndexError,
            EOFError,
            OverflowError,
            RuntimeError,  # an encrypted member
            NotImplementedError,  # an unsupported compression method
        ):
            raise damaged from None
        finally:
            archive.close()

    return values()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mixed_encoding_error(utf8_line: int, other_line: int) -> RosterFileError:
    return _refuse(
        _(
            "The file mixes text encodings: line %(utf8)s is UTF-8 but line "
            "%(other)s is not (probably GBK). Open it in Excel or WPS, save it again "
            "as “CSV UTF-8” and upload that."
        )
        % {"utf8": utf8_line, "other": other_line}
    )


def _decode_csv(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in. UTF-8 (with or without BOM), else
    GB18030 (a superset of GBK); a file whose lines disagree is refused rather than
    read with half of its names garbled."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse(
            _(
                "The file is saved as “Unicode text” (UTF-16). Save it from Excel as "
                "“CSV UTF-8” or as .xlsx and upload it again."
            )
        )
    bom = content.startswith(codecs.BOM_UTF8)
    body = content[3:] if bom else content
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_line = other_line = 0
    for number, line in enumerate(body.split(b"\n"), start=1):
        if line.isascii():
            continue
        if _is_utf8(line):
            utf8_line = utf8_line or number
        else:
            other_line = other_line or number
        if utf8_line and other_line:
            raise _mixed_encoding_error(utf8_line, other_line)
    if bom:
        raise _mixed_encoding_error(1, other_line)
    try:
        return body.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise _refuse(
            _(
                "The CSV file's text encoding is not UTF-8 or GBK/GB18030. Save it "
                "from Excel as “CSV UTF-8” and upload it again."
            )
        ) from None


def _csv_values(content: bytes) -> tuple[Iterator[list[str]], str]:
    text, encoding = _decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","

    def values() -> Iterator[list[str]]:
        try:
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                yield [_cell_text(value) for value in row]
        except csv.Error as exc:
            raise _refuse(
                _("The CSV file is damaged (%(error)s). Save it again from Excel.")
                % {"error": exc}
            ) from None

    return values(), encoding


def _header_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"\(.*?\)", "", text)  # "工号 (employee number)"
    text = re.sub(r"[\s_\-./:*]", "", text)
    return _HEADERS.get(text, "")


def roster_read(*, content: bytes, file_name: str) -> RosterTable:
    """Open a roster (XLSX or CSV) and map its header row to the roster's columns.
    Refuses with RosterFileError, before parsing, files that are empty, too large,
    a zip bomb, not a spreadsheet, or (CSV) in a mix of encodings; then refuses a
    header that lacks a required column. Rows are read as they are iterated and
    stop with RosterFileError past settings.ROSTER_MAX_ROWS."""
    _check_size(content)
    name = file_name.lower()
    decoded_as = ""
    if content[:4] == b"PK\x03\x04":
        values = _xlsx_values(content)
    elif content[:4] == b"\xd0\xcf\x11\xe0" or name.endswith((".xls", ".xlsx")):
        raise _refuse(
            _(
                "Only .xlsx workbooks and CSV files can be imported. Open the file "
                "in Excel or WPS and save it as .xlsx."
            )
        )
    elif b"\x00" in content[:4096]:
        raise _refuse(
            _(
                "This is not a spreadsheet. Upload the roster as an Excel workbook "
                "(.xlsx) or a CSV file laid out like the template."
            )
        )
    else:
        values, decoded_as = _csv_values(content)

    header: list[str] = []
    header_row = 0
    for header_row, cells in enumerate(values, start=1):  # noqa: B007
        if any(cells):
            header = cells
            break
    keys = [_header_key(cell) for cell in header]
    present = [key for key in keys if key]
    duplicated = sorted({key for key in present if present.count(key) > 1})
    if duplicated:
        raise _refuse(
            _("These columns appear twice in the first row: %(columns)s.")
            % {"columns": ", ".join(str(COLUMN_LABELS[key]) for key in duplicated)}
        )
    missing = [key for key in REQUIRED_COLUMNS if key not in present]
    if missing:
        message = _(
            "The first row must name the columns; these are missing: %(columns)s. "
            "Download the template to see the expected headers (工号, 姓名, 部门, …)."
        ) % {"columns": ", ".join(str(COLUMN_LABELS[key]) for key in missing)}
        if decoded_as == "gb18030" and not present:
            message += " " + _(
                "If the headers look right in Excel, the file's encoding may be "
                "unusual: save it as “CSV UTF-8” or as .xlsx."
            )
        raise _refuse(message)
    ignored = [cell for cell, key in zip(header, keys, strict=True) if cell and not key]
    positions = [(index, key) for index, key in enumerate(keys) if key]
    limit = settings.ROSTER_MAX_ROWS

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        count = 0
        for number, cells in enumerate(values, start=header_row + 1):
            if not any(cells):
                continue
            count += 1
            if count > limit:
                raise _refuse(
                    _(
                        "The roster has more than %(max)s rows. Split it by "
                        "department and import the parts one after another."
                    )
                    % {"max": limit}
                )
            yield (
                number,
                {key: cells[i] if i < len(cells) else "" for i, key in positions},
            )

    return RosterTable(
        columns=present, ignored_columns=ignored, rows=rows(), decoded_as=decoded_as
    )


# The plan ---------------------------------------------------------------------------


class _Scope:
    """What the import may touch: the actor's HR subtree, or (actor None, the
    management command) the whole organisation."""

    def __init__(self, actor: Any | None) -> None:
        self.actor = actor
        self._covered: dict[int, bool] = {}

    def covers(self, department: Department) -> bool:
        if self.actor is None:
            return True
        if department.pk not in self._covered:
            self._covered[department.pk] = policy.can_manage_department(
                self.actor, department
            )
        return self._covered[department.pk]

    def profiles(self) -> QuerySet:
        if self.actor is None:
            return LearnerProfile.objects.all()
        return policy.managed_profiles(self.actor)


@dataclass
class _NewDepartment:
    key: str
    name: str
    parent_key: int | str
    parent: Department | None
    code: str
    kind: str
    path_label: str


@dataclass
class _Plan:
    lines: list[list] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    total_rows: int = 0
    # (row, employee number, name, department key, position id, rank id, hire date,
    #  e-mail, phone, active)
    creates: list[tuple] = field(default_factory=list)
    # (profile id, user id, {profile field: value}, {user field: value}, action)
    updates: list[tuple] = field(default_factory=list)
    new_departments: dict[str, _NewDepartment] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return self.counts["errors"]


def _message(row: int, column: str, message: str) -> str:
    return _("Row %(row)s, column %(column)s: %(message)s") % {
        "row": row,
        "column": COLUMN_LABELS[column],
        "message": message,
    }


def _parse_date(text: str) -> datetime.date | None:
    """A date written YYYY-MM-DD, YYYY/MM/DD, 2024年3月1日 or as an Excel serial
    number; None when it is no date."""
    match = _DATE_RE.match(text)
    try:
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
        if re.fullmatch(r"\d{8}", text):
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if re.fullmatch(r"\d{4,5}(\.0+)?", text):
            serial = int(float(text))
            if 18264 <= serial <= 73050:  # 1950 to 2100
                return _EXCEL_EPOCH + datetime.timedelta(days=serial)
    except ValueError:
        return None
    return None


class _Directory:
    """The organisation preloaded into dicts, so that a row costs no query."""

    def __init__(self) -> None:
        departments = list(Department.objects.order_by("path"))
        self.departments = {d.pk: d for d in departments}
        self.by_code = {d.code.upper(): d for d in departments}
        by_path = {d.path: d for d in departments}
        self.by_names: dict[str, list[Department]] = {}
        self.path_label: dict[int, str] = {}
        roots = [d for d in departments if d.depth == 1]
        self.single_root = roots[0] if len(roots) == 1 else None
        step = Department.steplen
        for department in departments:
            chain = [
                by_path[department.path[: step * depth]]
                for depth in range(1, department.depth + 1)
            ]
            self.path_label[department.pk] = "/".join(d.name for d in chain)
            for attr in ("name", "name_en"):
                names = [getattr(d, attr) or d.name for d in chain]
                keys = {self._key(names)}
                if self.single_root is not None and len(names) > 1:
                    keys.add(self._key(names[1:]))  # the county may be left out
                for key in keys:
                    found = self.by_names.setdefault(key, [])
                    if department not in found:
                        found.append(department)
        self.positions = self._lookup(Position.objects.all(), ("code", "title"))
        self.ranks = self._lookup(Rank.objects.all(), ("code", "name"))
        self.position_codes = dict(Position.objects.values_list("pk", "code"))
        self.rank_codes = dict(Rank.objects.values_list("pk", "code"))

    @staticmethod
    def _key(names: list[str]) -> str:
        return "/".join(unicodedata.normalize("NFKC", n).strip().lower() for n in names)

    @staticmethod
    def _lookup(queryset: QuerySet, fields: tuple[str, str]) -> dict[str, Any]:
        """Items by code and by name (Chinese or English); a name that two items
        share maps to None, so that it is refused rather than guessed."""
        found: dict[str, Any] = {}
        code_field, name_field = fields
        items = list(queryset)
        for item in items:
            for text in (getattr(item, name_field), getattr(item, f"{name_field}_en")):
                if text:
                    key = unicodedata.normalize("NFKC", text).lower()
                    found[key] = item if found.get(key, item) == item else None
        for item in items:  # codes win over names that happen to equal a code
            found[getattr(item, code_field).lower()] = item
        return found

    def split_path(self, text: str) -> list[str]:
        return [
            part.strip() for part in re.split(r"\s*[/／>＞\\]\s*", text) if part.strip()
        ]

    def find(self, text: str) -> list[Department]:
        department = self.by_code.get(text.upper())
        if department is not None:
            return [department]
        return self.by_names.get(self._key(self.split_path(text)), [])


class _Planner:
    """Turns rows into the plan: one line per row that changes something or has an
    error, plus one line per person a full roster deactivates."""

    def __init__(
        self, *, scope: _Scope, columns: list[str], create_departments: bool
    ) -> None:
        self.scope = scope
        self.columns = set(columns)
        self.create_departments = create_departments
        self.directory = _Directory()
        self.plan = _Plan()
        self.seen: dict[str, int] = {}
        self.people = {
            row[0]: row
            for row in LearnerProfile.objects.values_list(
                "employee_number",
                "pk",
                "user_id",
                "full_name",
                "department_id",
                "position_id",
                "rank_id",
                "hire_date",
                "phone",
                "is_active",
                "user__email",
            ).iterator(chunk_size=5000)
        }
        self.own_profile_id = None
        if scope.actor is not None:
            profile = policy.profile_of(scope.actor)
            self.own_profile_id = profile.pk if profile else None

    # Departments ----------------------------------------------------------------

    def department(self, row: int, text: str, errors: list[str]) -> int | str | None:
        """The department's id, the key of a department the import creates, or None
        (with the error added)."""
        if not text:
            errors.append(
                _message(
                    row,
                    "department",
                    _(
                        "Give the department: its code (e.g. QX-XZSP) or its path of "
                        "names (e.g. 清溪县/行政审批服务局)."
                    ),
                )
            )
            return None
        found = self.directory.find(text)
        if len(found) > 1:
            errors.append(
                _message(
                    row,
                    "department",
                    _("“%(value)s” matches several departments; use its code.")
                    % {"value": text},
                )
            )
            return None
        if found:
            department = found[0]
            if not self.scope.covers(department):
                errors.append(self._outside(row, department))
                return None
            return department.pk
        if self.create_departments and not _CODE_RE.match(text):
            return self._planned_department(row, text, errors)
        errors.append(
            _message(
                row,
                "department",
                _(
                    "Unknown department “%(value)s”. Use a department code or the "
                    "path of names from the top (e.g. 清溪县/行政审批服务局/"
                    "窗口服务科), or tick “create missing departments” to add it."
                )
                % {"value": text},
            )
        )
        return None

    def _outside(self, row: int, department: Department) -> str:
        return _message(
            row,
            "department",
            _("%(department)s is outside the departments you manage.")
            % {"department": self.directory.path_label[department.pk]},
        )

    def _planned_department(
        self, row: int, text: str, errors: list[str]
    ) -> int | str | None:
        names = self.directory.split_path(text)
        existing: Department | None = None
        start = 0
        for length in range(len(names) - 1, 0, -1):
            found = self.directory.find("/".join(names[:length]))
            if len(found) == 1:
                existing, start = found[0], length
                break
        if existing is None and self.directory.single_root is not None:
            existing = self.directory.single_root
            start = 1 if self.directory.find(names[0]) == [existing] else 0
        if existing is None or start >= len(names):
            errors.append(
                _message(
                    row,
                    "department",
                    _(
                        "Unknown department “%(value)s”: no part of its path exists, "
                        "so it cannot be created. Start the path with an existing "
                        "department."
                    )
                    % {"value": text},
                )
            )
            return None
        if not self.scope.covers(existing):
            errors.append(self._outside(row, existing))
            return None
        parent_key: int | str = existing.pk
        label = self.directory.path_label[existing.pk]
        parent_kind = existing.kind
        parent_code = existing.code
        for name in names[start:]:
            label = f"{label}/{name}"
            key = self.directory._key(self.directory.split_path(label))
            planned = self.plan.new_departments.get(key)
            if planned is None:
                kind = CREATE_KINDS.get(parent_kind, Department.Kind.SECTION)
                planned = _NewDepartment(
                    key=key,
                    name=name[:200],
                    parent_key=parent_key,
                    parent=existing if parent_key == existing.pk else None,
                    code=self._new_code(parent_code),
                    kind=kind,
                    path_label=label,
                )
                self.plan.new_departments[key] = planned
            parent_key, parent_kind, parent_code = key, planned.kind, planned.code
        return parent_key

    def _new_code(self, parent_code: str) -> str:
        taken = set(self.directory.by_code) | {
            d.code.upper() for d in self.plan.new_departments.values()
        }
        number = 1
        while f"{parent_code}-N{number:02d}".upper() in taken:
            number += 1
        return f"{parent_code}-N{number:02d}"

    # Rows -----------------------------------------------------------------------

    def _reference(self, row, column, text, table, errors) -> int | None:
        key = unicodedata.normalize("NFKC", text).lower()
        item = table.get(key)
        if item is None and key in table:
            errors.append(
                _message(
                    row,
                    column,
                    _("“%(value)s” matches several; use its code.") % {"value": text},
                )
            )
            return None
        if item is None:
            # Say what exists, so that the fix is obvious.
            examples = ", ".join(sorted({o.code for o in table.values() if o})[:6])
            errors.append(
                _message(
                    row,
                    column,
                    _("Unknown %(column)s “%(value)s”. Use a code or name, e.g. %(e)s.")
                    % {"column": COLUMN_LABELS[column], "value": text, "e": examples},
                )
            )
            return None
        return item.pk

    def row(self, row: int, cells: dict[str, str]) -> None:
        plan = self.plan
        plan.total_rows += 1
        errors: list[str] = []
        for column, limit in _MAX_LENGTHS.items():
            if len(cells.get(column, "")) > limit:
                errors.append(
                    _message(
                        row,
                        column,
                        _("Shorten it to %(max)s characters.") % {"max": limit},
                    )
                )
        number = cells["employee_number"]
        if not number:
            errors.append(_message(row, "employee_number", _("Give the number.")))
        elif number in self.seen:
            errors.append(
                _message(
                    row,
                    "employee_number",
                    _(
                        "%(value)s is also on row %(other)s; each person may appear "
                        "only once."
                    )
                    % {"value": number, "other": self.seen[number]},
                )
            )
        else:
            self.seen[number] = row
        name = cells["full_name"]
        if not name:
            errors.append(_message(row, "full_name", _("Give the person's name.")))
        department = self.department(row, cells["department"], errors)
        position = rank = hire_date = None
        if cells.get("position"):
            position = self._reference(
                row, "position", cells["position"], self.directory.positions, errors
            )
        if cells.get("rank"):
            rank = self._reference(
                row, "rank", cells["rank"], self.directory.ranks, errors
            )
        if cells.get("hire_date"):
            hire_date = _parse_date(cells["hire_date"])
            if hire_date is None:
                errors.append(
                    _message(
                        row,
                        "hire_date",
                        _(
                            "%(value)s is not a date. Write it as YYYY-MM-DD, e.g. "
                            "2024-03-01."
                        )
                        % {"value": cells["hire_date"]},
                    )
                )
        email = cells.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(
                    _message(
                        row,
                        "email",
                        _("%(value)s is not an e-mail address.") % {"value": email},
                    )
                )
        phone = cells.get("phone", "")
        if phone and not _PHONE_RE.match(phone):
            errors.append(
                _message(
                    row,
                    "phone",
                    _("%(value)s is not a phone number (digits, spaces, + and -).")
                    % {"value": phone},
                )
            )
        status = cells.get("status", "").lower()
        active = status in _ACTIVE_WORDS
        if not active and status not in _LEFT_WORDS:
            errors.append(
                _message(
                    row,
                    "status",
                    _(
                        "Unknown status “%(value)s”. Write 在职 or 离职 "
                        "(active or left)."
                    )
                    % {"value": cells["status"]},
                )
            )
        existing = self.people.get(number)
        if existing is not None and existing[4] is not None:
            current = self.directory.departments[existing[4]]
            if not self.scope.covers(current):
                errors.append(
                    _message(
                        row,
                        "employee_number",
                        # Where the person works is not this officer's to see.
                        _(
                            "%(value)s belongs to a department you do not manage; "
                            "ask HR there to move the person."
                        )
                        % {"value": number},
                    )
                )
        if (
            existing is not None
            and not active
            and existing[1] == self.own_profile_id
            and existing[9]
        ):
            errors.append(
                _message(
                    row,
                    "status",
                    _(
                        "You cannot record yourself as a leaver; ask another HR "
                        "officer."
                    ),
                )
            )
        label = self._department_label(department)
        if errors:
            plan.counts["errors"] += len(errors)
            plan.lines.append([row, number, name, label, "error", [], errors])
            return
        if existing is None:
            plan.counts["create"] += 1
            plan.creates.append(
                (
                    row,
                    number,
                    name,
                    department,
                    position,
                    rank,
                    hire_date,
                    email,
                    phone,
                    active,
                )
            )
            plan.lines.append([row, number, name, label, "create", [], []])
            return
        self._update(
            row,
            existing,
            label,
            values=(name, department, position, rank, hire_date, email, phone),
            active=active,
        )

    def _department_label(self, department: int | str | None) -> str:
        if department is None:
            return ""
        if isinstance(department, str):
            return self.plan.new_departments[department].path_label
        return self.directory.departments[department].code

    def _update(self, row, existing, label, *, values, active) -> None:
        """Compare a known person with their row; plan the fields that differ."""
        name, department, position, rank, hire_date, email, phone = values
        profile: dict[str, Any] = {}
        changes: list[list] = []
        if name != existing[3]:
            profile["full_name"] = name
            changes.append(["full_name", existing[3], name])
        if department != existing[4]:
            profile["department_id"] = department
            changes.append(
                [
                    "department",
                    self._department_label(existing[4]),
                    self._department_label(department),
                ]
            )
        if position is not None and position != existing[5]:
            profile["position_id"] = position
            codes = self.directory.position_codes
            changes.append(["position", codes.get(existing[5], ""), codes[position]])
        if rank is not None and rank != existing[6]:
            profile["rank_id"] = rank
            codes = self.directory.rank_codes
            changes.append(["rank", codes.get(existing[6], ""), codes[rank]])
        if hire_date is not None and hire_date != existing[7]:
            profile["hire_date"] = hire_date
            old = existing[7].isoformat() if existing[7] else ""
            changes.append(["hire_date", old, hire_date.isoformat()])
        user: dict[str, Any] = {}
        if phone and phone != existing[8]:
            profile["phone"] = phone
            changes.append(["phone", existing[8], phone])
        if email and email != existing[10]:
            user["email"] = email
            changes.append(["email", existing[10], email])
        if "full_name" in profile:
            user["first_name"] = profile["full_name"][:150]
        if active != existing[9]:
            profile["is_active"] = user["is_active"] = active
            profile["left_on"] = None if active else _today()
            changes.append(
                [
                    "status",
                    "active" if existing[9] else "left",
                    "active" if active else "left",
                ]
            )
        if not active and not existing[9]:
            action = "update" if changes else "unchanged"
        elif active and not existing[9]:
            action = "reactivate"
        elif not active:
            action = "deactivate"
        elif "department_id" in profile:
            action = "move"
        else:
            action = "update" if changes else "unchanged"
        self.plan.counts[action] += 1
        if action == "unchanged":
            return
        self.plan.updates.append((existing[1], existing[2], profile, user, action))
        self.plan.lines.append(
            [row, existing[0], existing[3], label, action, changes, []]
        )

    def missing_people(self) -> None:
        """A full roster: active people in scope who are not in the file leave."""
        in_scope = self.scope.profiles().filter(is_active=True)
        for number, profile_id in in_scope.values_list("employee_number", "pk"):
            if number in self.seen:
                continue
            existing = self.people[number]
            if profile_id == self.own_profile_id:
                self.plan.counts["errors"] += 1
                self.plan.lines.append(
                    [
                        None,
                        number,
                        existing[3],
                        self._department_label(existing[4]),
                        "error",
                        [],
                        [
                            _(
                                "You are not in the file, so a full roster would "
                                "record you as a leaver. Add your own row."
                            )
                        ],
                    ]
                )
                continue
            self.plan.counts["deactivate"] += 1
            self.plan.updates.append(
                (
                    profile_id,
                    existing[2],
                    {"is_active": False, "left_on": _today()},
                    {"is_active": False},
                    "deactivate",
                )
            )
            self.plan.lines.append(
                [
                    None,
                    number,
                    existing[3],
                    self._department_label(existing[4]),
                    "deactivate",
                    [["status", "active", "left"]],
                    [],
                ]
            )

    def account_clashes(self) -> None:
        """New people whose employee number is already someone else's sign-in name."""
        numbers = [create[1] for create in self.plan.creates]
        taken: set[str] = set()
        for start in range(0, len(numbers), BATCH):
            taken.update(
                User.objects.filter(
                    username__in=numbers[start : start + BATCH]
                ).values_list("username", flat=True)
            )
        if not taken:
            return
        by_number = {line[1]: line for line in self.plan.lines if line[4] == "create"}
        kept = []
        for create in self.plan.creates:
            if create[1] not in taken:
                kept.append(create)
                continue
            line = by_number[create[1]]
            line[4] = "error"
            line[6].append(
                _message(
                    create[0],
                    "employee_number",
                    _(
                        "An account named %(value)s exists but belongs to nobody in "
                        "the roster; ask a site admin to rename or link it."
                    )
                    % {"value": create[1]},
                )
            )
            self.plan.counts["create"] -= 1
            self.plan.counts["errors"] += 1
        self.plan.creates = kept


def _today() -> datetime.date:
    return timezone.localdate()


def _plan(
    *,
    scope: _Scope,
    content: bytes,
    file_name: str,
    full_roster: bool,
    create_departments: bool,
    on_row: Callable[[int], None] | None = None,
) -> tuple[_Plan, RosterTable]:
    """The one function that decides what an import does, for the dry run and the
    apply alike."""
    table = roster_read(content=content, file_name=file_name)
    planner = _Planner(
        scope=scope, columns=table.columns, create_departments=create_departments
    )
    for number, cells in table.rows:
        planner.row(number, cells)
        if on_row is not None and planner.plan.total_rows % 5000 == 0:
            on_row(planner.plan.total_rows)
    planner.account_clashes()
    if full_roster:
        planner.missing_people()
    return planner.plan, table


def _report(plan: _Plan, table: RosterTable, *, scope: _Scope) -> dict:
    counts = {action: plan.counts[action] for action in ACTIONS}
    counts["errors"] = plan.counts["errors"]
    return {
        "scope": "organisation" if scope.actor is None else "user",
        "counts": counts,
        "columns": table.columns,
        "ignored_columns": table.ignored_columns,
        "encoding": table.decoded_as,
        "new_departments": [
            {"code": d.code, "path": d.path_label}
            for d in plan.new_departments.values()
        ],
        # [row, employee number, name, department, action, changes, errors]; rows
        # that change nothing are counted, not listed.
        "lines": plan.lines,
    }


def _require_importer(actor: Any | None) -> None:
    if actor is not None and not policy.can_import_roster(actor):
        raise PermissionDenied(
            _("Only HR officers and site admins may import the staff roster.")
        )


def roster_check(
    *,
    actor: Any | None,
    content: bytes,
    file_name: str,
    full_roster: bool = False,
    create_departments: bool = False,
) -> RosterImport:
    """The dry run: read and check every row, store the upload with its report
    (status checked) and change nothing else. `actor` None acts for the whole
    organisation (the management command). A file refused as a whole raises
    RosterFileError and stores nothing."""
    _require_importer(actor)
    scope = _Scope(actor)
    plan, table = _plan(
        scope=scope,
        content=content,
        file_name=file_name,
        full_roster=full_roster,
        create_departments=create_departments,
    )
    managed = (
        list(policy.managed_departments(actor).filter(depth__gte=1).order_by("path"))
        if actor is not None and not actor.is_superuser
        else []
    )
    top: list[Department] = []
    for department in managed:  # in path order: a subtree follows its root
        if not top or not department.path.startswith(top[-1].path):
            top.append(department)
    return RosterImport.objects.create(
        uploaded_by=actor,
        scope_department=top[0] if len(top) == 1 else None,
        file_name=file_name[:255],
        checksum=hashlib.sha256(content).hexdigest(),
        content=content,
        full_roster=full_roster,
        create_departments=create_departments,
        status=RosterImport.Status.CHECKED,
        total_rows=plan.total_rows,
        report=_report(plan, table, scope=scope),
    )


def roster_enqueue(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """Queue a checked import without errors for the worker (the task runs after
    the surrounding transaction commits)."""
    _require_importer(actor)
    if roster_import.report.get("counts", {}).get("errors"):
        raise ValidationError(
            _("The roster has errors. Correct the file and upload it again.")
        )
    queued = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.CHECKED
    ).update(status=RosterImport.Status.QUEUED)
    roster_import.refresh_from_db()
    if queued:
        transaction.on_commit(
            lambda: roster_tasks.roster_import_apply.delay(roster_import.pk)
        )
    return roster_import


class _ProgressWriter:
    """Writes processed_rows where other processes can read it while the apply's
    transaction is still open: through a second connection on PostgreSQL. On SQLite
    (the embedded default, where the task runs in-process) a second writer would wait
    for the first, so progress is written only at the end there."""

    def __init__(self, roster_import: RosterImport) -> None:
        self.pk = roster_import.pk
        self.connection = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.connection = connections.create_connection("default")

    def __call__(self, processed: int, total: int) -> None:
        if self.connection is None:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    f"UPDATE {RosterImport._meta.db_table} "  # noqa: S608
                    "SET processed_rows = %s WHERE id = %s",
                    [min(processed, total), self.pk],
                )
        except Exception:  # progress must never break the import
            logger.warning("roster import %s: progress not written", self.pk)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _apply_plan(plan: _Plan, *, report: Callable[[int], None]) -> list[int]:
    """Write the plan with bulk statements; returns the ids of people created,
    moved, deactivated or reactivated."""
    department_ids: dict[str, int] = {}
    for planned in plan.new_departments.values():
        parent_id = (
            planned.parent_key
            if isinstance(planned.parent_key, int)
            else department_ids[planned.parent_key]
        )
        created = department_create(
            code=planned.code,
            name=planned.name,
            kind=planned.kind,
            parent=Department.objects.get(pk=parent_id),
        )
        department_ids[planned.key] = created.pk

    def department_id(key: int | str) -> int:
        return key if isinstance(key, int) else department_ids[key]

    touched: list[int] = []
    done = 0
    unusable = make_password(None)
    for start in range(0, len(plan.creates), BATCH):
        batch = plan.creates[start : start + BATCH]
        users = User.objects.bulk_create(
            [
                User(
                    username=number,
                    first_name=name[:150],
                    email=email,
                    password=unusable,
                    is_active=active,
                )
                for _row, number, name, _d, _p, _r, _h, email, _ph, active in batch
            ]
        )
        user_ids = {user.username: user.pk for user in users}
        if None in user_ids.values():  # a backend that does not return ids
            user_ids = dict(
                User.objects.filter(username__in=list(user_ids)).values_list(
                    "username", "pk"
                )
            )
        profiles = LearnerProfile.objects.bulk_create(
            [
                LearnerProfile(
                    user_id=user_ids[number],
                    employee_number=number,
                    full_name=name,
                    department_id=department_id(department),
                    position_id=position,
                    rank_id=rank,
                    hire_date=hire_date,
                    phone=phone,
                    is_active=active,
                    left_on=None if active else _today(),
                )
                for (
                    _row,
                    number,
                    name,
                    department,
                    position,
                    rank,
                    hire_date,
                    _email,
                    phone,
                    active,
                ) in batch
            ]
        )
        touched.extend(profile.pk for profile in profiles if profile.pk)
        if profiles and profiles[0].pk is None:
            touched.extend(
                LearnerProfile.objects.filter(
                    employee_number__in=[item[1] for item in batch]
                ).values_list("pk", flat=True)
            )
        done += len(batch)
        report(done)

    # Group updates by the fields they change: one bulk UPDATE per group and batch.
    groups: dict[tuple, list[tuple]] = {}
    for update in plan.updates:
        profile_fields, user_fields = update[2], update[3]
        key = (tuple(sorted(profile_fields)), tuple(sorted(user_fields)))
        groups.setdefault(key, []).append(update)
        # A new position or rank may bring curricula too, not only a move.
        if update[4] in ("move", "deactivate", "reactivate") or {
            "position_id",
            "rank_id",
            "hire_date",
        } & set(profile_fields):
            touched.append(update[0])
    for (profile_fields, user_fields), updates in groups.items():
        for start in range(0, len(updates), BATCH):
            batch = updates[start : start + BATCH]
            if profile_fields:
                profiles = []
                for profile_id, _user, values, _u, _a in batch:
                    values = dict(values)
                    if "department_id" in values:
                        values["department_id"] = department_id(values["department_id"])
                    profiles.append(LearnerProfile(pk=profile_id, **values))
                LearnerProfile.objects.bulk_update(profiles, list(profile_fields))
            if user_fields:
                User.objects.bulk_update(
                    [
                        User(pk=user_id, **values)
                        for _p, user_id, _v, values, _a in batch
                    ],
                    list(user_fields),
                )
            done += len(batch)
            report(done)
    return touched


def roster_apply(
    *,
    roster_import: RosterImport,
    progress: Callable[[int, int], None] | None = None,
) -> RosterImport:
    """Apply a checked (or queued) import: recompute the plan from the stored file
    with the uploader's current rights and write it in one transaction. Any error
    leaves the organisation as it was and marks the import failed with the reason.
    An import already applied, failed or being applied elsewhere is returned as it
    is. After commit the people created, moved, deactivated or reactivated have
    their assignments synced."""
    Status = RosterImport.Status
    if roster_import.status != Status.APPLYING:
        claimed = RosterImport.objects.filter(
            pk=roster_import.pk, status__in=[Status.CHECKED, Status.QUEUED]
        ).update(status=Status.APPLYING)
        roster_import.refresh_from_db()
        if not claimed:
            return roster_import
    actor = roster_import.uploaded_by
    writer = _ProgressWriter(roster_import)
    progress = progress or writer
    total = max(roster_import.total_rows, 1)
    try:
        if actor is None and roster_import.report.get("scope") != "organisation":
            raise ValidationError(
                _("The person who uploaded this roster no longer has an account.")
            )
        _require_importer(actor)
        scope = _Scope(actor)
        with transaction.atomic():
            # Reading and checking is the first half of the bar, writing the second.
            plan, table = _plan(
                scope=scope,
                content=bytes(roster_import.content),
                file_name=roster_import.file_name,
                full_roster=roster_import.full_roster,
                create_departments=roster_import.create_departments,
                on_row=lambda rows: progress(rows // 2, total),
            )
            report = _report(plan, table, scope=scope)
            checked_counts = roster_import.report.get("counts")
            if checked_counts is not None and checked_counts != report["counts"]:
                # What HR approved is the dry run: never apply something else.
                raise ValidationError(
                    _(
                        "The organisation changed since the dry run, so applying "
                        "now would not do what the report showed. Upload the file "
                        "again to see the new report."
                    )
                )
            if plan.error_count:
                raise ValidationError(
                    _(
                        "The roster no longer checks without errors (%(count)s found): "
                        "the organisation changed since the dry run. Upload the file "
                        "again to see the new report."
                    )
                    % {"count": plan.error_count}
                )
            writes = max(len(plan.creates) + len(plan.updates), 1)
            touched = _apply_plan(
                plan,
                report=lambda done: progress(
                    total // 2 + done * (total - total // 2) // writes, total
                ),
            )
            RosterImport.objects.filter(pk=roster_import.pk).update(
                status=Status.APPLIED,
                processed_rows=plan.total_rows,
                total_rows=plan.total_rows,
                report=report,
                error="",
                finished_at=timezone.now(),
            )
            if touched:
                transaction.on_commit(
                    lambda: assignments_sync_after_roster(profile_ids=touched)
                )
    except (ValidationError, PermissionDenied, RosterFileError) as error:
        message = " ".join(getattr(error, "messages", None) or [str(error)])
        _fail(roster_import, message)
    except Exception as error:  # nothing was written; say so and keep the reason
        logger.exception("roster import %s failed", roster_import.pk)
        _fail(
            roster_import,
            _("The roster could not be applied (%(error)s); nothing was changed.")
            % {
                "error": str(error).splitlines()[0][:200]
                if str(error)
                else type(error).__name__
            },
        )
    finally:
        writer.close()
    roster_import.refresh_from_db()
    return roster_import


def _fail(roster_import: RosterImport, message: str) -> None:
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.FAILED, error=message, finished_at=timezone.now()
    )


def roster_import_list(*, user: Any) -> QuerySet:
    """The imports a user may look at: site admins all, HR officers their own."""
    queryset = RosterImport.objects.defer("content", "report").select_related(
        "uploaded_by", "scope_department"
    )
    if getattr(user, "is_superuser", False):
        return queryset
    return queryset.filter(uploaded_by_id=user.pk)


# Templates --------------------------------------------------------------------------

_TEMPLATE_ROWS = (
    (
        "QX10001",
        "张伟",
        "QX-XZSP-CK",
        "CKRY",
        "R2",
        "2021-09-01",
        "zhangwei@example.gov.cn",
        "13800000001",
        "在职",
    ),
    (
        "QX10002",
        "李娜",
        "清溪县/大数据发展局/电子政务科",
        "科员",
        "四级主任科员",
        "2018-03-15",
        "",
        "0571-88880002",
        "在职",
    ),
)


def roster_template_xlsx() -> bytes:
    """An empty roster to fill in: the header row and two example rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(TEMPLATE_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _TEMPLATE_ROWS:
        sheet.append(row)
    for column, width in zip(
        "ABCDEFGHI", (12, 10, 34, 16, 16, 14, 28, 16, 8), strict=True
    ):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_template_csv() -> bytes:
    """The same template as CSV in UTF-8 with BOM (Excel opens it correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(_TEMPLATE_ROWS)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
