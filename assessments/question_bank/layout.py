"""The question bank's spreadsheet layout, shared by its import, export and template:
the columns, the words accepted for types and true/false, and the limits.

Columns (header names, any order; only the first five are required):
    code, category, competency, level, type, text_zh, text_en,
    option_1_zh, option_1_en, … option_6_zh, option_6_en,
    correct, accepted_answers, numeric_answer, tolerance, partial_credit,
    explanation_zh, explanation_en, points
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from ..models import Competency, Question, QuestionCategory

# A question bank is far smaller than a roster; the other limits are the shared ones
# (assessments.spreadsheets).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
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
CHOICE_TYPES = (Question.Type.SINGLE, Question.Type.MULTIPLE)


class QuestionImportError(ValidationError):
    """The file was refused; `messages` lists every problem found, nothing was saved."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    # False: the rows were saved as drafts and submitted for moderation.
    published: bool = True


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
