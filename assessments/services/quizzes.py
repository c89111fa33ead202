"""Taking a quiz: start (or resume) an attempt, autosave answers, submit and grade on
the server, and turn a passed graded quiz or post-test into evidence of competence.

Rules every function here keeps:
- a learner has at most one open attempt per quiz (the partial unique constraint
  `assessments_attempt_one_open`); starting again resumes it;
- the questions and option order are drawn once, at start, and frozen on the attempt;
- only published (live) quizzes and questions are drawn, and the answer keys, pass
  mark and kind are frozen on the attempt at start (Attempt.answer_key): an editor's
  draft never reaches a learner, and a publication during an attempt does not change
  how it is graded;
- a published change never rescores a submitted attempt: its score, pass, evidence,
  certificates and hours stay as they were earned (see quiz_selectors' answer key);
- answers saved after the deadline plus QUIZ_DEADLINE_GRACE_SECONDS (default 30) are
  ignored, the ones saved before still count;
- a rejected save or submit changes nothing; submitting twice grades once.

Reads for the quiz pages (questions without the answers, review after submitting,
learning gain) are in assessments.quiz_selectors.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import grading
from ..models import (
    Attempt,
    AttemptAnswer,
    Competency,
    Evidence,
    Question,
    QuestionOption,
    Quiz,
    QuizQuestion,
    level_error,
)
from ..quiz_selectors import (
    answer_key_freeze,
    attempt_answer_keys,
    attempt_expired_q,
    attempt_is_expired,
    attempt_quiz_terms,
)
from ..signals import attempt_graded
from .evidence import competency_levels_recompute_many, evidence_expiry

MAX_TEXT_RESPONSE = 1000
MAX_NUMERIC_RESPONSE = 64
# Kinds of quiz whose pass is evidence. A pre-test measures the starting point and a
# practice quiz is for learning, so neither says anything official.
EVIDENCE_KINDS = (Quiz.Kind.GRADED, Quiz.Kind.POST_TEST)

# Error codes, so that views can tell the cases apart without parsing messages.
QUIZ_CLOSED = "quiz_closed"
ATTEMPTS_USED = "attempts_used"
DRAW_SHORT = "draw_short"
NO_QUESTIONS = "no_questions"
START_RACE = "start_race"
ATTEMPT_SUBMITTED = "attempt_submitted"
DEADLINE_PASSED = "deadline_passed"
NOT_IN_ATTEMPT = "question_not_in_attempt"
OPTION_NOT_IN_QUESTION = "option_not_in_question"
INVALID_RESPONSE = "invalid_response"

_RESULT_FIELDS = ("status", "submitted_at", "score", "max_score", "percent", "passed")


# Start ----------------------------------------------------------------------------


def quiz_draw(
    *, quiz: Quiz, rng: random.Random | None = None
) -> tuple[list[int], dict[str, list[int]]]:
    """Draw one attempt's questions: the quiz's fixed questions, then `count` per
    draw rule at random, never the same question twice and only active, published
    questions. A rule on a competency also draws from the competencies below it.
    Returns the question ids (shuffled if the quiz says so) and each choice question's
    option ids (shuffled if the quiz says so; true/false keeps True before False)."""
    rng = rng or random.SystemRandom()
    chosen: list[int] = list(
        QuizQuestion.objects.filter(quiz=quiz, question__in=Question.objects.in_use())
        .order_by("sort_order", "pk")
        .values_list("question_id", flat=True)
    )
    taken = set(chosen)
    for rule in quiz.draw_rules.select_related("category", "competency").order_by(
        "sort_order", "pk"
    ):
        pool = Question.objects.in_use()
        if rule.category_id:
            pool = pool.filter(category_id=rule.category_id)
        if rule.competency_id:
            pool = pool.filter(competency__path__startswith=rule.competency.path)
        candidates = [
            pk
            for pk in pool.order_by("pk").values_list("pk", flat=True)
            if pk not in taken
        ]
        if len(candidates) < rule.count:
            raise ValidationError(
                _(
                    "The quiz “%(quiz)s” cannot start: it draws %(count)s questions "
                    "from %(source)s but only %(available)s active questions are left "
                    "there. Ask a course editor to add questions or lower the number."
                )
                % {
                    "quiz": quiz.display_title,
                    "count": rule.count,
                    "source": rule.competency or rule.category,
                    "available": len(candidates),
                },
                code=DRAW_SHORT,
            )
        picked = rng.sample(candidates, rule.count)
        chosen.extend(picked)
        taken.update(picked)
    if not chosen:
        raise ValidationError(
            _(
                "The quiz “%(quiz)s” has no questions yet. Ask a course editor to add "
                "questions to it."
            )
            % {"quiz": quiz.display_title},
            code=NO_QUESTIONS,
        )
    if quiz.shuffle_questions:
        rng.shuffle(chosen)

    option_order: dict[str, list[int]] = defaultdict(list)
    shuffled_types = {Question.Type.SINGLE, Question.Type.MULTIPLE}
    types: dict[int, str] = {}
    for question_id, option_id, question_type in (
        QuestionOption.objects.filter(question_id__in=chosen)
        .order_by("question_id", "sort_order", "pk")
        .values_list("question_id", "pk", "question__type")
    ):
        option_order[str(question_id)].append(option_id)
        types[question_id] = question_type
    if quiz.shuffle_options:
        for question_id, question_type in types.items():
            if question_type in shuffled_types:
                rng.shuffle(option_order[str(question_id)])
    return chosen, dict(option_order)


def attempt_start(
    *, quiz: Quiz, learner, now: datetime.datetime | None = None
) -> Attempt:
    """Resume the learner's open attempt at `quiz`, or start a new one.

    An open attempt whose deadline and grace have passed is submitted first (graded
    with the answers saved in time), as the time limit is kept by the server. A new
    attempt is drawn from the published quiz and questions and keeps their answer
    keys (see answer_key_freeze). It is refused with a ValidationError when the quiz
    is inactive or not published, when every
    allowed attempt is used, or when a draw rule cannot be filled. Two starts at the
    same moment (two tabs, a double click) end with the same open attempt."""
    now = now or timezone.now()
    current = Attempt.objects.filter(
        quiz=quiz, learner=learner, status=Attempt.Status.IN_PROGRESS
    ).first()
    if current is not None:
        if not attempt_is_expired(attempt=current, now=now):
            return current
        _submit(attempt_id=current.pk, learner_id=learner.pk, answers=None, now=now)
    if not quiz.accepts_attempts:
        raise ValidationError(
            _("The quiz “%(quiz)s” is closed. Ask your training officer when it opens.")
            % {"quiz": quiz.display_title},
            code=QUIZ_CLOSED,
        )
    used = Attempt.objects.filter(quiz=quiz, learner=learner).aggregate(
        count=Count("pk"), last=Max("number")
    )
    if quiz.max_attempts and used["count"] >= quiz.max_attempts:
        raise ValidationError(
            _(
                "You have used all %(max)s attempts at “%(quiz)s”. Ask your training "
                "officer if you need another attempt."
            )
            % {"max": quiz.max_attempts, "quiz": quiz.display_title},
            code=ATTEMPTS_USED,
        )
    question_ids, option_order = quiz_draw(quiz=quiz)
    attempt = Attempt(
        quiz=quiz,
        learner=learner,
        number=(used["last"] or 0) + 1,
        status=Attempt.Status.IN_PROGRESS,
        started_at=now,
        deadline_at=(
            now + datetime.timedelta(minutes=quiz.time_limit_minutes)
            if quiz.time_limit_minutes
            else None
        ),
        question_ids=question_ids,
        option_order=option_order,
        quiz_revision_id=quiz.live_revision_id,
        answer_key=answer_key_freeze(quiz=quiz, question_ids=question_ids),
    )
    # The database constraints decide races; checking them here would only turn a
    # lost race into an error instead of a resume.
    attempt.full_clean(
        exclude=["quiz", "learner", "passed"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            attempt.save(force_insert=True)
    except IntegrityError:
        winner = Attempt.objects.filter(
            quiz=quiz, learner=learner, status=Attempt.Status.IN_PROGRESS
        ).first()
        if winner is not None:
            return winner
        raise ValidationError(
            _(
                "Another attempt at this quiz was started or submitted at the same "
                "moment. Reload the page to continue."
            ),
            code=START_RACE,
        ) from None
    return attempt


# Answers --------------------------------------------------------------------------


def _require_owner(attempt: Attempt, learner_id: int) -> None:
    if attempt.learner_id != learner_id:
        raise PermissionDenied(_("This quiz attempt belongs to someone else."))


def _require_open(attempt: Attempt) -> None:
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise ValidationError(
            _(
                "This attempt has already been submitted, so answers can no longer "
                "be changed. Open the result page to see how you did."
            ),
            code=ATTEMPT_SUBMITTED,
        )


def _deadline_error() -> ValidationError:
    return ValidationError(
        _(
            "The time for this attempt is up, so this answer was not saved. The "
            "answers saved before the time ran out were graded; submit or reload the "
            "page to see your result."
        ),
        code=DEADLINE_PASSED,
    )


def _invalid(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _question_id(attempt: Attempt, raw: object) -> int:
    question_id = raw if type(raw) is int else grading.id_from_text(str(raw))
    if question_id is None or question_id not in attempt.question_ids:
        raise _invalid(
            _(
                "This question is not part of your attempt. Reload the page and "
                "answer the questions shown."
            ),
            NOT_IN_ATTEMPT,
        )
    return question_id


def _clean_response(
    *, attempt: Attempt, question_id: int, question_type: str, response: Any
) -> dict[str, Any]:
    """The response in its stored shape, or a ValidationError that names the fault."""
    if not isinstance(response, Mapping):
        raise _invalid(
            _("This answer could not be read. Reload the page and answer again."),
            INVALID_RESPONSE,
        )
    if question_type in grading.CHOICE_TYPES:
        chosen = grading.chosen_option_ids(response)
        if chosen is None:
            raise _invalid(
                _("This answer could not be read. Reload the page and answer again."),
                INVALID_RESPONSE,
            )
        allowed = set(attempt.option_order.get(str(question_id), []))
        if not chosen <= allowed:
            raise _invalid(
                _(
                    "The option chosen does not belong to this question. Reload the "
                    "page and choose again."
                ),
                OPTION_NOT_IN_QUESTION,
            )
        if question_type != Question.Type.MULTIPLE and len(chosen) > 1:
            raise _invalid(
                _("Choose only one answer to this question."), INVALID_RESPONSE
            )
        return {"option_ids": sorted(chosen)}
    if question_type == Question.Type.SHORT:
        text = response.get("text", "")
        if not isinstance(text, str):
            raise _invalid(
                _("This answer could not be read. Reload the page and answer again."),
                INVALID_RESPONSE,
            )
        if len(text) > MAX_TEXT_RESPONSE:
            raise _invalid(
                _("Keep the answer under %(max)s characters.")
                % {"max": MAX_TEXT_RESPONSE},
                INVALID_RESPONSE,
            )
        return {"text": text}
    value = response.get("value", "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(
            _("This answer could not be read. Reload the page and answer again."),
            INVALID_RESPONSE,
        )
    value = str(value)
    if len(value) > MAX_NUMERIC_RESPONSE:
        raise _invalid(
            _("Enter the number only, without extra text."), INVALID_RESPONSE
        )
    return {"value": value}


def answer_save(
    *,
    attempt: Attempt,
    learner,
    question_id: int | str,
    response: Mapping[str, Any],
    now: datetime.datetime | None = None,
) -> AttemptAnswer:
    """Autosave one answer of an open attempt (create or replace).

    Refused, with the answer not stored: another person's attempt (PermissionDenied);
    a submitted attempt, a save after the deadline plus grace, a question that is not
    in the attempt, an option of another question, or a malformed response
    (ValidationError with one of the codes above). A save after the deadline plus
    grace also submits the attempt, graded with the answers saved in time: the
    deadline is kept by the next POST or the periodic task, never by a page view.
    Response shapes: choice {"option_ids": [...]}, short text {"text": "..."},
    numeric {"value": "..."}."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        _require_owner(locked, learner.pk)
        _require_open(locked)
        if not attempt_is_expired(attempt=locked, now=now):
            qid = _question_id(locked, question_id)
            frozen = attempt_answer_keys(attempt=locked).get(qid)
            if frozen is None:  # deleted since the draw
                raise _invalid(
                    _(
                        "This question is not part of your attempt. Reload the page "
                        "and answer the questions shown."
                    ),
                    NOT_IN_ATTEMPT,
                )
            cleaned = _clean_response(
                attempt=locked,
                question_id=qid,
                question_type=frozen.key.type,
                response=response,
            )
            answer, _created = AttemptAnswer.objects.update_or_create(
                attempt=locked,
                question_id=qid,
                defaults={"response": cleaned, "saved_at": now, "score": None},
            )
            return answer
    _submit(attempt_id=attempt.pk, learner_id=learner.pk, answers=None, now=now)
    raise _deadline_error()


