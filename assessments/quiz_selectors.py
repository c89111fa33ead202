"""Reads for the quiz pages: an attempt's questions as the learner sees them (never
with the answers), whether its time is up, the answer key it is graded against
(frozen at start), the review after submitting as the quiz's review policy allows,
and the learning gain between a pre-test and its post-test."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from . import grading
from .i18n import localised
from .models import (
    Attempt,
    AttemptAnswer,
    Question,
    QuestionOption,
    Quiz,
    QuizQuestion,
)

DEFAULT_GRACE_SECONDS = 30


# Time -----------------------------------------------------------------------------
# The deadline rule, once in Python and once in SQL (tests check that they agree).
# Reading it never closes an attempt: the next POST or the periodic task does.


def grace_period() -> datetime.timedelta:
    return datetime.timedelta(
        seconds=getattr(settings, "QUIZ_DEADLINE_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)
    )


def attempt_is_expired(
    *, attempt: Attempt, now: datetime.datetime | None = None
) -> bool:
    """True when the attempt has a deadline and the grace after it has passed."""
    if attempt.deadline_at is None:
        return False
    return (now or timezone.now()) > attempt.deadline_at + grace_period()


def attempt_expired_q(*, now: datetime.datetime | None = None) -> Q:
    """attempt_is_expired as a filter on Attempt rows."""
    return Q(deadline_at__lt=(now or timezone.now()) - grace_period())


class AttemptState:
    """What an attempt is, as its learner sees it."""

    OPEN = "open"  # may be resumed
    TIME_UP = "time_up"  # the time ran out; graded by the next POST or the task
    SUBMITTED = "submitted"


def attempt_state(*, attempt: Attempt, now: datetime.datetime | None = None) -> str:
    if attempt.status == Attempt.Status.SUBMITTED:
        return AttemptState.SUBMITTED
    if attempt_is_expired(attempt=attempt, now=now):
        return AttemptState.TIME_UP
    return AttemptState.OPEN


def attempt_ran_out(*, attempt: Attempt) -> bool:
    """True for a submitted attempt that was graded after its time and grace ran out
    (so only the answers saved in time counted)."""
    return (
        attempt.status == Attempt.Status.SUBMITTED
        and attempt.submitted_at is not None
        and attempt_is_expired(attempt=attempt, now=attempt.submitted_at)
    )


def attempt_counted_positions(*, attempt: Attempt) -> list[int]:
    """Numbers (as shown on the page) of the questions with an answer saved: for an
    attempt whose time is up, the answers that will count; once graded after the
    time ran out, the answers that counted. Two queries."""
    saved = dict(
        AttemptAnswer.objects.filter(attempt=attempt).values_list(
            "question_id", "response"
        )
    )
    # Numbered as the pages number them: questions deleted since the draw are skipped.
    existing = set(
        Question.objects.filter(pk__in=attempt.question_ids).values_list(
            "pk", flat=True
        )
    )
    shown = [qid for qid in attempt.question_ids if qid in existing]
    return [n for n, qid in enumerate(shown, start=1) if _answered(saved.get(qid))]


def _answered(response: dict[str, Any] | None) -> bool:
    if not response:
        return False
    if "option_ids" in response:
        return bool(response["option_ids"])
    return bool(str(response.get("text", response.get("value", ""))).strip())


# Answer key -----------------------------------------------------------------------
# What an attempt is graded against is frozen on it at start (Attempt.answer_key),
# from the published quiz and questions: an editor's draft never reaches it, and a
# later publication never changes it. Past attempts are never rescored: their grade,
# evidence, certificates and hours stay as they were earned.


@dataclass(frozen=True)
class FrozenQuestion:
    """One question's answer key as it was when the attempt started."""

    key: grading.AnswerKey
    competency_id: int
    level: int
    # The question's published revision then (None before questions had revisions).
    revision: int | None = None


@dataclass(frozen=True)
class FrozenQuiz:
    pass_mark_percent: int
    kind: str
    revision: int | None = None


