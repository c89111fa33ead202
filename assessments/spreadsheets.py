"""Spreadsheets in and out: the one place for the rules that every import and export
of rows follows (question bank, competency frameworks, staff roster, compliance
lists).

Reading (`spreadsheet_read`) takes the bytes of an upload and gives its rows as lists
of str, lazily, whatever the format: XLSX/XLSM and legacy XLS through python-calamine,
CSV in UTF-8 (with or without BOM) or in GBK/GB18030 as Excel on Chinese Windows saves
"CSV (逗号分隔)". The content decides the format, not the file name. Before a workbook
is opened, its size, the sizes its zip declares (members, unpacked bytes, packing
ratio) and the area its cells span are checked, so that a zip bomb or a sparse sheet
never reaches the parser; damaged, password-protected and unreadable files are
refused with a message saying what to do. Nothing is ever evaluated.

Writing: `spreadsheet_safe` (one rule for formula neutralising and the characters a
workbook cannot hold), `csv_stream`/`csv_bytes` (UTF-8 with BOM so that Excel shows
Chinese) and `xlsx_bytes`/`workbook_bytes`.

Every refusal is a `SpreadsheetError` (a ValidationError) unless the caller names its
own ValidationError subclass with `error_class`, so callers keep catching what they
catch today.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import html
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

# Limits ------------------------------------------------------------------------------

MB = 1024 * 1024


@dataclass(frozen=True)
class SpreadsheetLimits:
    """What an upload may be. The defaults are the safest values that still admit a
    province's roster; settings SPREADSHEET_MAX_* override them."""

    max_bytes: int = 50 * MB
    # A 200,000-row workbook unpacks to ~110 MB; zip bombs unpack to gigabytes.
    max_unpacked_bytes: int = 400 * MB
    # Real workbooks hold a few dozen parts.
    max_members: int = 1000
    # Members over 1 MB may unpack to this many times their packed size (real sheets
    # compress 5-20 times, zip bombs 1,000).
    max_ratio: int = 150
    # The area a sheet's cells span (the reader allocates it whole): 300,000 × 33.
    max_cells: int = 10_000_000
    # Non-blank rows after the first (the header).
    max_rows: int = 300_000


_SETTINGS = {
    "max_bytes": "SPREADSHEET_MAX_BYTES",
    "max_unpacked_bytes": "SPREADSHEET_MAX_UNPACKED_BYTES",
    "max_members": "SPREADSHEET_MAX_MEMBERS",
    "max_ratio": "SPREADSHEET_MAX_RATIO",
    "max_cells": "SPREADSHEET_MAX_CELLS",
    "max_rows": "SPREADSHEET_MAX_ROWS",
}


def spreadsheet_limits(**changes: int) -> SpreadsheetLimits:
    """The limits in force: the defaults, overridden by settings SPREADSHEET_MAX_*
    where set, then by `changes` (e.g. `max_bytes=10 * MB` for a smaller upload)."""
    limits = SpreadsheetLimits()
    configured = {
        name: getattr(settings, setting)
        for name, setting in _SETTINGS.items()
        if hasattr(settings, setting)
    }
    return replace(limits, **configured, **changes)


class SpreadsheetError(ValidationError):
    """An upload refused as a whole; `messages` says why and what to do."""


ErrorClass = type[ValidationError]


def _refuse(error_class: ErrorClass, message: str) -> ValidationError:
    return error_class([message], code="invalid_spreadsheet")


def _damaged_message() -> str:
    return _(
        "The file could not be read as an Excel workbook. Open it in Excel or WPS "
        "and save it again as .xlsx or as CSV."
    )


# Size and zip checks ------------------------------------------------------------------


def spreadsheet_bytes(
    file: bytes | IO[bytes],
    *,
    limits: SpreadsheetLimits | None = None,
    error_class: ErrorClass = SpreadsheetError,
) -> bytes:
    """The upload's bytes (from bytes or a file such as Django's UploadedFile),
    refusing a file over `limits.max_bytes` without reading it on, and an empty one."""
    limits = limits or spreadsheet_limits()
    if isinstance(file, bytes | bytearray):
        content = bytes(file)
    else:
        size = getattr(file, "size", None)  # Django's UploadedFile knows its size
        if size is not None and size > limits.max_bytes:
            raise _too_large(limits, error_class)
        content = file.read(limits.max_bytes + 1)
    content_check(content, limits=limits, error_class=error_class)
    return content


