"""Spreadsheet intake and output (assessments.spreadsheets) with files made the way
real tools make them: openpyxl (shared strings; inline strings in write-only mode),
LibreOffice Calc saving as Excel 2007+ and as Excel 97-2003 (spreadsheet_files/,
see make_files.py there), Excel's "CSV (逗号分隔)" on Chinese Windows (GBK, CRLF),
"CSV UTF-8" (BOM), zip bombs, truncated and renamed files."""

import codecs
import csv
import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from assessments import spreadsheets
from assessments.spreadsheets import (
    SpreadsheetError,
    cell_text,
    csv_bytes,
    csv_decode,
    csv_stream,
    lookup_key,
    spreadsheet_bytes,
    spreadsheet_limits,
    spreadsheet_read,
    spreadsheet_safe,
    xlsx_bytes,
)

# An autouse fixture of the suite reads permissions.
pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "spreadsheet_files"
HEADER = ["工号", "姓名", "部门", "入职日期", "学时", "部门全称", "身份证号"]
# What roster_calc.xlsx and roster_legacy.xls hold, as read (make_files.py).
CALC_ROWS = [
    HEADER,
    ["1001", "张伟", "QX-XZSP", "2021-09-01", "12.5", "QX-XZSP/窗口", "0101"],
    ["QX1002", "李娜", "QX-DSJ", "2018-03-15", "40", "3", "0202"],
]
DAMAGED = "could not be read as an Excel workbook"


def refused(content: bytes, *fragments: str, **kwargs) -> str:
    """Reading (all of it) must fail with every fragment in the message."""
    with pytest.raises(SpreadsheetError) as caught:
        list(spreadsheet_read(content, **kwargs))
    message = " ".join(caught.value.messages)
    for fragment in fragments:
        assert fragment in message, message
    return message


def openpyxl_book(rows: list[list], *, write_only: bool = False, title="花名册"):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet(title) if write_only else workbook.active
    if not write_only:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def raw_book(sheet_data: bytes) -> bytes:
    """A minimal workbook around hand-written sheet XML, as some government systems'
    exporters write it (inline strings, no styles, no shared strings)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{office}"><sheets><sheet name="S" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{rels}"><Relationship Id="rId1" '
            f'Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData>'.encode()
            + sheet_data
            + b"</sheetData></worksheet>",
        )
    return buffer.getvalue()


def excel_csv(rows: list[list[str]], encoding: str) -> bytes:
    """CSV as Excel saves it: CRLF, quotes where needed, in `encoding`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# Workbooks as tools write them ----------------------------------------------------


def test_an_openpyxl_workbook_reads_as_the_text_people_typed():
    content = openpyxl_book(
        [
            HEADER[:5] + ["公式", "备注", "在职"],
            [
                1001,
                "  张伟 ",
                "QX-XZSP",
                datetime.date(2021, 9, 1),
                12.5,
                '=HYPERLINK("http://x","张三")',
                None,
                True,
            ],
            [1002.0, "李娜", "QX-DSJ", datetime.datetime(2018, 3, 15, 9, 30), 40],
        ]
    )
    result = spreadsheet_read(content, file_name="roster.xlsx")
    assert (result.kind, result.sheet_name) == ("xlsx", "花名册")
    rows = list(result)
    assert rows[1] == [
        "1001",
        "张伟",
        "QX-XZSP",
        "2021-09-01",
        "12.5",
        # No value stored (openpyxl computes nothing): the formula's text, never run.
        '=HYPERLINK("http://x","张三")',
        "",
        "true",
    ]
    assert rows[2][:5] == ["1002", "李娜", "QX-DSJ", "2018-03-15 09:30:00", "40"]


def test_inline_strings_as_openpyxl_write_only_and_exporters_write_them():
    rows = [HEADER, ["P0000001", "马莎宇", "QX-SJJ", datetime.date(2024, 9, 4)]]
    content = openpyxl_book(rows, write_only=True)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"inlineStr" in archive.read("xl/worksheets/sheet1.xml")
    assert list(spreadsheet_read(content))[1] == [
        "P0000001",
        "马莎宇",
        "QX-SJJ",
        "2024-09-04",
        "",
        "",
        "",
    ]
    # Cells in any namespace prefix, escaped characters, a control character as
    # Excel escapes it (_x0001_), and a formula whose value was stored.
    content = raw_book(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>A &amp; B</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>x_x0001_y</t></is></c>'
        b'<c r="C1"><f>1+2</f><v>3</v></c></row>'
    )
    assert list(spreadsheet_read(content)) == [["A & B", "xy", "3"]]


