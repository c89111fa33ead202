"""Grading of one answer to one question: pure functions, no database.

The server grades; the browser never does. Every grader takes the answer key (built
from a question and its options) and the learner's response in the shape the quiz
pages send:

    single, multiple, true/false   {"option_ids": [12, 15]}
    short text                     {"text": "全程网办"}
    numeric                        {"value": "12.5"}

and returns a `Grade`: the points earned (0 … the question's points, two decimals)
and whether the answer is fully correct. A malformed or empty response is wrong, never
an error: the learner simply earns nothing for it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "truefalse"
SHORT = "short"
NUMERIC = "numeric"
CHOICE_TYPES = frozenset({SINGLE, MULTIPLE, TRUE_FALSE})

ALL_OR_NOTHING = "all"
PROPORTIONAL = "proportional"

ZERO = Decimal("0")
CENT = Decimal("0.01")

# Han ideographs (incl. extension A and compatibility), kana, CJK symbols and
# punctuation (、。「」…), Hangul syllables.
_CJK = r"\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")
# Sentence-final punctuation a learner may add out of habit ("全程网办。").
_TRAILING_STOP = re.compile(r"[.。!！]+$")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
# Characters NFKC leaves alone but learners type for a minus sign or decimal point.
_NUMBER_LOOKALIKES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class Grade:
    score: Decimal
    is_correct: bool


@dataclass(frozen=True)
class AnswerKey:
    """What the grader needs to know about a question, detached from the database."""

    type: str
    points: Decimal = Decimal("1")
    correct_option_ids: frozenset[int] = field(default_factory=frozenset)
    accepted_answers: tuple[str, ...] = ()
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = ZERO
    partial_credit: str = PROPORTIONAL

    @classmethod
    def build(
        cls,
        *,
        type: str,
        points: Decimal | int | str = 1,
        correct_option_ids: Iterable[int] = (),
        accepted_answers: Iterable[str] = (),
        numeric_answer: Decimal | int | str | None = None,
        numeric_tolerance: Decimal | int | str | None = 0,
        partial_credit: str = PROPORTIONAL,
    ) -> AnswerKey:
        return cls(
            type=type,
            points=Decimal(str(points)),
            correct_option_ids=frozenset(int(i) for i in correct_option_ids),
            accepted_answers=tuple(accepted_answers),
            numeric_answer=(
                None if numeric_answer is None else Decimal(str(numeric_answer))
            ),
            numeric_tolerance=Decimal(str(numeric_tolerance or 0)),
            partial_credit=partial_credit,
        )


def normalise_text(text: str) -> str:
    """Fold a short answer so that equal answers compare equal: NFKC (full-width
    letters, digits, punctuation and the ideographic space become their half-width
    forms), case folded, whitespace next to a CJK character dropped (Chinese needs no
    spaces: "全程 网办" = "全程网办"), other runs of whitespace collapsed to one space,
    trailing full stops and exclamation marks removed, and ends stripped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _SPACE_NEXT_TO_CJK.sub("", folded)
    folded = _WHITESPACE.sub(" ", folded).strip()
    return _TRAILING_STOP.sub("", folded).strip()


def parse_number(value: object) -> Decimal | None:
    """Read a number a learner typed: "12.5", "１２．５", " -3 ", "1,000", "75%".
    Anything else (words, units, NaN, infinity, exponents) gives None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    text = unicodedata.normalize("NFKC", text).translate(_NUMBER_LOOKALIKES)
    text = _WHITESPACE.sub("", text)
    # A full stop typed with a Chinese input method between digits: "12。5".
    text = re.sub(r"(?<=\d)。(?=\d)", ".", text)
    text = text.removesuffix("%")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _points(fraction: Decimal, points: Decimal) -> Decimal:
    fraction = min(max(fraction, ZERO), Decimal("1"))
    return (points * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def _full_or_nothing(correct: bool, points: Decimal) -> Grade:
    return Grade(
        score=_points(Decimal(1 if correct else 0), points), is_correct=correct
    )


# More digits than any database id has (2**63 - 1 has 19).
_ID_DIGITS = 19


def id_from_text(text: str) -> int | None:
    """The id a form or a JSON body gave as text: ASCII digits only ("²", "１２"
    and other Unicode digits pass str.isdigit() but are no id), at most as long as
    a database id; None otherwise."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= _ID_DIGITS:
        return int(text)
    return None


def chosen_option_ids(response: Mapping[str, Any] | None) -> frozenset[int] | None:
    """The option ids in a choice response, or None when the response is malformed."""
    if not isinstance(response, Mapping):
        return None
    raw = response.get("option_ids", [])
    if not isinstance(raw, list | tuple):
        return None
    chosen: set[int] = set()
    for item in raw:
        if isinstance(item, bool):
            return None
        if isinstance(item, int):
            chosen.add(item)
        elif isinstance(item, str) and (option_id := id_from_text(item)) is not None:
            chosen.add(option_id)
        else:
            return None
    return frozenset(chosen)


def grade_single(key: AnswerKey, response: Mapping[str, Any] | None) -> Grade:
    """Single choice and true/false: full points for exactly the right option."""
    chosen = chosen_option_ids(response)
    correct = bool(chosen) and chosen == key.correct_option_ids
    return _full_or_nothing(correct, key.points)


def grade_multiple(key: AnswerKey, response: Mapping[str, Any] | None) -> Grade:
    """Multiple choice. All or nothing: full points only for exactly the right set.
    Proportional: with k right options, each right option chosen earns 1/k of the
    points and each wrong one chosen takes 1/k away; never below 0 nor above full."""
    chosen = chosen_option_ids(response) or frozenset()
    right = key.correct_option_ids
    is_correct = bool(chosen) and chosen == right
    if key.partial_credit != PROPORTIONAL or not right:
        return _full_or_nothing(is_correct, key.points)
    hits = len(chosen & right)
    misses = len(chosen - right)
    fraction = Decimal(hits - misses) / Decimal(len(right))
    return Grade(score=_points(fraction, key.points), is_correct=is_correct)


def grade_short(key: AnswerKey, response: Mapping[str, Any] | None) -> Grade:
    """Short text: right when it equals any accepted answer after normalise_text."""
    text = response.get("text") if isinstance(response, Mapping) else None
    if not isinstance(text, str):
        return _full_or_nothing(False, key.points)
    given = normalise_text(text)
    accepted = {normalise_text(answer) for answer in key.accepted_answers}
    accepted.discard("")
    return _full_or_nothing(bool(given) and given in accepted, key.points)


def grade_numeric(key: AnswerKey, response: Mapping[str, Any] | None) -> Grade:
    """Numeric: right when |given − answer| ≤ tolerance (the bound counts as right)."""
    raw = response.get("value") if isinstance(response, Mapping) else None
    given = parse_number(raw)
    if given is None or key.numeric_answer is None:
        return _full_or_nothing(False, key.points)
    tolerance = abs(key.numeric_tolerance)
    return _full_or_nothing(abs(given - key.numeric_answer) <= tolerance, key.points)


GRADERS = {
    SINGLE: grade_single,
    TRUE_FALSE: grade_single,
    MULTIPLE: grade_multiple,
    SHORT: grade_short,
    NUMERIC: grade_numeric,
}


def grade(key: AnswerKey, response: Mapping[str, Any] | None) -> Grade:
    """Grade one response against its question's answer key."""
    try:
        grader = GRADERS[key.type]
    except KeyError as exc:
        raise ValueError(f"Unknown question type {key.type!r}") from exc
    return grader(key, response)