# Submit ---------------------------------------------------------------------------


def attempt_submit(
    *,
    attempt: Attempt,
    learner,
    answers: Mapping[int | str, Mapping[str, Any]] | None = None,
    now: datetime.datetime | None = None,
) -> Attempt:
    """Submit and grade an attempt on the server; return it with its result.

    `answers` ({question id: response}) are the page's last answers, saved first with
    the checks of answer_save; a faulty one refuses the whole submit and changes
    nothing. When the deadline plus grace has passed they are ignored and the answers
    saved in time are graded. Every question of the attempt gets a stored answer row
    with its score (unanswered: empty response, 0 points). Submitting an attempt that
    is already submitted (double click, two tabs, a race) returns it unchanged.

    Evidence: see `attempt_evidence_levels`; written only for a passed graded quiz or
    post-test, in the same transaction as the grading. The `attempt` passed in gets
    the result too."""
    result = _submit(
        attempt_id=attempt.pk, learner_id=learner.pk, answers=answers, now=now
    )
    for name in _RESULT_FIELDS:
        setattr(attempt, name, getattr(result, name))
    return result


def attempt_evidence_levels(
    results: Iterable[tuple[int, int, bool]],
) -> dict[int, int]:
    """The evidence rule for one passed attempt. `results` holds (competency id,
    question level, answered fully correctly) per question. For each competency the
    level shown is the highest question level L such that the learner answered
    every question of that competency at L and at every level below L correctly
    (partial credit is not correct). Cumulative, so one lucky answer at a high level
    cannot outweigh wrong answers below it. Competencies with no such level give no
    evidence."""
    by_level: dict[int, dict[int, bool]] = defaultdict(dict)
    for competency_id, level, correct in results:
        levels = by_level[competency_id]
        levels[level] = levels.get(level, True) and bool(correct)
    shown: dict[int, int] = {}
    for competency_id, levels in by_level.items():
        reached = 0
        for level in sorted(levels):
            if not levels[level]:
                break
            reached = level
        if reached:
            shown[competency_id] = reached
    return shown


