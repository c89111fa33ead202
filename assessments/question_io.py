"""The question bank as a spreadsheet: import and export as XLSX or CSV, and a
template to start from, the way county HR offices keep question banks in Excel.

Columns (header names, any order; only the first five are required):
    code, category, competency, level, type, text_zh, text_en,
    option_1_zh, option_1_en, … option_6_zh, option_6_en,
    correct, accepted_answers, numeric_answer, tolerance, partial_credit,
    explanation_zh, explanation_en, points

Import validates every row first and writes nothing when any row is wrong; the
errors read "Row N, column X: what to do", N being the row number Excel shows. Rows
are matched to existing questions by code: new codes are created, known ones updated.
Categories and competencies must already exist (a typo must not create a new
category); the error lists the codes that do.

Safety: files over 10 MB are refused before parsing; an XLSX whose members would
unpack to more than MAX_XLSX_UNCOMPRESSED is refused before openpyxl opens it. Cells
starting with = + - @ are imported as plain text (never evaluated); on export such
cells get a leading apostrophe so a spreadsheet does not run them as formulas, and
import removes that apostrophe again, so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .grading import parse_number
from .models import Competency, Question, QuestionCategory, QuestionOption

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_XLSX_MEMBERS = 1000
MAX_OPTIONS = 6
MAX_OPTION_LENGTH = 500
MAX_CODE_LENGTH = 64
SHEET_NAME = "Questions"

OPTION_COLUMNS = [
    f"option_{n}_{lang}" for n in range(1, MAX_OPTIONS + 1) for lang in ("zh", "en")
]
COLUMNS = [
    "code",
    "category",
    "competency",
    "level",
    "type",
    "text_zh",
    "text_en",
    *OPTION_COLUMNS,
    "correct",
    "accepted_answers",
    "numeric_answer",
    "tolerance",
    "partial_credit",
    "explanation_zh",
    "explanation_en",
    "points",
]
REQUIRED_COLUMNS = ("code", "category", "competency", "level", "type")
COLUMN_ALIASES = {
    "text": "text_en",
    "explanation": "explanation_en",
    "accepted": "accepted_answers",
    "numeric_tolerance": "tolerance",
}
TYPE_ALIASES = {
    "single": Question.Type.SINGLE,
    "单选": Question.Type.SINGLE,
    "单选题": Question.Type.SINGLE,
    "multiple": Question.Type.MULTIPLE,
    "多选": Question.Type.MULTIPLE,
    "多选题": Question.Type.MULTIPLE,
    "truefalse": Question.Type.TRUE_FALSE,
    "true/false": Question.Type.TRUE_FALSE,
    "判断": Question.Type.TRUE_FALSE,
    "判断题": Question.Type.TRUE_FALSE,
    "short": Question.Type.SHORT,
    "填空": Question.Type.SHORT,
    "填空题": Question.Type.SHORT,
    "简答": Question.Type.SHORT,
    "numeric": Question.Type.NUMERIC,
    "数值": Question.Type.NUMERIC,
    "数值题": Question.Type.NUMERIC,
}
TRUE_WORDS = {"true", "t", "yes", "y", "正确", "对", "是", "√"}
FALSE_WORDS = {"false", "f", "no", "n", "错误", "错", "否", "×"}
TRUE_FALSE_OPTIONS = (("True", "正确"), ("False", "错误"))
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHOICE_TYPES = (Question.Type.SINGLE, Question.Type.MULTIPLE)


class QuestionImportError(ValidationError):
    """The file was refused; `messages` lists every problem found, nothing was saved."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


@dataclass
class ParsedQuestion:
    row: int
    code: str
    category: QuestionCategory
    competency: Competency
    level: int
    type: str
    text: str
    text_zh: str
    explanation: str
    explanation_zh: str
    points: Decimal
    partial_credit: str
    options: list[tuple[str, str, bool]] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = Decimal("0")


# Reading --------------------------------------------------------------------------


def _refuse(message: str) -> QuestionImportError:
    return QuestionImportError([message], code="invalid_file")


