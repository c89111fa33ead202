"""A streaming reader for the first sheet of an XLSX workbook, for files of hundreds
of thousands of rows (a province's roster), where openpyxl's read-only mode costs
about 0.2 s per thousand rows and a dimension-less sheet is scanned twice.

It reads what a spreadsheet stores and evaluates nothing: a formula cell gives its
formula text ("=HYPERLINK(…)"), never the computed value, as openpyxl does with
data_only=False. Numbers in a date format become datetime.date; other numbers
int or float; shared and inline strings text; booleans True/False; errors their
code (#N/A). The caller checks the zip's declared sizes before calling (zipfile
never inflates a member beyond its declared size)."""

from __future__ import annotations

import datetime
import html
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

CHUNK = 4 * 1024 * 1024


MAX_ROW_BYTES = 16 * 1024 * 1024


_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c, x:row)


_ROW = re.compile(rb"<" + _P + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"row>)", re.S)


_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c>)", re.S)


_VALUE = re.compile(rb"<" + _P + rb"v>(.*?)</" + _P + rb"v>", re.S)


_FORMULA = re.compile(rb"<" + _P + rb"f\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"f>)", re.S)


_TEXT = re.compile(rb"<" + _P + rb"t(?:\s[^>]*)?>(.*?)</" + _P + rb"t>", re.S)


_PHONETIC = re.compile(rb"<" + _P + rb"rPh\b.*?</" + _P + rb"rPh>", re.S)


_SHARED_ITEM = re.compile(
    rb"<" + _P + rb"si\b[^>]*?(?:/>|>(.*?)</" + _P + rb"si>)", re.S
)


_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class WorkbookError(ValueError):
    """The file is a zip but not a workbook this reader can read."""


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _strings(raw: bytes) -> str:
    return "".join(_text(part) for part in _TEXT.findall(_PHONETIC.sub(b"", raw)))


# Excel's limits: 16,384 columns and 1,048,576 rows.
MAX_COLUMNS = 16384


MAX_ROW_NUMBER = 1048576