def _too_large(limits: SpreadsheetLimits, error_class: ErrorClass) -> ValidationError:
    return _refuse(
        error_class,
        _(
            "The file is larger than %(mb)s MB. Split the rows into several files "
            "and import them one after another."
        )
        % {"mb": _megabytes(limits.max_bytes)},
    )


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


def content_check(
    content: bytes,
    *,
    limits: SpreadsheetLimits | None = None,
    error_class: ErrorClass = SpreadsheetError,
) -> None:
    """Refuse content over `limits.max_bytes`, and content that is empty (nothing but
    a byte-order mark and white space)."""
    limits = limits or spreadsheet_limits()
    if len(content) > limits.max_bytes:
        raise _too_large(limits, error_class)
    if not content.removeprefix(codecs.BOM_UTF8).strip():
        raise _refuse(
            error_class,
            _("The file is empty. Fill in the rows and upload it again."),
        )


def zip_check(
    archive: zipfile.ZipFile,
    *,
    limits: SpreadsheetLimits | None = None,
    error_class: ErrorClass = SpreadsheetError,
) -> None:
    """Refuse a zip that would unpack to too much (total size, member count, or a
    member packed far more tightly than real data packs), judged from the sizes the
    zip declares: the readers here never inflate a member beyond its declared size
    (zipfile stops there; calamine refuses such a member). Also refuses encrypted
    members."""
    limits = limits or spreadsheet_limits()
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise _refuse(
            error_class,
            _(
                "The workbook unpacks to more than %(mb)s MB, so it was not opened. "
                "Split the rows into several workbooks, or copy them into the "
                "template and upload that."
            )
            % {"mb": _megabytes(limits.max_unpacked_bytes)},
        )
    too_dense = any(
        member.file_size > MB
        and member.file_size > limits.max_ratio * max(member.compress_size, 1)
        for member in members
    )
    if len(members) > limits.max_members or too_dense:
        raise _refuse(
            error_class,
            _(
                "The workbook unpacks to far more data than a sheet of rows holds, so "
                "it was not opened. Copy the rows into the template and upload that."
            ),
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise _password_protected(error_class)


def _password_protected(error_class: ErrorClass) -> ValidationError:
    return _refuse(
        error_class,
        _(
            "The workbook is protected with a password, so it cannot be read. Open "
            "it in Excel or WPS, remove the password (File › Info › Protect "
            "Workbook), save it and upload it again."
        ),
    )


# Cell text ---------------------------------------------------------------------------

# Formula prefixes: a spreadsheet runs text starting with these (tab and carriage
# return because Excel strips them and reads on).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters but tab, newline and carriage return, DEL, lone surrogates:
# PostgreSQL refuses NUL, XML (so XLSX) refuses the others but DEL, which no one means.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_clean(text: str) -> str:
    """`text` without the characters no database column or workbook can hold
    (control characters but tab, newline and carriage return; DEL; lone
    surrogates)."""
    return _UNPRINTABLE.sub("", text)


def cell_text(value: Any, *, identifier: bool = False) -> str:
    """One cell as the text a person typed: "" for empty; whole numbers without
    ".0" (1001, not 1001.0); other numbers in full (0.5); dates YYYY-MM-DD and
    date-times "YYYY-MM-DD HH:MM:SS" (a date-time at midnight is a date); times
    HH:MM:SS; true/false; text without control characters and surrounding white
    space. The apostrophe `spreadsheet_safe` puts before formula-like text is taken
    off again, so an export re-imports unchanged. With `identifier`, full-width
    digits and letters become ASCII (NFKC: "ＱＸ１０" reads "QX10")."""
    if value.__class__ is str:
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    elif isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    elif isinstance(value, datetime.timedelta):
        return str(value)
    else:
        text = str(value)
    if not text.isprintable():
        text = _UNPRINTABLE.sub("", text)
    text = text.strip()
    if text[:1] == "'" and text[1:2] and text[1] in "=+-@\t\r":
        text = text[1:].strip()
    if identifier:
        text = unicodedata.normalize("NFKC", text)
    return text


def lookup_key(text: str) -> str:
    """The form two names are compared in (headers, codes, names of departments,
    positions…): NFKC (full-width to ASCII), lower case, no surrounding space."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def spreadsheet_safe(value: Any) -> Any:
    """A cell value fit for an exported sheet: text loses the characters a workbook
    cannot hold (control characters but tab, newline and carriage return), and text
    that a spreadsheet would run as a formula (= + - @ tab CR) gets a leading
    apostrophe; other values pass unchanged. `cell_text` undoes the apostrophe."""
    if isinstance(value, str):
        if not value.isprintable():
            value = _UNPRINTABLE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


# CSV ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedText:
    text: str
    # "utf-8", "utf-8-sig" (with a byte-order mark) or "gb18030".
    encoding: str


def _mixed_encoding(error_class: ErrorClass, utf8_line: int, other_line: int):
    return _refuse(
        error_class,
        _(
            "The file mixes text encodings: line %(utf8)s is UTF-8 but line "
            "%(other)s is not (probably GBK). Open it in Excel or WPS, save it again "
            "as “CSV UTF-8” and upload that."
        )
        % {"utf8": utf8_line, "other": other_line},
    )


def _first_mixed_lines(body: bytes) -> tuple[int, int]:
    """The first non-ASCII line that is UTF-8 and the first that is not (0: none)."""
    utf8_line = other_line = 0
    for number, line in enumerate(body.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and other_line:
            break
    return utf8_line, other_line


def csv_decode(
    content: bytes,
    *,
    legacy_chinese: bool = True,
    error_class: ErrorClass = SpreadsheetError,
) -> DecodedText:
    """The text of a CSV (or other text) upload. UTF-8 with or without a byte-order
    mark; else, with `legacy_chinese`, GB18030 (a superset of the GBK that Excel on
    Chinese Windows writes for "CSV"). Refused: UTF-16 ("Unicode text"), NUL
    characters, a file whose lines mix UTF-8 and another encoding (read either way,
    half of its names would be garbled), and anything else — without
    `legacy_chinese` a GBK file too, with how to save it as "CSV UTF-8" (for formats
    that are UTF-8 by definition, where GB18030, which decodes almost any bytes,
    would import garbage)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse(
            error_class,
            _(
                "The file is saved as “Unicode text” (UTF-16). Save it from Excel as "
                "“CSV UTF-8 (comma delimited)” or as .xlsx and upload it again."
            ),
        )
    bom = content.startswith(codecs.BOM_UTF8)
    body = content[len(codecs.BOM_UTF8) :] if bom else content
    if b"\x00" in body:
        raise _refuse(
            error_class,
            _(
                "The file contains NUL characters, so it is probably UTF-16 or not a "
                "text file. Save it as “CSV UTF-8 (comma delimited)” and upload it "
                "again."
            ),
        )
    try:
        return DecodedText(body.decode("utf-8"), "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        first_bad_line = body[: exc.start].count(b"\n") + 1
    utf8_line, other_line = _first_mixed_lines(body)
    if utf8_line and other_line:
        raise _mixed_encoding(error_class, utf8_line, other_line)
    if bom:
        raise _mixed_encoding(error_class, 1, other_line)
    try:
        legacy = body.decode("gb18030")
    except UnicodeDecodeError:
        legacy = None
    if legacy is not None and legacy_chinese:
        return DecodedText(legacy, "gb18030")
    if legacy_chinese:
        message = _(
            "The CSV file's text encoding is not UTF-8 or GBK/GB18030 (first problem "
            "on line %(line)s). Save it from Excel as “CSV UTF-8” and upload it again."
        )
    elif legacy is not None and re.search(r"[\u4e00-\u9fff]", legacy):
        message = _(
            "The file is not UTF-8: it looks like GBK/GB18030, which Excel uses for "
            "“CSV” on Chinese Windows (first problem on line %(line)s). In Excel "
            "choose File › Save As › “CSV UTF-8 (comma delimited)” and upload that "
            "file."
        )
    else:
        message = _(
            "The file is not UTF-8 text (first problem on line %(line)s). Save it as "
            "UTF-8 (in Excel: “CSV UTF-8 (comma delimited)”) and upload it again."
        )
    raise _refuse(error_class, message % {"line": first_bad_line})


def csv_rows(
    text: str, *, delimiter: str = "", error_class: ErrorClass = SpreadsheetError
) -> Iterator[list[str]]:
    """The CSV's rows as lists of str, as they stand (not through `cell_text`).
    Without `delimiter`, a first line with tabs and no comma means tab-separated
    (WPS's "文本文件(制表符分隔)"); else commas. A damaged file (an unclosed
    quotation mark…) is refused when the reading reaches it."""
    if not delimiter:
        first_line = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise _refuse(
            error_class,
            _(
                "Line %(line)s of the CSV file cannot be read (%(error)s). Check for "
                "an unclosed quotation mark, then save the file again as CSV."
            )
            % {"line": reader.line_num, "error": exc},
        ) from None


def csv_stream(
    rows: Iterable[Iterable[Any]], *, neutralise: bool = True
) -> Iterator[bytes]:
    """CSV for Excel, a row at a time (for a streaming response): a UTF-8 byte-order
    mark (so that Excel shows Chinese), then each row, CRLF-terminated. Each cell
    goes through `spreadsheet_safe` unless `neutralise` is False (for a format read
    by a program, such as Moodle's, where an apostrophe would become data)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield codecs.BOM_UTF8
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row] if neutralise else row)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def csv_bytes(rows: Iterable[Iterable[Any]], *, neutralise: bool = True) -> bytes:
    """`csv_stream` as one bytes object."""
    return b"".join(csv_stream(rows, neutralise=neutralise))


# XLSX output -------------------------------------------------------------------------


def xlsx_bytes(
    rows: Iterable[Iterable[Any]],
    *,
    sheet_title: str,
    header: Iterable[Any] = (),
    widths: Iterable[float] = (),
) -> bytes:
    """A one-sheet workbook written row by row (memory stays flat): `header` in bold
    if given (and frozen, so it stays in view when scrolling), then `rows`; every
    cell through `spreadsheet_safe`, so no text is ever stored as a formula and no
    character makes openpyxl refuse the row. `widths` sets column widths."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spreadsheet_safe(sheet_title)[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = list(header)
    if header:
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for title in header:
            cell = WriteOnlyCell(sheet, value=spreadsheet_safe(title))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    for row in rows:
        sheet.append([spreadsheet_safe(value) for value in row])
    return workbook_bytes(workbook)


def workbook_bytes(workbook: Workbook) -> bytes:
    """An openpyxl workbook the caller shaped itself, saved to bytes (cells should
    have gone through `spreadsheet_safe`)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Reading -----------------------------------------------------------------------------


@dataclass
class SpreadsheetRows:
    """The rows of an upload, read as they are iterated: each a list of str (see
    `cell_text`), index = column (A = 0); the list's position is the row number
    minus one (blank rows included, as [] or a list of "")."""

    rows: Iterator[list[str]]
    # "xlsx", "xls" or "csv".
    kind: str
    # For CSV, how it was decoded ("utf-8", "utf-8-sig", "gb18030"); else "".
    encoding: str = ""
    sheet_name: str = ""
    sheet_names: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[list[str]]:
        return self.rows


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def spreadsheet_read(
    content: bytes,
    *,
    file_name: str = "",
    sheet_name: str = "",
    limits: SpreadsheetLimits | None = None,
    identifier_columns: Iterable[int] = (),
    error_class: ErrorClass = SpreadsheetError,
) -> SpreadsheetRows:
    """Open an upload (XLSX/XLSM, legacy XLS or CSV, told apart by content) and give
    its rows lazily. Reads the sheet called `sheet_name` if there is one, else the
    first visible worksheet. Cells read as `cell_text` gives them; those in
    `identifier_columns` (indexes) with `identifier=True`. A formula gives the value
    the spreadsheet stored for it (what the person saw), or its text ("=…") when the
    file stores none (files written by programs); nothing is evaluated.

    Refuses with `error_class` (a ValidationError; the message says what to do),
    before parsing: empty and oversize files; a workbook whose zip would unpack to
    too much or whose cells span more than `limits.max_cells`; damaged and
    password-protected workbooks; web pages and other files saved under a
    spreadsheet's name; CSV not in UTF-8 or GBK/GB18030, or in a mix of both. While
    iterating: a damaged CSV line, and more than `limits.max_rows` non-blank rows
    after the first."""
    limits = limits or spreadsheet_limits()
    content_check(content, limits=limits, error_class=error_class)
    head = content[:4096]
    if head.startswith(ZIP_MAGIC):
        result = _xlsx_read(content, sheet_name, limits, error_class)
    elif head.startswith(OLE_MAGIC[:4]):
        result = _xls_read(content, sheet_name, limits, error_class)
    elif _looks_like_markup(head):
        raise _refuse(
            error_class,
            _(
                "This file is a web page or XML saved under a spreadsheet's name (some "
                "systems export “Excel” files that way). Open it in Excel or WPS and "
                "save it as .xlsx, then upload that."
            ),
        )
    elif b"\x00" in head and not head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise _refuse(
            error_class,
            _(
                "This is not a spreadsheet. Upload an Excel workbook (.xlsx or .xls) "
                "or a CSV file."
            ),
        )
    else:
        decoded = csv_decode(content, error_class=error_class)
        result = SpreadsheetRows(
            rows=csv_rows(decoded.text, error_class=error_class),
            kind="csv",
            encoding=decoded.encoding,
        )
    result.rows = _texts(
        result.rows, set(identifier_columns), limits.max_rows, error_class
    )
    return result


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:200].lower()
    return start.startswith((b"<html", b"<!doctype", b"<?xml", b"<table", b"<meta"))


def _texts(
    rows: Iterator[list[Any]],
    identifiers: set[int],
    max_rows: int,
    error_class: ErrorClass,
) -> Iterator[list[str]]:
    count = 0
    for row in rows:
        texts = [cell_text(value) for value in row]
        for index in identifiers:
            if index < len(texts):
                texts[index] = cell_text(texts[index], identifier=True)
        if any(texts):
            count += 1
            if count > max_rows + 1:  # the first non-blank row is the header
                raise _refuse(
                    error_class,
                    _(
                        "The file has more than %(max)s rows. Split it into several "
                        "files and import them one after another."
                    )
                    % {"max": max_rows},
                )
        yield texts


def _calamine_open(content: bytes, error_class: ErrorClass) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(content))
    except PasswordError:
        raise _password_protected(error_class) from None
    except (CalamineError, ValueError, OSError, UnicodeError):
        raise _refuse(error_class, _damaged_message()) from None


def _sheet_choose(
    workbook: CalamineWorkbook, sheet_name: str, error_class: ErrorClass
) -> int:
    """The index of the worksheet called `sheet_name`, else of the first visible
    worksheet (a hidden one when all are hidden). A workbook without any worksheet
    (only chart sheets, or no sheet at all) is refused: it holds no rows."""
    metadata = workbook.sheets_metadata
    worksheets = [
        index
        for index, sheet in enumerate(metadata)
        if sheet.typ == SheetTypeEnum.WorkSheet  # not a chart or macro sheet
    ]
    if not worksheets:
        workbook.close()
        raise _refuse(
            error_class,
            _(
                "This workbook has no worksheet (only charts, or no sheet at all), "
                "so it has no rows to read. Put the rows on a worksheet, or copy "
                "them into the template, and upload it again."
            ),
        )
    names = {metadata[index].name: index for index in worksheets}
    if sheet_name in names:
        return names[sheet_name]
    visible = [i for i in worksheets if metadata[i].visible == SheetVisibleEnum.Visible]
    return (visible or worksheets)[0]


def _sheet_rows(
    workbook: CalamineWorkbook,
    index: int,
    error_class: ErrorClass,
    formulas: Callable[[str], dict[tuple[int, int], str]] | None = None,
) -> tuple[str, Iterator[list[Any]]]:
    try:
        sheet = workbook.get_sheet_by_index(index)
    except (CalamineError, ValueError, OSError, UnicodeError):
        raise _refuse(error_class, _damaged_message()) from None
    # iter_rows counts rows from the top but columns from the first one used.
    first_column = sheet.start[1] if sheet.start else 0
    overlay: dict[int, list[tuple[int, str]]] = {}
    for (row_index, column), text in (formulas(sheet.name) if formulas else {}).items():
        overlay.setdefault(row_index, []).append((column, text))

    def rows() -> Iterator[list[Any]]:
        try:
            for number, row in enumerate(sheet.iter_rows()):
                if first_column:
                    row = [""] * first_column + row
                for column, text in overlay.get(number, ()):
                    if column < len(row) and row[column] == "":
                        row[column] = text
                yield row
        finally:
            workbook.close()

    return sheet.name, rows()


# XLSX --------------------------------------------------------------------------------

CHUNK = 4 * MB
MAX_ROW_NUMBER = 1_048_576  # Excel's limits
MAX_COLUMNS = 16_384
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c, x:row)
# A cell's reference; the literal start keeps the search fast over 100 MB.
_CELL_REF = re.compile(rb' r="([A-Za-z]+)([0-9]+)"')
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s>/]")
_CELL_STARTS = (b"<c ", b"<c>", b":c ", b":c>")
_FORMULA_STARTS = (b"<f>", b"<f ", b":f>", b":f ")
_ROW = re.compile(
    rb"<" + _PREFIX + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _PREFIX + rb"row>)", re.S
)
_ROW_NUMBER = re.compile(rb'\sr="([0-9]+)"')
_CELL = re.compile(
    rb"<" + _PREFIX + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _PREFIX + rb"c>)", re.S
)
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f\b[^>]*>(.*?)</" + _PREFIX + rb"f>", re.S)
# A stored value: <v>3</v> or an inline string (openpyxl writes <v /> for none).
_VALUE = re.compile(rb"<" + _PREFIX + rb"(?:v\b[^>]*?(?<!/)>[^<]|is\b)")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _column_index(letters: bytes) -> int:
    number = 0
    for byte in letters.upper():
        number = number * 26 + byte - 64
    return number - 1


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


@dataclass
class _SheetScan:
    last_row: int = 0  # 1-based
    last_column: int = 0  # 1-based
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def _sheet_scan(stream: IO[bytes], error_class: ErrorClass) -> _SheetScan:
    """One pass over a worksheet's XML, in chunks: the area its cells span (the
    reader allocates it whole, so a tiny file with cells in A1 and XFD1048576 would
    take gigabytes), and the formulas stored without a value."""
    scan = _SheetScan()
    buffer = b""
    while True:
        chunk = stream.read(CHUNK)
        buffer += chunk
        cut = buffer.rfind(b"row>") + 4 if chunk else len(buffer)
        if cut < 4:
            if len(buffer) > 4 * CHUNK:  # no row ends in 16 MB: not a real sheet
                raise _refuse(error_class, _damaged_message())
            continue
        part, buffer = buffer[:cut], buffer[cut:]
        references = _CELL_REF.findall(part)
        if references:
            letters = {letters for letters, _number in references}
            numbers = {number for _letters, number in references}
            scan.last_column = max(
                scan.last_column, *(_column_index(c) + 1 for c in letters)
            )
            scan.last_row = max(scan.last_row, *(int(n) for n in numbers))
        if sum(part.count(start) for start in _CELL_STARTS) > len(references):
            _positional_cells(part, scan)
        if any(start in part for start in _FORMULA_STARTS):
            _formulas_without_value(part, scan)
        if not chunk:
            return scan


def _positional_cells(part: bytes, scan: _SheetScan) -> None:
    """Cells without a reference stand in order from column A of their row (rare
    writers): bound the area by each row's cell count and number."""
    row_number = scan.last_row
    for match in _ROW.finditer(part):
        found = _ROW_NUMBER.search(match.group(1))
        row_number = int(found.group(1)) if found else row_number + 1
        scan.last_row = max(scan.last_row, row_number)
        cells = len(_CELL_TAG.findall(match.group(2) or b""))
        scan.last_column = max(scan.last_column, cells)


def _formulas_without_value(part: bytes, scan: _SheetScan) -> None:
    for match in _CELL.finditer(part):
        inner = match.group(2)
        if not inner or _VALUE.search(inner):
            continue
        formula = _FORMULA.search(inner)
        reference = _CELL_REF.search(b" " + match.group(1).strip())
        if formula is None or reference is None or not formula.group(1):
            continue
        letters, number = reference.groups()
        scan.formulas[(int(number) - 1, _column_index(letters))] = "=" + _xml_text(
            formula.group(1)
        )


def _xlsx_sheet_part(archive: zipfile.ZipFile, sheet_index: int) -> str:
    """The zip member of the workbook's `sheet_index`-th sheet."""
    names = set(archive.namelist())
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet_ids = [
        element.get(f"{{{_REL_NS}}}id")
        for element in workbook.iter()
        if element.tag.rsplit("}", 1)[-1] == "sheet"
    ]
    targets = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = (
                target.lstrip("/")
                if target.startswith("/")
                else "xl/" + target.removeprefix("./")
            )
    if sheet_index < len(sheet_ids) and targets.get(sheet_ids[sheet_index]) in names:
        return targets[sheet_ids[sheet_index]]
    raise KeyError("worksheet part")


def _xlsx_read(
    content: bytes, sheet_name: str, limits: SpreadsheetLimits, error_class: ErrorClass
) -> SpreadsheetRows:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(error_class, _damaged_message()) from None
    with archive:
        zip_check(archive, limits=limits, error_class=error_class)
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            # A zip but no workbook: .xlsb, .ods, .docx, an H5P package…
            raise _refuse(error_class, _damaged_message())
        workbook = _calamine_open(content, error_class)
        index = _sheet_choose(workbook, sheet_name, error_class)
        try:
            part = _xlsx_sheet_part(archive, index)
            with archive.open(part) as stream:
                scan = _sheet_scan(stream, error_class)
        except ValidationError:
            workbook.close()
            raise
        except (
            KeyError,
            ValueError,
            OSError,
            EOFError,
            zlib.error,
            zipfile.BadZipFile,
        ):
            workbook.close()
            raise _refuse(error_class, _damaged_message()) from None
    _area_check(scan.last_row, scan.last_column, limits, error_class)
    name, rows = _sheet_rows(workbook, index, error_class, lambda _name: scan.formulas)
    return SpreadsheetRows(
        rows=rows, kind="xlsx", sheet_name=name, sheet_names=workbook.sheet_names
    )


def _area_check(
    last_row: int, last_column: int, limits: SpreadsheetLimits, error_class: ErrorClass
) -> None:
    if last_row > MAX_ROW_NUMBER or last_column > MAX_COLUMNS:
        raise _refuse(error_class, _damaged_message())
    if last_row * last_column > limits.max_cells:
        raise _too_wide(last_row, last_column, error_class)


def _too_wide(last_row: int, last_column: int, error_class: ErrorClass):
    return _refuse(
        error_class,
        _(
            "The sheet has cells as far as row %(row)s and column %(column)s, far "
            "beyond the rows it holds, so it was not opened. Copy the rows into a new "
            "workbook (or the template) and upload that."
        )
        % {"row": last_row, "column": last_column},
    )


# XLS (BIFF8 in an OLE compound file) -------------------------------------------------

_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_BIFF_BOF = 0x0809
_BIFF_FILEPASS = 0x002F
# Cell records (row, column first): LABELSST NUMBER RK FORMULA BOOLERR LABEL RSTRING.
_BIFF_CELLS = {0x00FD, 0x0203, 0x027E, 0x0006, 0x0205, 0x0204, 0x00D6}
_BIFF_MULRK = 0x00BD


class _DamagedFile(Exception):
    pass


def _ole_streams(content: bytes) -> dict[str, bytes]:
    """The streams at the top of an OLE compound file (what .xls and encrypted
    Office files are), by lower-case name. Checks every chain, so a damaged file
    raises _DamagedFile instead of looping."""
    if len(content) < 512 or not content.startswith(OLE_MAGIC):
        raise _DamagedFile
    sector_shift, mini_shift = struct.unpack_from("<HH", content, 30)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise _DamagedFile
    size = 1 << sector_shift
    fat_count, directory_start = struct.unpack_from("<II", content, 44)
    mini_cutoff, minifat_start, _minifat_count, difat_start = struct.unpack_from(
        "<IIII", content, 56
    )
    sectors = -(-len(content) // size) - 1  # the header takes the first
    if fat_count > sectors:
        raise _DamagedFile

    def sector(number: int) -> bytes:
        if number >= sectors:
            raise _DamagedFile
        return content[size * (number + 1) : size * (number + 2)]

    difat = list(struct.unpack_from("<109I", content, 76))
    next_sector, seen = difat_start, 0
    while next_sector not in (_END_OF_CHAIN, _FREE) and len(difat) < fat_count + 109:
        block = sector(next_sector)
        difat.extend(struct.unpack_from(f"<{size // 4 - 1}I", block))
        next_sector = struct.unpack_from("<I", block, size - 4)[0]
        seen += 1
        if seen > sectors:
            raise _DamagedFile
    fat: list[int] = []
    for number in difat[:fat_count]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(number)))

    def chain(start: int, table: list[int]) -> Iterator[int]:
        number, steps = start, 0
        while number not in (_END_OF_CHAIN, _FREE):
            if number >= len(table) or steps > len(table):
                raise _DamagedFile
            yield number
            number, steps = table[number], steps + 1

    directory = b"".join(sector(n) for n in chain(directory_start, fat))
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        name_length, kind = struct.unpack_from("<HB", directory, offset + 64)
        name = directory[offset : offset + max(name_length - 2, 0)].decode(
            "utf-16-le", "replace"
        )
        start, stream_size = struct.unpack_from("<II", directory, offset + 116)
        entries.append((name, kind, start, stream_size))
    if not entries:
        raise _DamagedFile
    _root, _kind, mini_start, mini_size = entries[0]
    mini_stream = b"".join(sector(n) for n in chain(mini_start, fat))[:mini_size]
    minifat: list[int] = []
    for number in chain(minifat_start, fat):
        minifat.extend(struct.unpack(f"<{size // 4}I", sector(number)))
    streams = {}
    for name, kind, start, stream_size in entries[1:]:
        if kind != 2:  # streams only
            continue
        if stream_size < mini_cutoff:
            data = b"".join(
                mini_stream[n * 64 : n * 64 + 64] for n in chain(start, minifat)
            )
        else:
            data = b"".join(sector(n) for n in chain(start, fat))
        if len(data) < stream_size:
            raise _DamagedFile
        streams[name.lower()] = data[:stream_size]
    return streams