def _question_key_data(question: Question, correct: set[int]) -> dict[str, Any]:
    # The same shape as the backfill in migrations/0004_quiz_moderation_data.py.
    return {
        "type": question.type,
        "points": str(question.points),
        "partial_credit": question.partial_credit,
        "correct_option_ids": sorted(correct),
        "accepted_answers": list(question.accepted_answers or []),
        "numeric_answer": (
            None if question.numeric_answer is None else str(question.numeric_answer)
        ),
        "numeric_tolerance": str(question.numeric_tolerance),
        "competency_id": question.competency_id,
        "level": question.level,
        "revision": question.live_revision_id,
    }


_KEY_FIELDS = (
    "pk",
    "type",
    "points",
    "partial_credit",
    "accepted_answers",
    "numeric_answer",
    "numeric_tolerance",
    "competency_id",
    "level",
    "live_revision_id",
)


def _question_keys_data(question_ids: list[int]) -> dict[str, dict[str, Any]]:
    """The answer keys of these questions as their rows hold them now. Two queries."""
    correct: dict[int, set[int]] = defaultdict(set)
    for question_id, option_id in (
        QuestionOption.objects.filter(question_id__in=question_ids, is_correct=True)
        .order_by()
        .values_list("question_id", "pk")
    ):
        correct[question_id].add(option_id)
    return {
        str(question.pk): _question_key_data(question, correct[question.pk])
        for question in Question.objects.filter(pk__in=question_ids).only(*_KEY_FIELDS)
    }


def answer_key_freeze(*, quiz: Quiz, question_ids: list[int]) -> dict[str, Any]:
    """What grading an attempt at `quiz` drawing `question_ids` needs, from the rows
    learners see (the published versions), ready to store on Attempt.answer_key:
    the quiz's pass mark, kind and live revision, and each question's answer key,
    competency, level and live revision. Two queries."""
    return {
        "quiz": {
            "pass_mark_percent": quiz.pass_mark_percent,
            "kind": quiz.kind,
            "revision": quiz.live_revision_id,
        },
        "questions": _question_keys_data(question_ids),
    }


def _frozen_question(data: Mapping[str, Any]) -> FrozenQuestion:
    return FrozenQuestion(
        key=grading.AnswerKey.build(
            type=data["type"],
            points=data["points"],
            correct_option_ids=data["correct_option_ids"],
            accepted_answers=data["accepted_answers"],
            numeric_answer=data["numeric_answer"],
            numeric_tolerance=data["numeric_tolerance"],
            partial_credit=data["partial_credit"],
        ),
        competency_id=data["competency_id"],
        level=data["level"],
        revision=data.get("revision"),
    )


def attempt_answer_keys(*, attempt: Attempt) -> dict[int, FrozenQuestion]:
    """Each of the attempt's questions' answer key, as frozen when it started. A
    question missing from the frozen key (an attempt written by hand rather than by
    attempt_start) is read from its row, or left out when deleted. No query for an
    attempt started by attempt_start."""
    frozen = dict((attempt.answer_key or {}).get("questions") or {})
    missing = [qid for qid in attempt.question_ids if str(qid) not in frozen]
    if missing:
        frozen.update(_question_keys_data(missing))
    return {
        qid: _frozen_question(frozen[str(qid)])
        for qid in attempt.question_ids
        if str(qid) in frozen
    }


def attempt_quiz_terms(*, attempt: Attempt) -> FrozenQuiz:
    """The pass mark and kind the attempt is graded by, as frozen when it started (the
    quiz's row for an attempt written by hand)."""
    data = (attempt.answer_key or {}).get("quiz")
    if data:
        return FrozenQuiz(
            pass_mark_percent=int(data["pass_mark_percent"]),
            kind=data["kind"],
            revision=data.get("revision"),
        )
    quiz = attempt.quiz
    return FrozenQuiz(quiz.pass_mark_percent, quiz.kind, quiz.live_revision_id)


# Display --------------------------------------------------------------------------


@dataclass(frozen=True)
class DisplayOption:
    id: int
    text: str
    text_zh: str

    @property
    def display_text(self) -> str:
        return localised(self.text_zh, self.text)