def _percent(score: Decimal, max_score: Decimal) -> Decimal:
    if max_score <= 0:
        return Decimal("0.00")
    return (score * 100 / max_score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _submit(
    *,
    attempt_id: int,
    learner_id: int,
    answers: Mapping[int | str, Mapping[str, Any]] | None,
    now: datetime.datetime | None,
) -> Attempt:
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz")
            .get(pk=attempt_id)
        )
        _require_owner(locked, learner_id)
        if locked.status == Attempt.Status.SUBMITTED:
            return locked
        # Graded against the answer keys frozen at start, never the live rows: a
        # publication during the attempt does not change its grade.
        existing = set(
            Question.objects.filter(pk__in=locked.question_ids).values_list(
                "pk", flat=True
            )
        )
        questions = {
            qid: frozen
            for qid, frozen in attempt_answer_keys(attempt=locked).items()
            if qid in existing
        }
        terms = attempt_quiz_terms(attempt=locked)
        stored = {
            a.question_id: a for a in AttemptAnswer.objects.filter(attempt=locked)
        }

        final: dict[int, dict[str, Any]] = {}
        if answers and not attempt_is_expired(attempt=locked, now=now):
            for raw_id, response in answers.items():
                qid = _question_id(locked, raw_id)
                if qid not in questions:  # deleted since the draw
                    continue
                final[qid] = _clean_response(
                    attempt=locked,
                    question_id=qid,
                    question_type=questions[qid].key.type,
                    response=response,
                )

        to_create: list[AttemptAnswer] = []
        to_update: list[AttemptAnswer] = []
        results: list[tuple[int, int, bool]] = []
        score = max_score = Decimal("0")
        for qid in locked.question_ids:
            question = questions.get(qid)
            if question is None:  # deleted since the draw: not counted either way
                continue
            answer = stored.get(qid)
            if answer is None:
                answer = AttemptAnswer(
                    attempt=locked, question_id=qid, response={}, saved_at=now
                )
                to_create.append(answer)
            else:
                to_update.append(answer)
            if qid in final:
                answer.response, answer.saved_at = final[qid], now
            result = grading.grade(question.key, answer.response)
            answer.score, answer.is_correct = result.score, result.is_correct
            score += result.score
            max_score += question.key.points
            results.append((question.competency_id, question.level, result.is_correct))

        percent = _percent(score, max_score)
        outcome = {
            "status": Attempt.Status.SUBMITTED,
            "submitted_at": now,
            "score": score,
            "max_score": max_score,
            "percent": percent,
            "passed": percent >= terms.pass_mark_percent,
        }
        # Claim the attempt: without row locks (SQLite) this is what keeps a second,
        # concurrent submit from grading again.
        claimed = Attempt.objects.filter(
            pk=locked.pk, status=Attempt.Status.IN_PROGRESS
        ).update(**outcome)
        if not claimed:
            locked.refresh_from_db()
            return locked
        for name, value in outcome.items():
            setattr(locked, name, value)
        AttemptAnswer.objects.bulk_create(to_create)
        AttemptAnswer.objects.bulk_update(
            to_update, ["response", "saved_at", "score", "is_correct"]
        )
        if locked.passed and terms.kind in EVIDENCE_KINDS:
            _evidence_write(
                attempt=locked, levels=attempt_evidence_levels(results), observed_at=now
            )
        graded = locked
        transaction.on_commit(
            lambda: attempt_graded.send(sender=Attempt, attempt=graded)
        )
    return locked