def _read_limited(file: bytes | IO[bytes]) -> bytes:
    """The upload's bytes, refusing (without reading on) anything over the limit."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)  # Django's UploadedFile knows its size
        too_big = size is not None and size > MAX_UPLOAD_BYTES
        data = b"\0" * (MAX_UPLOAD_BYTES + 1) if too_big else b""
        if not too_big:
            data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            _(
                "The file is larger than %(mb)s MB. Split the question bank into "
                "several files and import them one by one."
            )
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise _refuse(_("The file is empty. Fill in the template and upload it again."))
    return data


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
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
    if len(members) > MAX_XLSX_MEMBERS or unpacked > MAX_XLSX_UNCOMPRESSED:
        raise _refuse(
            _(
                "The workbook unpacks to more than %(mb)s MB, which is far more than "
                "a question bank needs. Copy just the question rows into the "
                "template and upload that."
            )
            % {"mb": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)}
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    # Undo the apostrophe our own export puts before formula-like text.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise _refuse(
            _(
                "The file could not be read as an Excel workbook. Open it in Excel "
                "or WPS and save it again as .xlsx or as CSV."
            )
        ) from None
    try:
        sheet = (
            workbook[SHEET_NAME]
            if SHEET_NAME in workbook.sheetnames
            else workbook.worksheets[0]
        )
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _decode_csv(data: bytes) -> str:
    # UTF-8 (with or without the BOM Excel writes), else GB18030, a superset of the
    # GBK that Excel on a Chinese Windows uses for "CSV".
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(
        _(
            "The CSV file's text encoding is not UTF-8 or GBK/GB18030. Save it from "
            "Excel as “CSV UTF-8” and upload it again."
        )
    )


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode_csv(data)
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield [_cell_text(value) for value in values]
    except csv.Error as exc:
        raise _refuse(
            _("The CSV file is damaged (%(error)s). Save it again from Excel.")
            % {"error": exc}
        ) from None


def _rows(data: bytes, filename: str) -> Iterator[list[str]]:
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if data[:4] == b"\xd0\xcf\x11\xe0" or filename.lower().endswith((".xls", ".xlsx")):
        raise _refuse(
            _(
                "Only .xlsx workbooks and CSV files can be imported. Open the file "
                "in Excel or WPS and save it as .xlsx."
            )
        )
    return _csv_rows(data)


def _header_key(name: str) -> str:
    key = unicodedata.normalize("NFKC", name).strip().lower().replace(" ", "_")
    return COLUMN_ALIASES.get(key, key)


def _message(row: int, column: str, message: str) -> str:
    return _("Row %(row)s, column %(column)s: %(message)s") % {
        "row": row,
        "column": column,
        "message": message,
    }


# Validation -----------------------------------------------------------------------


class _RowChecker:
    """Turns one row (column → text) into a ParsedQuestion, or collects errors."""

    def __init__(self, *, categories, competencies, seen_codes):
        self.categories: dict[str, QuestionCategory] = categories
        self.competencies: dict[str, Competency] = competencies
        self.seen_codes: dict[str, int] = seen_codes
        self.errors: list[str] = []

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(_message(row, column, message))

    def check(self, row: int, cells: dict[str, str]) -> ParsedQuestion | None:
        before = len(self.errors)
        code = cells.get("code", "")
        if not code:
            self.error(row, "code", _("Give the question a code, e.g. Q-EG1-001."))
        elif len(code) > MAX_CODE_LENGTH:
            self.error(
                row,
                "code",
                _("Shorten the code to %(max)s characters.") % {"max": MAX_CODE_LENGTH},
            )
        elif code in self.seen_codes:
            self.error(
                row,
                "code",
                _("The code %(code)s is also used on row %(other)s; codes must differ.")
                % {"code": code, "other": self.seen_codes[code]},
            )
        else:
            self.seen_codes[code] = row

        category = self.categories.get(cells.get("category", ""))
        if category is None:
            self.error(
                row,
                "category",
                _(
                    "Unknown category “%(value)s”. Use one of: %(known)s, or ask an "
                    "editor to create the category first."
                )
                % {
                    "value": cells.get("category", ""),
                    "known": ", ".join(sorted(self.categories)) or "—",
                },
            )
        competency = self.competencies.get(cells.get("competency", ""))
        if competency is None:
            self.error(
                row,
                "competency",
                _(
                    "Unknown competency “%(value)s”. Use a competency code from the "
                    "“Codes” sheet of the template, e.g. EG-1.1."
                )
                % {"value": cells.get("competency", "")},
            )
        level = self._level(row, cells.get("level", ""), competency)
        qtype = TYPE_ALIASES.get(unicodedata.normalize("NFKC", cells["type"]).lower())
        if qtype is None:
            self.error(
                row,
                "type",
                _(
                    "Unknown type “%(value)s”. Use single, multiple, truefalse, "
                    "short or numeric."
                )
                % {"value": cells["type"]},
            )
        text, text_zh = cells.get("text_en", ""), cells.get("text_zh", "")
        if not (text or text_zh):
            self.error(
                row, "text_zh", _("Write the question in Chinese, English or both.")
            )
        points = self._decimal(
            row, "points", cells.get("points", ""), default=Decimal("1"), places=2
        )
        if points is not None and not Decimal("0") < points < Decimal("10000"):
            self.error(row, "points", _("Points must be more than 0 and below 10000."))
        partial = cells.get("partial_credit", "").lower() or "proportional"
        if partial in {"all or nothing", "all-or-nothing"}:
            partial = Question.PartialCredit.ALL_OR_NOTHING
        if partial not in Question.PartialCredit.values:
            self.error(
                row,
                "partial_credit",
                _("Use “all” (all or nothing) or “proportional”, or leave it empty."),
            )
        parsed = ParsedQuestion(
            row=row,
            code=code,
            category=category,  # type: ignore[arg-type]
            competency=competency,  # type: ignore[arg-type]
            level=level or 0,
            type=qtype or "",
            text=text,
            text_zh=text_zh,
            explanation=cells.get("explanation_en", ""),
            explanation_zh=cells.get("explanation_zh", ""),
            points=points or Decimal("1"),
            partial_credit=partial,
        )
        if qtype:
            self._answers(row, cells, parsed)
        return parsed if len(self.errors) == before else None

    def _level(self, row: int, raw: str, competency: Competency | None) -> int | None:
        number = parse_number(raw)
        if number is None or number != number.to_integral_value():
            self.error(row, "level", _("Give the level as a whole number, e.g. 2."))
            return None
        level = int(number)
        if competency is not None:
            low, high = competency.scale_min or 1, competency.scale_max or 0
            if not low <= level <= high:
                self.error(
                    row,
                    "level",
                    _(
                        "Level %(level)s is outside the scale of %(competency)s; use "
                        "%(low)s to %(high)s."
                    )
                    % {
                        "level": level,
                        "competency": competency.code,
                        "low": low,
                        "high": high,
                    },
                )
                return None
        return level

    def _decimal(
        self, row: int, column: str, raw: str, *, default: Decimal | None, places: int
    ) -> Decimal | None:
        if raw == "":
            return default
        value = parse_number(raw)
        if value is None:
            self.error(
                row,
                column,
                _("“%(value)s” is not a number. Write digits only, e.g. 12.5.")
                % {"value": raw},
            )
            return None
        exponent = value.as_tuple().exponent
        if (isinstance(exponent, int) and exponent < -places) or abs(value) >= 10**10:
            self.error(
                row,
                column,
                _("Use at most %(places)s decimal places and fewer than 11 digits.")
                % {"places": places},
            )
            return None
        return value

    def _options(self, row: int, cells: dict[str, str]) -> list[tuple[str, str]]:
        options: list[tuple[str, str]] = []
        gap = None
        for n in range(1, MAX_OPTIONS + 1):
            zh = cells.get(f"option_{n}_zh", "")
            en = cells.get(f"option_{n}_en", "")
            for column, value in ((f"option_{n}_zh", zh), (f"option_{n}_en", en)):
                if len(value) > MAX_OPTION_LENGTH:
                    self.error(
                        row,
                        column,
                        _("Shorten the option to %(max)s characters.")
                        % {"max": MAX_OPTION_LENGTH},
                    )
            if zh or en:
                if gap is not None:
                    self.error(
                        row,
                        f"option_{gap}_zh",
                        _(
                            "Option %(gap)s is empty but a later option is filled. "
                            "Fill the options in order without gaps."
                        )
                        % {"gap": gap},
                    )
                    gap = None
                options.append((en, zh))
            elif gap is None:
                gap = n
        return options

    def _answers(self, row: int, cells: dict[str, str], parsed: ParsedQuestion) -> None:
        options = self._options(row, cells)
        correct = cells.get("correct", "")
        if parsed.type in CHOICE_TYPES:
            if len(options) < 2:
                self.error(
                    row,
                    "option_1_zh",
                    _("A choice question needs at least two options."),
                )
                return
            numbers = self._correct_numbers(row, correct, len(options))
            if numbers is None:
                return
            if parsed.type == Question.Type.SINGLE and len(numbers) != 1:
                self.error(
                    row,
                    "correct",
                    _(
                        "A single-choice question has exactly one right option; "
                        "%(count)s are given. Use type multiple for several."
                    )
                    % {"count": len(numbers)},
                )
                return
            parsed.options = [
                (en, zh, n in numbers) for n, (en, zh) in enumerate(options, start=1)
            ]
            return
        if options:
            self.error(
                row,
                "option_1_zh",
                _("Leave the option columns empty for this type of question."),
            )
        if parsed.type == Question.Type.TRUE_FALSE:
            word = unicodedata.normalize("NFKC", correct).strip().lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                self.error(
                    row,
                    "correct",
                    _("Write true or false (正确 or 错误) for a true/false question."),
                )
                return
            is_true = word in TRUE_WORDS
            parsed.options = [
                (en, zh, right)
                for (en, zh), right in zip(
                    TRUE_FALSE_OPTIONS, (is_true, not is_true), strict=True
                )
            ]
        elif parsed.type == Question.Type.SHORT:
            accepted = [
                answer.strip()
                for answer in unicodedata.normalize(
                    "NFKC", cells.get("accepted_answers", "")
                ).split("|")
                if answer.strip()
            ]
            if not accepted:
                self.error(
                    row,
                    "accepted_answers",
                    _(
                        "List the accepted answers separated by |, e.g. "
                        "全程网办|fully online."
                    ),
                )
            parsed.accepted_answers = accepted
        else:
            raw = cells.get("numeric_answer", "")
            if raw == "":
                self.error(
                    row, "numeric_answer", _("Give the right answer as a number.")
                )
                return
            parsed.numeric_answer = self._decimal(
                row, "numeric_answer", raw, default=None, places=4
            )
            tolerance = self._decimal(
                row,
                "tolerance",
                cells.get("tolerance", ""),
                default=Decimal("0"),
                places=4,
            )
            if tolerance is not None and tolerance < 0:
                self.error(row, "tolerance", _("The tolerance cannot be negative."))
            parsed.numeric_tolerance = tolerance or Decimal("0")

    def _correct_numbers(self, row: int, raw: str, count: int) -> set[int] | None:
        parts = [
            p for p in re.split(r"[,;、\s]+", unicodedata.normalize("NFKC", raw)) if p
        ]
        if not parts:
            self.error(
                row,
                "correct",
                _("Give the number of the right option, e.g. 1, or several as 1,3."),
            )
            return None
        numbers: set[int] = set()
        for part in parts:
            letter = part.upper()
            if len(letter) == 1 and "A" <= letter <= "F":
                number = ord(letter) - ord("A") + 1
            elif part.isdigit():
                number = int(part)
            else:
                number = 0
            if not 1 <= number <= count:
                self.error(
                    row,
                    "correct",
                    _(
                        "“%(value)s” is not one of the %(count)s options given. Use "
                        "option numbers 1 to %(count)s (or letters A, B, …)."
                    )
                    % {"value": part, "count": count},
                )
                return None
            numbers.add(number)
        return numbers


def question_bank_parse(
    *, file: bytes | IO[bytes], filename: str = ""
) -> list[ParsedQuestion]:
    """Read and check a question file without writing anything; raise
    QuestionImportError with every problem found."""
    data = _read_limited(file)
    rows = _rows(data, filename)
    header = next(rows, None)
    if header is None:
        raise _refuse(_("The file is empty. Fill in the template and upload it again."))
    keys = [_header_key(name) for name in header]
    errors: list[str] = []
    for index, key in enumerate(keys):
        if key and key not in COLUMNS:
            errors.append(
                _message(
                    1,
                    header[index],
                    _("Unknown column. Use the column names of the template."),
                )
            )
        elif key and keys.index(key) != index:
            errors.append(
                _message(1, header[index], _("This column appears twice; keep one."))
            )
    missing = [column for column in REQUIRED_COLUMNS if column not in keys]
    for column in missing:
        errors.append(
            _message(1, column, _("This column is missing; copy it from the template."))
        )
    if errors:
        raise QuestionImportError(errors, code="invalid_rows")

    competencies = {
        competency.code: competency
        for competency in Competency.objects.select_related("framework__scale")
        .prefetch_related("framework__scale__levels")
        .annotate(
            scale_min=Min("framework__scale__levels__value"),
            scale_max=Max("framework__scale__levels__value"),
        )
    }
    checker = _RowChecker(
        categories={c.code: c for c in QuestionCategory.objects.all()},
        competencies=competencies,
        seen_codes={},
    )
    parsed: list[ParsedQuestion] = []
    for row_number, values in enumerate(rows, start=2):
        if not any(values):
            continue
        cells = {key: "" for key in COLUMNS}
        for key, value in zip(keys, values, strict=False):
            if key:
                cells[key] = value
        question = checker.check(row_number, cells)
        if question is not None:
            parsed.append(question)
    if checker.errors:
        raise QuestionImportError(checker.errors, code="invalid_rows")
    if not parsed:
        raise _refuse(
            _(
                "The file has no question rows. Fill in the template and upload it "
                "again."
            )
        )
    return parsed


# Writing --------------------------------------------------------------------------


def question_bank_import(
    *, file: bytes | IO[bytes], filename: str = ""
) -> ImportResult:
    """Import a question bank file (XLSX or CSV in UTF-8, UTF-8 with BOM or GB18030).
    All or nothing: any wrong row raises QuestionImportError listing every problem
    ("Row N, column X: …") and nothing is saved; otherwise every row is created or
    updated by code in one transaction. Updating keeps option ids where the option's
    position is unchanged, so earlier attempts still show what was chosen."""
    parsed = question_bank_parse(file=file, filename=filename)
    return _write(parsed)


@transaction.atomic
def _write(parsed: list[ParsedQuestion]) -> ImportResult:
    codes = [p.code for p in parsed]
    existing = {q.code: q for q in Question.objects.filter(code__in=codes)}
    old_options: dict[int, list[QuestionOption]] = {}
    for option in QuestionOption.objects.filter(question__code__in=codes).order_by(
        "question_id", "sort_order", "pk"
    ):
        old_options.setdefault(option.question_id, []).append(option)
    created = updated = 0
    for item in parsed:
        question = existing.get(item.code)
        if question is None:
            question = Question(code=item.code)
            created += 1
        else:
            updated += 1
        question.category = item.category
        question.competency = item.competency
        question.level = item.level
        question.type = item.type
        question.text, question.text_zh = item.text, item.text_zh
        question.explanation = item.explanation
        question.explanation_zh = item.explanation_zh
        question.points = item.points
        question.partial_credit = item.partial_credit
        question.accepted_answers = item.accepted_answers
        question.numeric_answer = item.numeric_answer
        question.numeric_tolerance = item.numeric_tolerance
        # Foreign keys were looked up by this import; checking them again would cost
        # a query per row and cell.
        question.full_clean(exclude=["category", "competency"], validate_unique=False)
        question.save()
        _options_sync(
            question=question,
            wanted=item.options,
            current=old_options.get(question.pk, []),
        )
    return ImportResult(created=created, updated=updated)


def _options_sync(
    *,
    question: Question,
    wanted: list[tuple[str, str, bool]],
    current: list[QuestionOption],
) -> None:
    for order, (text, text_zh, is_correct) in enumerate(wanted):
        if order < len(current):
            option = current[order]
            if (option.text, option.text_zh, option.is_correct, option.sort_order) == (
                text,
                text_zh,
                is_correct,
                order,
            ):
                continue
        else:
            option = QuestionOption(question=question)
        option.text, option.text_zh = text, text_zh
        option.is_correct, option.sort_order = is_correct, order
        option.full_clean(exclude=["question"])
        option.save()
    surplus = [option.pk for option in current[len(wanted) :]]
    if surplus:
        QuestionOption.objects.filter(pk__in=surplus).delete()


# Export ---------------------------------------------------------------------------


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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


def _workbook(rows: Iterable[dict[str, str]]) -> Workbook:
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


def _xlsx_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def question_bank_export_xlsx(*, questions: QuerySet[Question] | None = None) -> bytes:
    """The question bank (or `questions`) as an XLSX workbook in the import layout."""
    return _xlsx_bytes(_workbook(_export_rows(questions)))


def question_bank_export_csv(*, questions: QuerySet[Question] | None = None) -> bytes:
    """The question bank as CSV, UTF-8 with a BOM so that Excel shows Chinese."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in _export_rows(questions):
        writer.writerow([spreadsheet_safe(row[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


# Template -------------------------------------------------------------------------


def _example_codes() -> tuple[str, str]:
    category = (
        QuestionCategory.objects.filter(code="egov-service").first()
        or QuestionCategory.objects.order_by("code").first()
    )
    competency = (
        Competency.objects.filter(code="EG-1.1").first()
        or Competency.objects.filter(depth__gt=1).order_by("code").first()
        or Competency.objects.order_by("code").first()
    )
    return (
        category.code if category else "egov-service",
        competency.code if competency else "EG-1.1",
    )


def _template_examples() -> list[dict[str, str]]:
    category, competency = _example_codes()
    base = {"category": category, "competency": competency, "points": "1"}
    examples = [
        {
            "code": "EXAMPLE-001",
            "level": "1",
            "type": "single",
            "text_zh": "“一网通办”对办事群众来说意味着什么？",
            "text_en": "What does 'one network for all services' mean for applicants?",
            "option_1_zh": "用一个账号在一个平台上申请和查询多个部门的服务",
            "option_1_en": "Apply for and track many departments' services on one "
            "platform with one account",
            "option_2_zh": "每个部门分别注册账号",
            "option_2_en": "Register a separate account with each department",
            "option_3_zh": "只有企业可以网上申请",
            "option_3_en": "Only enterprises may apply online",
            "correct": "1",
            "explanation_zh": "一体化平台，一次登录，一个入口。",
            "explanation_en": "One integrated platform, one login, one entrance.",
        },
        {
            "code": "EXAMPLE-002",
            "level": "2",
            "type": "multiple",
            "text_zh": "预审网上申请时，哪些做法是恰当的？",
            "text_en": "Which actions are appropriate when pre-reviewing an online "
            "application?",
            "option_1_zh": "对照办事指南核对材料",
            "option_1_en": "Check the materials against the service guide",
            "option_2_zh": "能共享获取的材料不再要求提交",
            "option_2_en": "Do not ask for materials available through data sharing",
            "option_3_zh": "等申请人来电再处理",
            "option_3_en": "Wait until the applicant phones",
            "correct": "1,2",
            "partial_credit": "proportional",
            "explanation_zh": "核对清单、共享获取，不让群众多跑。",
            "explanation_en": "Check the list and use shared data.",
        },
        {
            "code": "EXAMPLE-003",
            "level": "1",
            "type": "truefalse",
            "text_zh": "窗口可以要求提交办事指南以外的材料。",
            "text_en": "A window may ask for materials missing from the service guide.",
            "correct": "false",
            "explanation_zh": "清单之外不得另行要求材料。",
            "explanation_en": "Nothing outside the published list may be required.",
        },
        {
            "code": "EXAMPLE-004",
            "level": "2",
            "type": "short",
            "text_zh": "从申请到取得结果都在网上完成的事项通常称为什么？",
            "text_en": "What is a matter handled online from application to result "
            "called?",
            "accepted_answers": "全程网办|全流程网办|fully online",
            "explanation_zh": "“全程网办”。",
            "explanation_en": "Fully online handling (全程网办).",
        },
        {
            "code": "EXAMPLE-005",
            "level": "2",
            "type": "numeric",
            "text_zh": "1200 件申请中 900 件一次办结，一次办结率是百分之多少？",
            "text_en": "900 of 1,200 applications were completed in one visit. What "
            "percentage is that?",
            "numeric_answer": "75",
            "tolerance": "0.5",
            "explanation_zh": "900 ÷ 1200 = 75%。",
            "explanation_en": "900 ÷ 1,200 = 75 %.",
        },
    ]
    rows = []
    for example in examples:
        row = {column: "" for column in COLUMNS}
        row.update(base)
        row.update(example)
        rows.append(row)
    return rows


def _instructions() -> list[tuple[str, str, str]]:
    yes, no = _("yes"), _("no")
    return [
        ("code", yes, _("Unique code of the question; an existing code is updated.")),
        ("category", yes, _("Category code, see the Codes sheet.")),
        ("competency", yes, _("Competency code, see the Codes sheet.")),
        ("level", yes, _("Level on the competency's scale, e.g. 1 to 8 for DigComp.")),
        ("type", yes, _("single, multiple, truefalse, short or numeric.")),
        ("text_zh / text_en", yes, _("The question in Chinese and/or English.")),
        (
            "option_1_zh … option_6_en",
            _("choice types"),
            _("The options in order, without gaps; at least two."),
        ),
        (
            "correct",
            _("choice types"),
            _("Number(s) of the right option: 1, or 1,3; true or false for truefalse."),
        ),
        (
            "accepted_answers",
            _("short"),
            _(
                "Every accepted answer separated by |. Case, full-width/half-width "
                "and spaces are ignored when grading."
            ),
        ),
        ("numeric_answer", _("numeric"), _("The right number.")),
        (
            "tolerance",
            no,
            _("How far an answer may be off and still count; 0 if empty."),
        ),
        (
            "partial_credit",
            no,
            _("multiple: proportional (default) or all (all or nothing)."),
        ),
        ("explanation_zh / explanation_en", no, _("Shown after submitting.")),
        ("points", no, _("Points for the question; 1 if empty.")),
    ]


def question_template_xlsx() -> bytes:
    """A workbook to fill in: the Questions sheet with the header and one example per
    question type (it imports as it is), an Instructions sheet, and a Codes sheet with
    the categories and competencies that exist now."""
    workbook = _workbook(_template_examples())
    guide = workbook.create_sheet(_("Instructions"))
    guide.append([_("Column"), _("Required"), _("What to enter")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for line in _instructions():
        guide.append(list(line))
    guide.append([])
    guide.append(
        [
            _(
                "Delete the EXAMPLE rows before importing your own questions. Rows "
                "with errors are listed by row number and nothing is saved until "
                "every row is right."
            )
        ]
    )
    guide.column_dimensions["A"].width = 32
    guide.column_dimensions["B"].width = 14
    guide.column_dimensions["C"].width = 90

    codes = workbook.create_sheet(_("Codes"))
    codes.append(
        [_("Category code"), _("Category"), "", _("Competency code"), _("Competency")]
    )
    for cell in codes[1]:
        cell.font = Font(bold=True)
    categories = [(c.code, str(c)) for c in QuestionCategory.objects.order_by("code")]
    competencies = [
        (c.code, c.display_name)
        for c in Competency.objects.order_by("framework__code", "path")
    ]
    for index in range(max(len(categories), len(competencies))):
        category = categories[index] if index < len(categories) else ("", "")
        competency = competencies[index] if index < len(competencies) else ("", "")
        codes.append([spreadsheet_safe(v) for v in (*category, "", *competency)])
    for letter, width in zip("ABCDE", (18, 24, 4, 18, 60), strict=True):
        codes.column_dimensions[letter].width = width
    return _xlsx_bytes(workbook)
