import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from assessments import question_bank as question_io
from assessments import spreadsheets
from assessments.models import Question, QuestionOption
from assessments.question_bank import COLUMNS, QuestionImportError, importing
from tests.assessments.quiz_factories import CategoryFactory, small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    fw = small_framework()
    CategoryFactory(code="egov-service", name="E-government service operation")
    CategoryFactory(code="security", name="Security")
    return fw


def xlsx(rows: list[dict], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Questions"
    header = header or COLUMNS
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return buffer.getvalue().encode(encoding)


def sheet_rows(data: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook["Questions"].iter_rows(values_only=True)]


def row(**values) -> dict:
    base = {
        "code": "Q-1",
        "category": "egov-service",
        "competency": "T-1.1",
        "level": 2,
        "type": "single",
        "text_zh": "题目",
        "text_en": "Question",
        "option_1_zh": "甲",
        "option_1_en": "A",
        "option_2_zh": "乙",
        "option_2_en": "B",
        "correct": "1",
    }
    base.update(values)
    return base


MIXED = [
    row(code="S-1"),
    row(
        code="M-1",
        type="multiple",
        option_3_zh="丙",
        option_3_en="C",
        correct="A，C",  # letters and a full-width comma
        partial_credit="all",
        points=2,
    ),
    row(
        code="T-1",
        type="判断题",
        option_1_zh="",
        option_1_en="",
        option_2_zh="",
        option_2_en="",
        correct="错误",
    ),
    row(
        code="SH-1",
        type="short",
        option_1_zh="",
        option_1_en="",
        option_2_zh="",
        option_2_en="",
        correct="",
        accepted_answers="全程网办 | fully online",
    ),
    row(
        code="N-1",
        type="numeric",
        option_1_zh="",
        option_1_en="",
        option_2_zh="",
        option_2_en="",
        correct="",
        numeric_answer="１２.５",
        tolerance=0.5,
        explanation_en="Because.",
    ),
]


def test_xlsx_import_of_every_type(bank):
    result = question_io.question_bank_import(file=xlsx(MIXED), filename="bank.xlsx")
    assert (result.created, result.updated) == (5, 0)

    multiple = Question.objects.get(code="M-1")
    assert multiple.type == "multiple" and multiple.partial_credit == "all"
    assert multiple.points == Decimal("2")
    assert [
        (o.text, o.is_correct) for o in multiple.options.order_by("sort_order")
    ] == [
        ("A", True),
        ("B", False),
        ("C", True),
    ]
    truefalse = Question.objects.get(code="T-1")
    assert truefalse.type == "truefalse"
    assert [(o.text, o.text_zh, o.is_correct) for o in truefalse.options.all()] == [
        ("True", "正确", False),
        ("False", "错误", True),
    ]
    assert Question.objects.get(code="SH-1").accepted_answers == [
        "全程网办",
        "fully online",
    ]
    numeric = Question.objects.get(code="N-1")
    assert (numeric.numeric_answer, numeric.numeric_tolerance) == (
        Decimal("12.5"),
        Decimal("0.5"),
    )
    assert numeric.explanation == "Because." and numeric.level == 2
    assert (
        numeric.competency.code == "T-1.1" and numeric.category.code == "egov-service"
    )


def test_reimport_updates_by_code_and_keeps_option_ids(bank):
    question_io.question_bank_import(
        file=xlsx([row(option_3_en="C", option_3_zh="丙")])
    )
    question = Question.objects.get(code="Q-1")
    first_ids = list(
        question.options.order_by("sort_order").values_list("pk", flat=True)
    )

    result = question_io.question_bank_import(
        file=xlsx([row(text_en="Question, reworded", correct="2")])
    )
    assert (result.created, result.updated) == (0, 1)
    question.refresh_from_db()
    assert question.text == "Question, reworded"
    options = list(question.options.order_by("sort_order"))
    assert [o.pk for o in options] == first_ids[:2]
    assert [o.is_correct for o in options] == [False, True]
    assert QuestionOption.objects.count() == 2


BAD_ROWS = [
    ("unknown competency", {"competency": "T-9.9"}, "competency"),
    ("unknown category", {"category": "nope"}, "category"),
    ("level above the scale", {"level": 5}, "level"),
    ("level zero", {"level": 0}, "level"),
    ("level not a number", {"level": "high"}, "level"),
    ("bad type", {"type": "essay"}, "type"),
    ("missing correct option", {"correct": ""}, "correct"),
    ("correct option that does not exist", {"correct": "4"}, "correct"),
    ("single with two correct", {"correct": "1,2"}, "correct"),
    ("one option only", {"option_2_zh": "", "option_2_en": ""}, "option_1_zh"),
    (
        "gap in the options",
        {"option_2_zh": "", "option_2_en": "", "option_3_en": "C"},
        "option_2_zh",
    ),
    ("no question text", {"text_zh": "", "text_en": ""}, "text_zh"),
    ("points not a number", {"points": "many"}, "points"),
    ("bad partial credit", {"partial_credit": "some"}, "partial_credit"),
    ("missing code", {"code": ""}, "code"),
    ("duplicate code in file", {"code": "GOOD"}, "code"),
    (
        "numeric not a number",
        {
            "type": "numeric",
            "option_1_zh": "",
            "option_1_en": "",
            "option_2_zh": "",
            "option_2_en": "",
            "numeric_answer": "twelve",
        },
        "numeric_answer",
    ),
    (
        "numeric without answer",
        {
            "type": "numeric",
            "option_1_zh": "",
            "option_1_en": "",
            "option_2_zh": "",
            "option_2_en": "",
        },
        "numeric_answer",
    ),
    (
        "negative tolerance",
        {
            "type": "numeric",
            "option_1_zh": "",
            "option_1_en": "",
            "option_2_zh": "",
            "option_2_en": "",
            "numeric_answer": 3,
            "tolerance": -1,
        },
        "tolerance",
    ),
    (
        "short without accepted answers",
        {
            "type": "short",
            "option_1_zh": "",
            "option_1_en": "",
            "option_2_zh": "",
            "option_2_en": "",
        },
        "accepted_answers",
    ),
    (
        "true/false with a bad answer",
        {
            "type": "truefalse",
            "option_1_zh": "",
            "option_1_en": "",
            "option_2_zh": "",
            "option_2_en": "",
            "correct": "maybe",
        },
        "correct",
    ),
    (
        "true/false with options",
        {"type": "truefalse", "correct": "true"},
        "option_1_zh",
    ),
]


@pytest.mark.parametrize(
    ("case", "values", "column"), BAD_ROWS, ids=[case for case, *_ in BAD_ROWS]
)
def test_a_bad_row_is_reported_by_row_and_nothing_is_written(
    bank, case, values, column
):
    data = xlsx([row(code="GOOD"), row(**{"code": "BAD", **values})])
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=data, filename="bank.xlsx")
    assert exc.value.messages[0].startswith(f"Row 3, column {column}: "), (
        exc.value.messages
    )
    assert not Question.objects.exists()