def _evidence_write(
    *, attempt: Attempt, levels: dict[int, int], observed_at: datetime.datetime
) -> list[Evidence]:
    """Record quiz evidence for several competencies at once, keeping the level rule of
    assessments.services.evidence (checked against competency_level_recompute in
    tests/assessments/test_quiz_attempts.py). A batch, because one evidence_record
    call per competency would not fit the submit's query budget."""
    if not levels:
        return []
    competencies = Competency.objects.filter(pk__in=levels).annotate(
        scale_max=Max("framework__scale__levels__value")
    )
    label = f"{attempt.quiz.display_title} #{attempt.number}"
    rows = [
        Evidence(
            learner_id=attempt.learner_id,
            competency=competency,
            level=levels[competency.pk],
            kind=Evidence.Kind.QUIZ,
            source_type="quiz",
            source_id=str(attempt.pk),
            source_label=label[:300],
            observed_at=observed_at,
            expires_at=evidence_expiry(competency=competency, observed_at=observed_at),
        )
        for competency in competencies
        if level_error(levels[competency.pk], max_level=competency.scale_max or 0)
        is None
    ]
    Evidence.objects.bulk_create(rows)
    competency_levels_recompute_many(
        learner_id=attempt.learner_id,
        competency_ids=[row.competency_id for row in rows],
        now=observed_at,
    )
    return rows


def attempts_close_expired(*, now: datetime.datetime | None = None) -> int:
    """Submit every open attempt whose deadline plus grace has passed (for a periodic
    task: a learner who closed the tab still gets a result). Returns how many."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(
        attempt_expired_q(now=now), status=Attempt.Status.IN_PROGRESS
    ).values_list("pk", "learner_id")
    count = 0
    for attempt_id, learner_id in expired.iterator():
        _submit(attempt_id=attempt_id, learner_id=learner_id, answers=None, now=now)
        count += 1
    return count