@dataclass(frozen=True)
class DisplayQuestion:
    """One question of an open attempt. Holds nothing that tells the right answer."""

    id: int
    position: int
    type: str
    text: str
    text_zh: str
    points: Decimal
    options: tuple[DisplayOption, ...]
    # The learner's saved answer, for resuming: {} when not answered yet.
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def display_text(self) -> str:
        return localised(self.text_zh, self.text)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the quiz page's script."""
        data = asdict(self)
        data["points"] = str(self.points)
        data["display_text"] = self.display_text
        for option, source in zip(data["options"], self.options, strict=True):
            option["display_text"] = source.display_text
        return data


def _options_by_question(
    attempt: Attempt, *, fields: tuple[str, ...]
) -> dict[int, list[QuestionOption]]:
    """Each question's options in the order frozen at the start of the attempt."""
    options = {
        option.pk: option
        for option in QuestionOption.objects.filter(
            question_id__in=attempt.question_ids
        )
        .order_by()  # the frozen order applies; the model's ordering would join
        .only("pk", "question_id", *fields)
    }
    ordered: dict[int, list[QuestionOption]] = defaultdict(list)
    for question_id, option_ids in attempt.option_order.items():
        for option_id in option_ids:
            option = options.get(option_id)
            # An option removed or moved since the draw is not shown.
            if option is not None and str(option.question_id) == question_id:
                ordered[option.question_id].append(option)
    return ordered


def attempt_questions_for_display(*, attempt: Attempt) -> list[DisplayQuestion]:
    """The attempt's questions and options in the frozen order, with the learner's
    saved responses. No correctness, accepted answers, numeric answers or
    explanations: this is what the browser receives before submission. The texts
    are the published ones; the points are those the attempt is graded with. Three
    queries."""
    questions = Question.objects.filter(pk__in=attempt.question_ids).only(
        "pk", "type", "text", "text_zh"
    )
    by_id = {question.pk: question for question in questions}
    keys = attempt_answer_keys(attempt=attempt)
    options = _options_by_question(attempt, fields=("text", "text_zh"))
    responses = dict(
        AttemptAnswer.objects.filter(attempt=attempt).values_list(
            "question_id", "response"
        )
    )
    shown: list[DisplayQuestion] = []
    for question_id in attempt.question_ids:
        question = by_id.get(question_id)
        frozen = keys.get(question_id)
        if question is None or frozen is None:
            continue
        shown.append(
            DisplayQuestion(
                id=question.pk,
                position=len(shown) + 1,
                type=frozen.key.type,
                text=question.text,
                text_zh=question.text_zh,
                points=frozen.key.points,
                options=tuple(
                    DisplayOption(id=o.pk, text=o.text, text_zh=o.text_zh)
                    for o in options.get(question.pk, [])
                ),
                response=responses.get(question.pk) or {},
            )
        )
    return shown


# Review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewOption:
    id: int
    text: str
    text_zh: str
    chosen: bool
    # Only under the "full" review policy; None otherwise.
    is_correct: bool | None

    @property
    def display_text(self) -> str:
        return localised(self.text_zh, self.text)


@dataclass(frozen=True)
class ReviewQuestion:
    id: int
    position: int
    type: str
    text: str
    text_zh: str
    points: Decimal
    response: dict[str, Any]
    score: Decimal | None
    is_correct: bool | None
    options: tuple[ReviewOption, ...]
    # The following are filled only under the "full" review policy.
    accepted_answers: tuple[str, ...] = ()
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal | None = None
    explanation: str = ""
    explanation_zh: str = ""

    @property
    def display_text(self) -> str:
        return localised(self.text_zh, self.text)

    @property
    def display_explanation(self) -> str:
        return localised(self.explanation_zh, self.explanation)


@dataclass(frozen=True)
class AttemptReview:
    attempt_id: int
    policy: str
    score: Decimal | None
    max_score: Decimal | None
    percent: Decimal | None
    passed: bool | None
    # Empty under the "score only" policy.
    questions: tuple[ReviewQuestion, ...]


