from decimal import Decimal

import pytest

from assessments import grading
from assessments.grading import AnswerKey, grade, normalise_text, parse_number


def key(**kwargs) -> AnswerKey:
    return AnswerKey.build(**kwargs)


# Normalisation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ＡＢＣ", "abc"),
        ("ＭＦＡ", "mfa"),
        ("１２３４５", "12345"),
        ("site：", "site:"),
        ("  Fully   Online  ", "fully online"),
        ("fully\u3000online", "fully online"),  # ideographic space
        ("全程 网办", "全程网办"),
        ("全　程\t网 办", "全程网办"),
        ("12345 热线", "12345热线"),
        ("全程网办。", "全程网办"),
        ("MLPS 2.0", "mlps 2.0"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_text(given, expected):
    assert normalise_text(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12.5", Decimal("12.5")),
        ("１２．５", Decimal("12.5")),
        (" -3 ", Decimal("-3")),
        ("－３", Decimal("-3")),
        ("\u22123", Decimal("-3")),
        ("1,000", Decimal("1000")),
        ("75%", Decimal("75")),
        ("７５％", Decimal("75")),
        ("12。5", Decimal("12.5")),
        (".5", Decimal("0.5")),
        (7, Decimal("7")),
        (2.5, Decimal("2.5")),
    ],
)
def test_parse_number_reads_what_learners_type(given, expected):
    assert parse_number(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "abc", "12 days", "1e5", "NaN", "Infinity", "1,5", "1.2.3", None, True, []],
)
def test_parse_number_refuses_non_numbers(given):
    assert parse_number(given) is None


# Single and true/false ------------------------------------------------------------


def test_single_right_option_earns_full_points():
    k = key(type="single", points=2, correct_option_ids=[10])
    assert grade(k, {"option_ids": [10]}) == grading.Grade(Decimal("2.00"), True)
    assert grade(k, {"option_ids": ["10"]}).is_correct


@pytest.mark.parametrize(
    "response",
    [{"option_ids": [11]}, {"option_ids": []}, {}, {"option_ids": [10, 11]}, None],
)
def test_single_anything_else_earns_nothing(response):
    result = grade(key(type="single", correct_option_ids=[10]), response)
    assert result == grading.Grade(Decimal("0.00"), False)


def test_true_false():
    k = key(type="truefalse", correct_option_ids=[2])
    assert grade(k, {"option_ids": [2]}).is_correct
    assert grade(k, {"option_ids": [1]}).score == Decimal("0")


@pytest.mark.parametrize(
    "response", [{"option_ids": "10"}, {"option_ids": [True]}, {"option_ids": [1.5]}]
)
def test_malformed_choice_response_is_wrong_not_an_error(response):
    assert not grade(key(type="single", correct_option_ids=[10]), response).is_correct


# Multiple -------------------------------------------------------------------------

RIGHT = [1, 2, 3]  # options 4 and 5 are wrong


@pytest.mark.parametrize(
    ("chosen", "score", "correct"),
    [
        ([1, 2, 3], "3.00", True),
        ([1, 2], "2.00", False),
        ([1], "1.00", False),
        ([1, 2, 4], "1.00", False),  # 2 right − 1 wrong = 1/3
        ([1, 4, 5], "0.00", False),  # 1 − 2 < 0: floored at 0
        ([1, 2, 3, 4], "2.00", False),  # 3 − 1
        ([4, 5], "0.00", False),
        ([], "0.00", False),
    ],
)
def test_multiple_proportional(chosen, score, correct):
    k = key(type="multiple", points=3, correct_option_ids=RIGHT)
    result = grade(k, {"option_ids": chosen})
    assert result.score == Decimal(score)
    assert result.is_correct is correct


def test_multiple_proportional_rounds_to_cents_and_never_exceeds_points():
    k = key(type="multiple", points=1, correct_option_ids=RIGHT)
    assert grade(k, {"option_ids": [1]}).score == Decimal("0.33")
    assert grade(k, {"option_ids": [1, 2]}).score == Decimal("0.67")
    assert grade(k, {"option_ids": RIGHT}).score == Decimal("1.00")


@pytest.mark.parametrize(
    ("chosen", "score"), [([1, 2, 3], "2.00"), ([1, 2], "0.00"), ([1, 2, 3, 4], "0.00")]
)
def test_multiple_all_or_nothing(chosen, score):
    k = key(type="multiple", points=2, correct_option_ids=RIGHT, partial_credit="all")
    assert grade(k, {"option_ids": chosen}).score == Decimal(score)


# Short text -----------------------------------------------------------------------

SHORT = key(type="short", accepted_answers=["全程网办", "fully online", "MFA", "12345"])


@pytest.mark.parametrize(
    "text",
    [
        "全程网办",
        "全程 网办",
        " 全　程网办。",
        "Fully Online",
        "ＦＵＬＬＹ　ＯＮＬＩＮＥ",
        "fully   online",
        "ｍｆａ",
        "１２３４５",
    ],
)
def test_short_matches_across_width_case_and_spacing(text):
    assert grade(SHORT, {"text": text}) == grading.Grade(Decimal("1.00"), True)


@pytest.mark.parametrize(
    "text", ["全程网", "fullyonline", "online", "", "   ", "。", 12345, None]
)
def test_short_other_text_is_wrong(text):
    assert grade(SHORT, {"text": text}) == grading.Grade(Decimal("0.00"), False)


# Numeric --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "correct"),
    [
        ("12.5", True),
        ("１２．５", True),
        ("12.7", True),  # at the bound: inclusive
        ("12.3", True),
        ("12.71", False),
        ("12.29", False),
        ("twelve", False),
        ("", False),
        (None, False),
    ],
)
def test_numeric_within_tolerance(value, correct):
    k = key(type="numeric", numeric_answer="12.5", numeric_tolerance="0.2")
    assert grade(k, {"value": value}).is_correct is correct


def test_numeric_without_tolerance_needs_the_exact_value():
    k = key(type="numeric", numeric_answer=1000, numeric_tolerance=0)
    assert grade(k, {"value": "1,000"}).is_correct
    assert grade(k, {"value": "１０００"}).is_correct
    assert not grade(k, {"value": "1000.01"}).is_correct


def test_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError):
        grade(key(type="essay"), {"text": "x"})