def _biff_areas(stream: bytes) -> tuple[bool, list[tuple[int, int]]]:
    """(encrypted, [(last row, last column) per sheet]) from a BIFF workbook
    stream, 1-based; blank cells are not counted, as the reader skips them."""
    encrypted = False
    areas: list[tuple[int, int]] = []
    last_row = last_column = 0
    position, end = 0, len(stream) - 4
    while position <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        if kind == _BIFF_BOF:
            if last_row or last_column:
                areas.append((last_row, last_column))
            last_row = last_column = 0
        elif kind == _BIFF_FILEPASS:
            encrypted = True
            break
        elif kind in _BIFF_CELLS and length >= 4:
            row, column = struct.unpack_from("<HH", stream, body)
            last_row, last_column = max(last_row, row + 1), max(last_column, column + 1)
        elif kind == _BIFF_MULRK and length >= 6:
            row = struct.unpack_from("<H", stream, body)[0]
            column = struct.unpack_from("<H", stream, body + length - 2)[0]
            last_row, last_column = max(last_row, row + 1), max(last_column, column + 1)
        position = body + length
    if last_row or last_column:
        areas.append((last_row, last_column))
    return encrypted, areas


def _xls_read(
    content: bytes, sheet_name: str, limits: SpreadsheetLimits, error_class: ErrorClass
) -> SpreadsheetRows:
    try:
        streams = _ole_streams(content)
    except (_DamagedFile, struct.error, UnicodeError):
        raise _refuse(error_class, _damaged_message()) from None
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        raise _password_protected(error_class)
    book = streams.get("workbook") or streams.get("book")
    if book is None:  # a Word or other Office file
        raise _refuse(error_class, _damaged_message())
    encrypted, areas = _biff_areas(book)
    if encrypted:
        raise _password_protected(error_class)
    # The reader materialises every sheet of an .xls when it opens it.
    if sum(rows * columns for rows, columns in areas) > limits.max_cells:
        last_row, last_column = max(areas, key=lambda area: area[0] * area[1])
        raise _too_wide(last_row, last_column, error_class)
    workbook = _calamine_open(content, error_class)
    index = _sheet_choose(workbook, sheet_name, error_class)
    name, rows = _sheet_rows(workbook, index, error_class)
    return SpreadsheetRows(
        rows=rows, kind="xls", sheet_name=name, sheet_names=workbook.sheet_names
    )
