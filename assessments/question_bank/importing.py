"""Importing a question bank from a spreadsheet (XLSX, legacy XLS, or CSV in UTF-8,
UTF-8 with BOM or GBK/GB18030).

Import validates every row first and writes nothing when any row is wrong; the
errors read "Row N, column X: what to do", N being the row number Excel shows. Rows
are matched to existing questions by code: new codes are created, known ones updated.
Categories and competencies must already exist (a typo must not create a new
category); the error lists the codes that do.

Reading, limits and safety are assessments.spreadsheets' (files over
MAX_UPLOAD_BYTES and zip bombs are refused before parsing; formulas are never
evaluated; the apostrophe the export puts before formula-like text is taken off
again, so an export re-imports unchanged).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext as _
from wagtail.permissions import policy_registry

from ..grading import id_from_text, parse_number
from ..models import Competency, Question, QuestionCategory, QuestionOption
from ..spreadsheets import (
    lookup_key,
    spreadsheet_bytes,
    spreadsheet_limits,
    spreadsheet_read,
)
from .layout import (
    CHOICE_TYPES,
    COLUMN_ALIASES,
    COLUMNS,
    FALSE_WORDS,
    MAX_CODE_LENGTH,
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_UPLOAD_BYTES,
    REQUIRED_COLUMNS,
    SHEET_NAME,
    TRUE_FALSE_OPTIONS,
    TRUE_WORDS,
    TYPE_ALIASES,
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
)

# Reading --------------------------------------------------------------------------


def _refuse(message: str) -> QuestionImportError:
    return QuestionImportError([message], code="invalid_file")


def _rows(data: bytes, filename: str) -> Iterator[list[str]]:
    return iter(
        spreadsheet_read(
            data,
            file_name=filename,
            sheet_name=SHEET_NAME,
            limits=spreadsheet_limits(max_bytes=MAX_UPLOAD_BYTES),
            error_class=QuestionImportError,
        )
    )


def _header_key(name: str) -> str:
    key = lookup_key(name).replace(" ", "_")
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
        qtype = TYPE_ALIASES.get(lookup_key(cells["type"]))
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
            word = lookup_key(correct)
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
            elif (digits := id_from_text(part)) is not None:
                number = digits
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
    data = spreadsheet_bytes(
        file,
        limits=spreadsheet_limits(max_bytes=MAX_UPLOAD_BYTES),
        error_class=QuestionImportError,
    )
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
    *, file: bytes | IO[bytes], filename: str = "", user=None
) -> ImportResult:
    """Import a question bank file (XLSX or CSV in UTF-8, UTF-8 with BOM or GB18030).
    All or nothing: any wrong row raises QuestionImportError listing every problem
    ("Row N, column X: …") and nothing is saved; otherwise every row is created or
    updated by code in one transaction. Updating keeps option ids where the option's
    position is unchanged, so earlier attempts still show what was chosen.

    Questions are moderated like an edit in the back office: a `user` who may publish
    questions (or no user: a command) publishes every row at once; anyone else's
    rows become drafts submitted to the moderation workflow, and learners keep the
    published versions until a moderator approves."""
    parsed = question_bank_parse(file=file, filename=filename)
    policy = policy_registry.get_by_type(Question)
    publish = user is None or policy.user_has_permission(user, "publish")
    return _write(parsed, user=user, publish=publish)


@transaction.atomic
def _write(parsed: list[ParsedQuestion], *, user, publish: bool) -> ImportResult:
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
            # Never live before it is published (below, or by a moderator).
            question = Question(code=item.code, live=False)
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
        question.options = _options(
            wanted=item.options, current=old_options.get(question.pk, [])
        )
        _question_save(question, user=user, publish=publish)
    return ImportResult(created=created, updated=updated, published=publish)


def _question_save(question: Question, *, user, publish: bool) -> None:
    """Save one imported question the way the back office's edit view would: a live
    question's row (what learners get) changes only when a revision is published."""
    if not question.live:
        question.save()  # a draft's row holds the draft
    revision = question.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user, skip_permission_checks=True)
        return
    workflow = question.get_workflow()
    if workflow is not None and not question.workflow_in_progress:
        workflow.start(question, user)


def _options(
    *, wanted: list[tuple[str, str, bool]], current: list[QuestionOption]
) -> list[QuestionOption]:
    """The question's options in the file's order, reusing the current option (and
    its id) at each position; options past the file's last are dropped."""
    options = []
    for order, (text, text_zh, is_correct) in enumerate(wanted):
        option = current[order] if order < len(current) else QuestionOption()
        option.text, option.text_zh = text, text_zh
        option.is_correct, option.sort_order = is_correct, order
        option.full_clean(exclude=["question"])
        options.append(option)
    return options