def test_a_workbook_saved_by_libreoffice_as_excel_does():
    content = (FILES / "roster_calc.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "xl/sharedStrings.xml" in archive.namelist()
    result = spreadsheet_read(content, file_name="花名册.xlsx", identifier_columns=[0])
    assert result.sheet_names == ["花名册", "说明"]
    # Stored formula values are what the person saw; full-width ＱＸ１００２ is QX1002.
    assert list(result) == CALC_ROWS


def test_a_legacy_xls_saved_as_excel_97_2003():
    content = (FILES / "roster_legacy.xls").read_bytes()
    assert content.startswith(spreadsheets.OLE_MAGIC)
    result = spreadsheet_read(content, file_name="花名册.xls", identifier_columns=[0])
    assert (result.kind, result.sheet_name) == ("xls", "花名册")
    assert list(result) == CALC_ROWS


def test_rows_and_columns_keep_their_place_when_the_sheet_starts_lower_down():
    workbook = Workbook()
    sheet = workbook.active
    sheet["C3"], sheet["D3"], sheet["D5"] = "工号", "姓名", "张伟"
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(spreadsheet_read(buffer.getvalue()))
    assert rows[2] == ["", "", "工号", "姓名"]
    assert rows[4] == ["", "", "", "张伟"]
    assert not any(rows[0] + rows[1] + rows[3])


def test_the_named_sheet_is_read_else_the_first_visible_worksheet():
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["hidden notes"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Questions").append(["code"])
    workbook.create_sheet("Other").append(["other"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    assert list(spreadsheet_read(content)) == [["code"]]
    assert list(spreadsheet_read(content, sheet_name="Other")) == [["other"]]


# CSV ----------------------------------------------------------------------------------

ROWS = [
    HEADER[:3],
    ["1001", "张伟", "清溪县/行政审批服务局, 窗口"],
    ["1002", "李娜", ""],
]


@pytest.mark.parametrize(
    "encoding, expected",
    [("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig")],
)
def test_csv_as_excel_saves_it_on_chinese_windows(encoding, expected):
    content = excel_csv(ROWS, encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    result = spreadsheet_read(content, file_name="花名册.csv")
    assert (result.kind, result.encoding) == ("csv", expected)
    assert list(result) == ROWS


def test_tab_separated_text_as_wps_saves_it():
    content = "工号\t姓名\r\n1001\t张伟\r\n".encode("gbk")
    assert list(spreadsheet_read(content)) == [["工号", "姓名"], ["1001", "张伟"]]


def test_a_csv_mixing_utf8_and_gbk_lines_is_refused():
    content = excel_csv(ROWS[:2], "utf-8") + excel_csv(ROWS[2:], "gbk")
    content += "1003,王芳,\r\n".encode("gbk")
    refused(content, "mixes text encodings", "line 1", "line 3", "CSV UTF-8")
    # A BOM promises UTF-8: GBK after it is a mix as well.
    refused(codecs.BOM_UTF8 + excel_csv(ROWS, "gbk"), "mixes text encodings")


def test_utf16_latin1_and_nul_text_are_refused():
    refused(excel_csv(ROWS, "utf-16"), "UTF-16")
    with pytest.raises(SpreadsheetError) as caught:
        csv_decode("a,b\r\nCafé,\xff\r\n".encode("latin-1"))
    assert "first problem on line 2" in caught.value.messages[0]
    with pytest.raises(SpreadsheetError) as caught:
        csv_decode(b"a,b\r\n1,\x00\r\n")
    assert "NUL" in caught.value.messages[0]


def test_utf8_only_formats_refuse_gbk_with_how_to_save_as_utf8():
    with pytest.raises(SpreadsheetError) as caught:
        csv_decode(excel_csv(ROWS, "gbk"), legacy_chinese=False)
    assert "GBK/GB18030" in caught.value.messages[0]
    assert "line 1" in caught.value.messages[0]


def test_a_damaged_csv_line_is_refused_when_reached():
    # A quotation mark left open swallows the rest of the file into one cell.
    content = b'a,b\r\n1,2\r\n"open,' + b"x" * 200_000 + b"\r\n"
    rows = iter(spreadsheet_read(content))
    assert next(rows) == ["a", "b"]
    with pytest.raises(SpreadsheetError):
        list(rows)


def test_a_xlsx_that_is_really_a_csv_is_read_as_csv():
    content = excel_csv(ROWS, "gbk")
    result = spreadsheet_read(content, file_name="花名册.xlsx")
    assert result.kind == "csv"
    assert list(result) == ROWS


def test_a_web_page_saved_as_xls_is_refused_with_what_to_do():
    page = "<html><body><table><tr><td>工号</td></tr></table></body></html>"
    refused(page.encode(), "web page", "save it as .xlsx", file_name="导出.xls")
    refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet")


# Refusals before anything is opened ------------------------------------------------


@pytest.fixture
def never_opened(monkeypatch):
    class NeverOpened:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("the workbook must not be opened")

    monkeypatch.setattr(spreadsheets, "CalamineWorkbook", NeverOpened)


def test_a_zip_bomb_is_refused_by_its_packing_ratio(never_opened):
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", row * 1_000_000)
    bomb = buffer.getvalue()
    assert len(bomb) < 200_000
    refused(bomb, "unpacks to far more data", file_name="bomb.xlsx")


def test_a_zip_bomb_is_refused_by_its_unpacked_size(never_opened, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"x" * (3 * 1024 * 1024))
    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    refused(buffer.getvalue(), "unpacks to more than 2 MB")


def test_a_tiny_sheet_spanning_a_million_rows_is_refused_before_it_is_read(
    monkeypatch,
):
    # The reader allocates the area the cells span: A1 and XFD1048576 would take
    # terabytes and abort the worker. Refused from a scan of the sheet XML.
    content = raw_book(
        b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    assert len(content) < 2000
    sheet_opened = []
    real = spreadsheets._sheet_rows
    monkeypatch.setattr(
        spreadsheets,
        "_sheet_rows",
        lambda *args, **kwargs: sheet_opened.append(True) or real(*args, **kwargs),
    )
    refused(content, "row 1048576", "column 16384")
    assert not sheet_opened


def test_a_sparse_sheet_of_positional_cells_is_refused_as_well():
    wide = b"<c><v>1</v></c>" * 200
    content = raw_book(b"<row>" + wide + b'</row><row r="1000000">' + wide + b"</row>")
    refused(content, "row 1000000", "column 200")


def test_protected_damaged_and_foreign_files_are_refused_with_what_to_do():
    refused((FILES / "protected.xlsx").read_bytes(), "password", "remove the password")
    calc = (FILES / "roster_calc.xlsx").read_bytes()
    legacy = (FILES / "roster_legacy.xls").read_bytes()
    for truncated in (calc[: len(calc) // 2], calc[:-40], legacy[: len(legacy) // 2]):
        refused(truncated, DAMAGED, ".xlsx")
    refused(b"\xd0\xcf\x11\xe0" + b"\0" * 100, DAMAGED)
    refused(b"PK\x03\x04 not really a zip", DAMAGED)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    refused(buffer.getvalue(), DAMAGED)


def test_oversize_and_empty_uploads_are_refused_without_reading_them(settings):
    settings.SPREADSHEET_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.xlsx", b"PK")
    upload.size = 2048
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheet_bytes(upload)
    assert "larger than 0" in caught.value.messages[0]
    assert upload.tell() == 0
    for empty in (b"", codecs.BOM_UTF8, b" \r\n"):
        with pytest.raises(SpreadsheetError, match="empty"):
            spreadsheet_bytes(io.BytesIO(empty))
    assert spreadsheet_bytes(io.BytesIO(b"a,b\r\n")) == b"a,b\r\n"


def test_more_rows_than_the_limit_are_refused_while_reading(settings):
    settings.SPREADSHEET_MAX_ROWS = 3
    rows = [["工号"]] + [[f"E{n}"] for n in range(3)]
    assert len(list(spreadsheet_read(excel_csv(rows, "utf-8")))) == 4
    rows += [[""], ["E4"]]
    refused(openpyxl_book(rows), "more than 3 rows")


def test_a_caller_gets_its_own_error_class():
    class RosterFileError(ValidationError):
        pass

    with pytest.raises(RosterFileError):
        spreadsheet_read(b"PK\x03\x04 broken", error_class=RosterFileError)
    limits = spreadsheet_limits(max_bytes=5)
    with pytest.raises(RosterFileError, match="larger than"):
        spreadsheet_read(b"a,b,c\r\n", limits=limits, error_class=RosterFileError)


# Cell text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        (1001, "1001"),
        (1001.0, "1001"),
        (13800138000.0, "13800138000"),
        (12.5, "12.5"),
        (True, "true"),
        (datetime.date(2024, 3, 1), "2024-03-01"),
        (datetime.datetime(2024, 3, 1), "2024-03-01"),
        (datetime.datetime(2024, 3, 1, 8, 5, 9, 7), "2024-03-01 08:05:09"),
        (datetime.time(8, 30), "08:30:00"),
        ("  张伟\u3000", "张伟"),
        ("a\x00b\x07c\ud800\x7f", "abc"),
        ("line\nbreak", "line\nbreak"),
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'-3", "-3"),
        ("'plain", "'plain"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


def test_identifiers_and_lookup_keys_fold_full_width_characters():
    assert cell_text("ＱＸ－１００２", identifier=True) == "QX-1002"
    assert cell_text("ＱＸ－１００２") == "ＱＸ－１００２"
    assert lookup_key(" 工号（Ｅｍｐｌｏｙｅｅ） ") == "工号(employee)"


# Output -------------------------------------------------------------------------------

INJECTIONS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-3+4",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


def test_spreadsheet_safe_neutralises_formulas_and_drops_illegal_characters():
    assert [spreadsheet_safe(text) for text in INJECTIONS] == [
        "'" + text for text in INJECTIONS
    ]
    assert spreadsheet_safe("张\x01伟\x1f") == "张伟"
    assert spreadsheet_safe("\x02=1+1") == "'=1+1"
    assert spreadsheet_safe(-3) == -3
    assert spreadsheet_safe("a\tb\nc") == "a\tb\nc"


def test_xlsx_export_holds_no_formula_and_reads_back_unchanged():
    rows = [[text, n, "名字\x01"] for n, text in enumerate(INJECTIONS)]
    content = xlsx_bytes(rows, sheet_title="合规", header=["=Name", "n", "名字"])
    sheet = load_workbook(io.BytesIO(content))["合规"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert sheet["A1"].value == "'=Name" and sheet["A1"].font.bold
    assert sheet["A2"].value == "'" + INJECTIONS[0]
    assert sheet["C2"].value == "名字"
    read = list(spreadsheet_read(content))
    assert [row[0] for row in read[1:5]] == INJECTIONS[:4]


def test_csv_export_has_a_bom_crlf_and_neutralised_cells():
    chunks = list(csv_stream([["姓名", "工号"], ["=1+2", 7], ["张伟", None]]))
    assert chunks[0] == codecs.BOM_UTF8
    assert b"".join(chunks[1:]) == "姓名,工号\r\n'=1+2,7\r\n张伟,\r\n".encode()
    assert csv_bytes([["=1+2"]], neutralise=False) == codecs.BOM_UTF8 + b"=1+2\r\n"
    # Excel's CSV reads back to the same text.
    assert list(spreadsheet_read(csv_bytes([["-3+4", "工号"]]))) == [["-3+4", "工号"]]


def test_refusals_read_in_chinese_for_a_chinese_officer():
    from django.utils import translation

    with translation.override("zh-hans"):
        message = refused((FILES / "protected.xlsx").read_bytes())
        assert "密码" in message
        assert "混用" in refused(codecs.BOM_UTF8 + excel_csv(ROWS, "gbk"))