def test_every_error_is_reported_at_once(bank):
    data = xlsx(
        [
            row(code="A", level=9),
            row(code="B"),
            row(code="C", type="essay", competency="X"),
        ]
    )
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=data)
    assert [m.split(":")[0] for m in exc.value.messages] == [
        "Row 2, column level",
        "Row 4, column competency",
        "Row 4, column type",
    ]
    assert not Question.objects.exists()


def test_errors_read_in_chinese_for_a_chinese_officer(bank):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=xlsx([row(code="A", level=9)]))
    assert exc.value.messages[0].startswith("第2行")
    assert not Question.objects.exists()


def test_a_bad_row_does_not_leave_earlier_updates_behind(bank):
    question_io.question_bank_import(file=xlsx([row(code="KEEP")]))
    with pytest.raises(QuestionImportError):
        question_io.question_bank_import(
            file=xlsx([row(code="KEEP", text_en="changed"), row(code="X", level=7)])
        )
    assert Question.objects.get(code="KEEP").text == "Question"
    assert Question.objects.count() == 1


def test_header_problems_are_reported_on_row_1(bank):
    header = [c for c in COLUMNS if c != "level"] + ["colour"]
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=xlsx([row()], header=header))
    assert exc.value.messages == [
        "Row 1, column colour: Unknown column. Use the column names of the template.",
        "Row 1, column level: This column is missing; copy it from the template.",
    ]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_the_encodings_excel_writes(bank, encoding):
    data = csv_bytes(
        [row(text_zh="“一网通办”是什么意思？", option_1_zh="一个平台")], encoding
    )
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    question_io.question_bank_import(file=data, filename="bank.csv")
    question = Question.objects.get(code="Q-1")
    assert question.text_zh == "“一网通办”是什么意思？"
    assert question.options.order_by("sort_order").first().text_zh == "一个平台"


def test_csv_in_another_encoding_is_refused(bank):
    data = csv_bytes([row()], "utf-8").replace(b"Question", b"\xff\xfe\xff")
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=data, filename="bank.csv")
    assert "CSV UTF-8" in exc.value.messages[0]


