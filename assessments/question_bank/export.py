"""The question bank out as XLSX (in the import layout, with type lists) or CSV
(UTF-8 with a BOM so that Excel shows Chinese). Text a spreadsheet would run as a
formula gets a leading apostrophe (assessments.spreadsheets.spreadsheet_safe), which
the import takes off again."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..models import Question, QuestionOption
from ..spreadsheets import csv_bytes, spreadsheet_safe, workbook_bytes
from .layout import CHOICE_TYPES, COLUMNS, MAX_OPTIONS, SHEET_NAME


def _plain_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _question_row(question: Question, options: list[QuestionOption]) -> dict[str, str]:
    row = {column: "" for column in COLUMNS}
    row.update(
        code=question.code,
        category=question.category.code,
        competency=question.competency.code,
        level=str(question.level),
        type=question.type,
        text_zh=question.text_zh,
        text_en=question.text,
        explanation_zh=question.explanation_zh,
        explanation_en=question.explanation,
        points=_plain_number(question.points),
    )
    if question.type in CHOICE_TYPES:
        for n, option in enumerate(options[:MAX_OPTIONS], start=1):
            row[f"option_{n}_zh"] = option.text_zh
            row[f"option_{n}_en"] = option.text
        row["correct"] = ",".join(
            str(n) for n, option in enumerate(options, start=1) if option.is_correct
        )
        if question.type == Question.Type.MULTIPLE:
            row["partial_credit"] = question.partial_credit
    elif question.type == Question.Type.TRUE_FALSE:
        right = next((o for o in options if o.is_correct), None)
        says_true = right is not None and (
            right.text.strip().lower() == "true"
            or right.text_zh.strip() == "正确"
            or (not right.text and options.index(right) == 0)
        )
        row["correct"] = "true" if says_true else "false"
    elif question.type == Question.Type.SHORT:
        row["accepted_answers"] = "|".join(question.accepted_answers or [])
    else:
        row["numeric_answer"] = _plain_number(question.numeric_answer)
        row["tolerance"] = _plain_number(question.numeric_tolerance)
    return row


def _export_rows(questions: QuerySet[Question] | None) -> Iterator[dict[str, str]]:
    queryset = (
        questions if questions is not None else Question.objects.all()
    ).order_by("code")
    queryset = queryset.select_related("category", "competency")
    options: dict[int, list[QuestionOption]] = {}
    for option in QuestionOption.objects.filter(question__in=queryset).order_by(
        "question_id", "sort_order", "pk"
    ):
        options.setdefault(option.question_id, []).append(option)
    for question in queryset:
        yield _question_row(question, options.get(question.pk, []))


def _numeric_cell(column: str, value: str) -> Any:
    """Numbers go to XLSX as numbers, so Excel neither warns nor reformats them."""
    if column in {"level", "numeric_answer", "tolerance", "points"} and value:
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else number
    return spreadsheet_safe(value)


def question_workbook(rows: Iterable[dict[str, str]]) -> Workbook:
    """The Questions sheet: the header, `rows` (cells made spreadsheet-safe), type
    and partial-credit lists; the template adds its sheets to it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append(COLUMNS)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    sheet.freeze_panes = "B2"
    for row in rows:
        sheet.append([_numeric_cell(column, row[column]) for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        width = 40 if column.startswith(("text", "explanation")) else 16
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    types = DataValidation(
        type="list",
        formula1='"single,multiple,truefalse,short,numeric"',
        allow_blank=False,
    )
    partial = DataValidation(
        type="list", formula1='"all,proportional"', allow_blank=True
    )
    sheet.add_data_validation(types)
    sheet.add_data_validation(partial)
    types.add(f"E2:E{max(sheet.max_row, 2) + 500}")
    column = sheet.cell(1, COLUMNS.index("partial_credit") + 1).column_letter
    partial.add(f"{column}2:{column}{max(sheet.max_row, 2) + 500}")
    return workbook


def question_bank_export_xlsx(*, questions: QuerySet[Question] | None = None) -> bytes:
    """The question bank (or `questions`) as an XLSX workbook in the import layout."""
    return workbook_bytes(question_workbook(_export_rows(questions)))


def question_bank_export_csv(*, questions: QuerySet[Question] | None = None) -> bytes:
    """The question bank as CSV, UTF-8 with a BOM so that Excel shows Chinese."""
    rows = ([row[column] for column in COLUMNS] for row in _export_rows(questions))
    return csv_bytes([COLUMNS, *rows])
