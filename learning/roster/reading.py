"""Reading a staff roster file (CSV or XLSX) into a table of text cells with
recognised column headers."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning.roster.xlsx_reader import WorkbookError, xlsx_rows

# A member of a workbook may unpack to at most this many times its packed size once
# it is larger than a megabyte (real sheets compress 5-20 times; zip bombs 1,000).
MAX_XLSX_RATIO = 150


MAX_XLSX_MEMBERS = 2000


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