def test_oversize_files_are_refused_before_parsing(bank, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed an oversize file")

    monkeypatch.setattr(importing, "_rows", no_parsing)
    big = b"x" * (question_io.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=big, filename="bank.csv")
    assert "larger than 10 MB" in exc.value.messages[0]
    upload = SimpleUploadedFile("bank.xlsx", b"PK")
    upload.size = question_io.MAX_UPLOAD_BYTES + 1
    with pytest.raises(QuestionImportError):
        question_io.question_bank_import(file=upload, filename=upload.name)


def test_an_xlsx_zip_bomb_is_refused_before_the_workbook_is_opened(
    bank, monkeypatch, settings
):
    class NoLoading:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("opened a zip bomb")

    monkeypatch.setattr(spreadsheets, "CalamineWorkbook", NoLoading)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 20_000
    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 1024 * 1024
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(file=bomb, filename="bank.xlsx")
    assert "unpacks to more than" in exc.value.messages[0]


def test_legacy_xls_and_broken_xlsx_are_refused(bank):
    with pytest.raises(QuestionImportError) as exc:
        question_io.question_bank_import(
            file=b"\xd0\xcf\x11\xe0" + b"\0" * 100, filename="bank.xls"
        )
    assert ".xlsx" in exc.value.messages[0]
    with pytest.raises(QuestionImportError):
        question_io.question_bank_import(file=b"PK\x03\x04garbage", filename="b.xlsx")


def test_export_drops_characters_a_workbook_cannot_hold(bank):
    # Text pasted from elsewhere may carry control characters; the export used to
    # fail on them (openpyxl refuses them) while the compliance export dropped them.
    question_io.question_bank_import(file=xlsx([row(code="C-1")]))
    Question.objects.filter(code="C-1").update(text="Ques\x01tion\x1f")
    exported = sheet_rows(question_io.question_bank_export_xlsx())
    assert exported[1][COLUMNS.index("text_en")] == "Question"
    assert "Ques\x01" not in question_io.question_bank_export_csv().decode("utf-8-sig")


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-3+4", "@SUM(A1)"]


def test_formula_cells_are_imported_as_text_and_neutralised_on_export(bank):
    rows = [
        row(code=f"F-{n}", text_en=text, option_1_en=text)
        for n, text in enumerate(FORMULAS)
    ]
    question_io.question_bank_import(file=xlsx(rows))
    assert sorted(Question.objects.values_list("text", flat=True)) == sorted(FORMULAS)

    exported = sheet_rows(question_io.question_bank_export_xlsx())
    texts = [r[COLUMNS.index("text_en")] for r in exported[1:]]
    assert sorted(texts) == sorted("'" + f for f in FORMULAS)
    workbook = load_workbook(io.BytesIO(question_io.question_bank_export_xlsx()))
    assert all(
        cell.data_type != "f"
        for line in workbook["Questions"].iter_rows()
        for cell in line
    )
    exported_csv = question_io.question_bank_export_csv().decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(exported_csv)))
    assert sorted(line["text_en"] for line in lines) == sorted(
        "'" + f for f in FORMULAS
    )

    # The apostrophe is ours: importing the export gives the original text back.
    question_io.question_bank_import(file=question_io.question_bank_export_xlsx())
    assert sorted(Question.objects.values_list("text", flat=True)) == sorted(FORMULAS)


def test_export_reimports_to_the_same_bank(bank):
    question_io.question_bank_import(file=xlsx(MIXED))
    first = question_io.question_bank_export_xlsx()
    result = question_io.question_bank_import(file=first, filename="export.xlsx")
    assert (result.created, result.updated) == (0, 5)
    assert sheet_rows(question_io.question_bank_export_xlsx()) == sheet_rows(first)
    csv_export = question_io.question_bank_export_csv()
    assert csv_export.startswith(b"\xef\xbb\xbf")
    assert question_io.question_bank_import(file=csv_export).updated == 5


def test_template_downloads_and_imports_cleanly(bank):
    template = question_io.question_template_xlsx()
    workbook = load_workbook(io.BytesIO(template))
    assert workbook.sheetnames == ["Questions", "Instructions", "Codes"]
    rows = sheet_rows(template)
    assert rows[0] == COLUMNS
    types = {r[COLUMNS.index("type")] for r in rows[1:]}
    assert types == {"single", "multiple", "truefalse", "short", "numeric"}
    codes = [c for line in workbook["Codes"].iter_rows(values_only=True) for c in line]
    assert "egov-service" in codes and "T-1.1" in codes

    result = question_io.question_bank_import(file=template, filename="template.xlsx")
    assert result.created == len(rows) - 1
    assert Question.objects.get(code="EXAMPLE-003").options.get(
        is_correct=True
    ).text == ("False")