def _column(reference: bytes) -> int:
    number = 0
    for byte in reference[:4]:  # XFD is the last column; more letters are corrupt
        if 65 <= byte <= 90:
            number = number * 26 + byte - 64
        elif 97 <= byte <= 122:
            number = number * 26 + byte - 96
        else:
            break
    return number - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Workbook:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        names = set(archive.namelist())
        try:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        except (KeyError, ElementTree.ParseError) as error:
            raise WorkbookError("no workbook part") from error
        self.epoch = datetime.datetime(1899, 12, 30)
        first_sheet_rel = None
        for element in workbook.iter():
            name = _local(element.tag)
            if name == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.epoch = datetime.datetime(1904, 1, 1)
            if name == "sheet" and first_sheet_rel is None:
                first_sheet_rel = element.get(f"{{{_REL_NS}}}id")
        targets = {}
        if "xl/_rels/workbook.xml.rels" in names:
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            for rel in rels:
                target = rel.get("Target", "")
                target = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[rel.get("Id")] = (rel.get("Type", ""), target)
        self.sheet = targets.get(first_sheet_rel, ("", "xl/worksheets/sheet1.xml"))[1]
        if self.sheet not in names:
            raise WorkbookError("no worksheet")
        shared = next(
            (t for kind, t in targets.values() if kind.endswith("/sharedStrings")),
            "xl/sharedStrings.xml",
        )
        self.shared = (
            [
                _strings(item or b"")
                for item in _SHARED_ITEM.findall(archive.read(shared))
            ]
            if shared in names
            else []
        )
        styles = next(
            (t for kind, t in targets.values() if kind.endswith("/styles")),
            "xl/styles.xml",
        )
        self.date_styles = (
            self._date_styles(archive.read(styles)) if styles in names else set()
        )

    @staticmethod
    def _date_styles(raw: bytes) -> set[int]:
        root = ElementTree.fromstring(raw)
        formats = dict(BUILTIN_FORMATS)
        found: set[int] = set()
        for element in root.iter():
            if _local(element.tag) == "numFmt":
                formats[int(element.get("numFmtId", "0"))] = element.get(
                    "formatCode", ""
                )
        for element in root.iter():
            if _local(element.tag) == "cellXfs":
                for index, xf in enumerate(element):
                    code = formats.get(int(xf.get("numFmtId", "0")), "")
                    if code and is_date_format(code):
                        found.add(index)
                break
        return found

    def value(self, attrs: dict[bytes, bytes], inner: bytes | None, shared_f: dict):
        kind = attrs.get(b"t", b"n")
        if inner is None:
            return None
        formula = _FORMULA.search(inner)
        if formula is not None:
            fattrs = dict(_ATTR.findall(formula.group(1) or b""))
            text = formula.group(2)
            index = fattrs.get(b"si")
            if text:
                if index is not None:
                    shared_f[index] = text
                return "=" + _text(text)
            if index is not None and index in shared_f:
                return "=" + _text(shared_f[index])
        if kind == b"inlineStr":
            return _strings(inner)
        found = _VALUE.search(inner)
        if found is None:
            return None
        raw = found.group(1)
        if kind == b"s":
            return self.shared[int(raw)]
        if kind in (b"str", b"e"):
            return _text(raw)
        if kind == b"b":
            return raw.strip() in (b"1", b"true")
        if kind == b"d":
            return datetime.date.fromisoformat(_text(raw)[:10])
        number = float(raw)
        style = attrs.get(b"s")
        if style is not None and int(style) in self.date_styles:
            try:
                return (self.epoch + datetime.timedelta(days=number)).date()
            except OverflowError:
                return number
        return int(number) if number.is_integer() and b"." not in raw else number

    def rows(self) -> Iterator[list[Any]]:
        """Each row as a list of values (None for empty cells), blank rows included,
        so that the list's position is the row number minus one."""
        shared_f: dict[bytes, bytes] = {}
        expected = 1
        with self.archive.open(self.sheet) as stream:
            buffer = b""
            while True:
                chunk = stream.read(CHUNK)
                buffer += chunk
                end = 0
                for match in _ROW.finditer(buffer):
                    end = match.end()
                    attrs = dict(_ATTR.findall(match.group(1)))
                    try:
                        number = int(attrs.get(b"r", expected))
                    except ValueError as error:
                        raise WorkbookError("a row number is not a number") from error
                    if number < expected or number > MAX_ROW_NUMBER:
                        # Sparse or backwards numbering: a tiny file that would
                        # yield millions of blank rows, or a corrupt sheet.
                        raise WorkbookError("row numbers out of order or too large")
                    while expected < number:
                        yield []
                        expected += 1
                    expected = number + 1
                    cells: list[Any] = []
                    for cell in _CELL.finditer(match.group(2) or b""):
                        cattrs = dict(_ATTR.findall(cell.group(1)))
                        reference = cattrs.get(b"r")
                        index = _column(reference) if reference else len(cells)
                        if index >= MAX_COLUMNS:  # Excel's own limit is XFD
                            raise WorkbookError("a cell beyond the last column")
                        if index < len(cells):
                            index = len(cells)
                        cells.extend([None] * (index - len(cells)))
                        cells.append(self.value(cattrs, cell.group(2), shared_f))
                    yield cells
                buffer = buffer[end:]
                if not chunk:
                    return
                if len(buffer) > MAX_ROW_BYTES:
                    raise WorkbookError("a row larger than the limit")


def xlsx_rows(archive: zipfile.ZipFile) -> Iterator[list[Any]]:
    """The rows of the workbook's first sheet (raises WorkbookError when the zip is
    not a workbook)."""
    try:
        workbook = _Workbook(archive)
    except (KeyError, ValueError, ElementTree.ParseError) as error:
        raise WorkbookError(str(error)) from error
    return workbook.rows()