def attempt_review(*, attempt: Attempt) -> AttemptReview:
    """What the learner may see after submitting, by the quiz's review policy:
    - none: the score, percent and pass/fail only;
    - responses: also each question with the learner's answer, its score and whether
      it was right — but not which option or answer would have been right;
    - full: also the right options, accepted answers, numeric answer and the
      explanation — except on a quiz whose pass is evidence (graded, post-test)
      while the learner has not passed and still has attempts left: then only
      "responses", so a retry cannot be passed by remembering shown answers.
    Refused (ValidationError) while the attempt is still open. Five queries."""
    if attempt.status != Attempt.Status.SUBMITTED:
        raise ValidationError(
            _("Submit the attempt first; the review opens after submitting."),
            code="attempt_open",
        )
    quiz = Quiz.objects.only("review_policy", "kind", "max_attempts").get(
        pk=attempt.quiz_id
    )
    policy = quiz.review_policy
    if policy == Quiz.Review.FULL and _answers_would_help_a_retry(attempt, quiz):
        policy = Quiz.Review.RESPONSES
    questions: tuple[ReviewQuestion, ...] = ()
    if policy != Quiz.Review.NONE:
        questions = tuple(_review_questions(attempt, full=policy == Quiz.Review.FULL))
    return AttemptReview(
        attempt_id=attempt.pk,
        policy=policy,
        score=attempt.score,
        max_score=attempt.max_score,
        percent=attempt.percent,
        passed=attempt.passed,
        questions=questions,
    )


def _answers_would_help_a_retry(attempt: Attempt, quiz: Quiz) -> bool:
    if quiz.kind not in (Quiz.Kind.GRADED, Quiz.Kind.POST_TEST) or attempt.passed:
        return False
    if not quiz.max_attempts:
        return True
    used = Attempt.objects.filter(quiz=quiz, learner_id=attempt.learner_id).count()
    return used < quiz.max_attempts


def _review_questions(attempt: Attempt, *, full: bool) -> list[ReviewQuestion]:
    """The right answers shown are those the attempt was graded against (frozen at
    start), not whatever was published since; the texts are the published ones."""
    by_id = {
        q.pk: q
        for q in Question.objects.filter(pk__in=attempt.question_ids).only(
            "pk", "text", "text_zh", "explanation", "explanation_zh"
        )
    }
    keys = attempt_answer_keys(attempt=attempt)
    options = _options_by_question(attempt, fields=("text", "text_zh"))
    answers = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=attempt)}
    reviewed: list[ReviewQuestion] = []
    for question_id in attempt.question_ids:
        question = by_id.get(question_id)
        frozen = keys.get(question_id)
        if question is None or frozen is None:
            continue
        key = frozen.key
        answer = answers.get(question_id)
        response = answer.response if answer else {}
        chosen = set(response.get("option_ids", [])) if response else set()
        extra: dict[str, Any] = {}
        if full:
            extra = {
                "accepted_answers": key.accepted_answers,
                "numeric_answer": key.numeric_answer,
                "numeric_tolerance": key.numeric_tolerance,
                "explanation": question.explanation,
                "explanation_zh": question.explanation_zh,
            }
        reviewed.append(
            ReviewQuestion(
                id=question.pk,
                position=len(reviewed) + 1,
                type=key.type,
                text=question.text,
                text_zh=question.text_zh,
                points=key.points,
                response=response,
                score=answer.score if answer else None,
                is_correct=answer.is_correct if answer else None,
                options=tuple(
                    ReviewOption(
                        id=o.pk,
                        text=o.text,
                        text_zh=o.text_zh,
                        chosen=o.pk in chosen,
                        is_correct=(o.pk in key.correct_option_ids) if full else None,
                    )
                    for o in options.get(question.pk, [])
                ),
                **extra,
            )
        )
    return reviewed


# Learning gain --------------------------------------------------------------------


def normalised_gain(*, pre: Decimal | None, post: Decimal | None) -> float | None:
    """(post − pre) / (100 − pre) on percentages; None when either is missing or the
    pre-test was already 100 % (nothing left to gain)."""
    if pre is None or post is None or pre >= 100:
        return None
    return float((Decimal(post) - Decimal(pre)) / (Decimal(100) - Decimal(pre)))


def latest_percent(*, learner, quiz_id: int) -> Decimal | None:
    return (
        Attempt.objects.filter(
            quiz_id=quiz_id,
            learner=learner,
            status=Attempt.Status.SUBMITTED,
            percent__isnull=False,
        )
        .order_by("-submitted_at", "-pk")
        .values_list("percent", flat=True)
        .first()
    )


def _submitted_in_order(quiz_ids: list[int], **filters):
    return (
        Attempt.objects.filter(
            quiz_id__in=quiz_ids,
            status=Attempt.Status.SUBMITTED,
            percent__isnull=False,
            **filters,
        )
        .order_by("submitted_at", "pk")
        .values_list("learner_id", "quiz_id", "percent")
    )


def _gain_pairs(rows, *, pre_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    """Per learner, the latest post-test with the latest pre-test taken before it
    (rows in submission order). A post-test with no earlier pre-test pairs with
    nothing: a gain needs a baseline taken first."""
    baseline: dict[int, Decimal] = {}
    pairs: dict[int, tuple[Decimal, Decimal]] = {}
    for learner_id, quiz_id, percent in rows:
        if quiz_id == pre_id:
            baseline[learner_id] = percent
        elif learner_id in baseline:
            pairs[learner_id] = (baseline[learner_id], percent)
    return pairs


def quiz_learning_gain(*, learner, post_quiz: Quiz) -> float | None:
    """The learner's normalised gain from the pre-test paired with `post_quiz`: the
    latest submitted post-test attempt against the latest pre-test attempt submitted
    before it (latest, not best: the post-test shows where the learner is now, and a
    retaken pre-test is the better baseline). None without a pairing, without a
    pre-test taken before the post-test, or with a pre-test score of 100 %."""
    if not post_quiz.paired_with_id:
        return None
    rows = _submitted_in_order(
        [post_quiz.paired_with_id, post_quiz.pk], learner_id=learner.pk
    )
    pair = _gain_pairs(rows, pre_id=post_quiz.paired_with_id).get(learner.pk)
    return normalised_gain(pre=pair[0], post=pair[1]) if pair else None


def quiz_learning_gain_by_learner(*, post_quiz: Quiz) -> dict[int, float | None]:
    """quiz_learning_gain for every learner with a pre-test and a later post-test,
    keyed by learner id, in one query (for analytics)."""
    if not post_quiz.paired_with_id:
        return {}
    rows = _submitted_in_order([post_quiz.paired_with_id, post_quiz.pk])
    return {
        learner_id: normalised_gain(pre=pre, post=post)
        for learner_id, (pre, post) in _gain_pairs(
            rows, pre_id=post_quiz.paired_with_id
        ).items()
    }


@dataclass(frozen=True)
class QuizStanding:
    """One learner's record at one quiz."""

    used: int = 0
    best_percent: Decimal | None = None
    has_open: bool = False  # an attempt that may be resumed
    has_time_up: bool = False  # an attempt whose time ran out, not graded yet
    has_passed: bool = False  # a submitted attempt passed


def quiz_standings(
    *, learner, quiz_ids: list[int], now: datetime.datetime | None = None
) -> dict[int, QuizStanding]:
    """Per quiz: attempts used, best submitted percent, whether one passed, whether
    one is open and whether one's time is up without a grade yet. One query."""
    in_progress = Q(status=Attempt.Status.IN_PROGRESS)
    expired = attempt_expired_q(now=now)
    rows = (
        Attempt.objects.filter(learner=learner, quiz_id__in=quiz_ids)
        .values("quiz_id")
        .annotate(
            used=Count("pk"),
            best=Max("percent", filter=Q(status=Attempt.Status.SUBMITTED)),
            open=Count("pk", filter=in_progress & ~expired),
            time_up=Count("pk", filter=in_progress & expired),
            passed=Count("pk", filter=Q(status=Attempt.Status.SUBMITTED, passed=True)),
        )
        .order_by()
    )
    return {
        row["quiz_id"]: QuizStanding(
            used=row["used"],
            best_percent=row["best"],
            has_open=bool(row["open"]),
            has_time_up=bool(row["time_up"]),
            has_passed=bool(row["passed"]),
        )
        for row in rows
    }


def quiz_question_count(*, quiz: Quiz) -> tuple[int, bool]:
    """How many questions an attempt asks, and whether some are drawn at random."""
    fixed = QuizQuestion.objects.filter(
        quiz=quiz, question__in=Question.objects.in_use()
    ).count()
    drawn = quiz.draw_rules.aggregate(total=Sum("count"))["total"] or 0
    return fixed + drawn, bool(drawn)
