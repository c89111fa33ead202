"""The learner's quiz pages: the list of quizzes, a quiz's overview, taking an attempt
(timer, autosave, submit) and the result as the quiz's review policy allows.

Every write goes through assessments.services.quizzes. The attempt page is built from
quiz_selectors.attempt_questions_for_display, which holds nothing that tells the right
answer, and the answer endpoint replies with the save time only. Someone else's
attempt is "not found", never "forbidden": its existence is not revealed.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import grading
from .models import Attempt, Question, Quiz
from .quiz_selectors import (
    AttemptState,
    DisplayQuestion,
    QuizStanding,
    attempt_counted_positions,
    attempt_questions_for_display,
    attempt_quiz_terms,
    attempt_ran_out,
    attempt_review,
    attempt_state,
    latest_percent,
    quiz_learning_gain,
    quiz_question_count,
    quiz_standings,
)
from .services import quizzes

# Refusals that are about the attempt's state rather than the answer sent.
_STATE_CODES = {quizzes.ATTEMPT_SUBMITTED, quizzes.DEADLINE_PASSED}
_FIELD_PREFIX = "q-"


def _attempts_left(quiz: Quiz, used: int) -> int | None:
    """None means unlimited."""
    if not quiz.max_attempts:
        return None
    return max(quiz.max_attempts - used, 0)


def _owned_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.select_related("quiz"), pk=attempt_id, learner=request.user
    )


def _time_ran_out_message(attempt: Attempt) -> str:
    positions = attempt_counted_positions(attempt=attempt)
    if not positions:
        return _(
            "The time ran out before your answers were submitted and none were saved "
            "in time, so this attempt was graded as unanswered."
        )
    return _(
        "The time ran out before your answers were submitted, so answers given after "
        "the deadline were not counted. Your answers to questions %(numbers)s were "
        "saved in time and were graded."
    ) % {"numbers": ", ".join(str(n) for n in positions)}


# Reading answers from a request ---------------------------------------------------


def _response_from_fields(
    question_type: str | None, values: list[str]
) -> dict[str, Any]:
    if question_type == Question.Type.SHORT:
        return {"text": values[-1] if values else ""}
    if question_type == Question.Type.NUMERIC:
        return {"value": values[-1].strip() if values else ""}
    return {"option_ids": values}


def _answers_from_post(post: QueryDict, attempt: Attempt) -> dict[str, dict]:
    """The submitted form as {question id: response}. Every question the page showed
    is included (a cleared set of checkboxes posts nothing, and must clear the saved
    answer); ids that are not in the attempt are passed on for the service to refuse."""
    ids = set(post.getlist("shown"))
    ids.update(
        key[len(_FIELD_PREFIX) :] for key in post if key.startswith(_FIELD_PREFIX)
    )
    types = dict(
        Question.objects.filter(pk__in=attempt.question_ids).values_list("pk", "type")
    )
    answers: dict[str, dict] = {}
    for raw in sorted(ids):
        question_id = grading.id_from_text(raw)
        question_type = types.get(question_id) if question_id is not None else None
        answers[raw] = _response_from_fields(
            question_type, post.getlist(f"{_FIELD_PREFIX}{raw}")
        )
    return answers


def _answer_from_request(request: HttpRequest) -> tuple[Any, Any]:
    """(question id, response) from a JSON body {"question_id", "response"} or a form
    with question_id and option_ids / text / value. ValueError when unreadable."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, RecursionError) as error:
            # Not JSON, not UTF-8, a number too long to read, or nested too deep.
            raise ValueError("not JSON") from error
        if not isinstance(body, dict) or "question_id" not in body:
            raise ValueError("no question")
        return body["question_id"], body.get("response")
    post = request.POST
    if "question_id" not in post:
        raise ValueError("no question")
    if "text" in post:
        response: dict[str, Any] = {"text": post["text"]}
    elif "value" in post:
        response = {"value": post["value"]}
    else:
        response = {"option_ids": post.getlist("option_ids")}
    return post["question_id"], response


# Pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizRow:
    quiz: Quiz
    standing: QuizStanding
    attempts_left: int | None


@dataclass(frozen=True)
class QuizGroup:
    key: str
    title: str
    intro: str
    rows: list[QuizRow] = field(default_factory=list)


@login_required
def quiz_list(request: HttpRequest) -> HttpResponse:
    """Active, published quizzes grouped by kind, each with the learner's best
    score."""
    quiz_set = list(Quiz.objects.in_use().select_related("paired_with"))
    standings = quiz_standings(learner=request.user, quiz_ids=[q.pk for q in quiz_set])

    def row(quiz: Quiz) -> QuizRow:
        standing = standings.get(quiz.pk, QuizStanding())
        return QuizRow(quiz, standing, _attempts_left(quiz, standing.used))

    def pair_key(quiz: Quiz) -> tuple[str, int]:
        # A pre-test, then the post-test paired with it.
        if quiz.kind == Quiz.Kind.POST_TEST and quiz.paired_with:
            return quiz.paired_with.code, 1
        return quiz.code, 0

    groups = [
        QuizGroup(
            "graded",
            _("Graded quizzes"),
            _("Passing a graded quiz is evidence of your competency levels."),
            [row(q) for q in quiz_set if q.kind == Quiz.Kind.GRADED],
        ),
        QuizGroup(
            "prepost",
            _("Pre-tests and post-tests"),
            _(
                "Take the pre-test before a course and the post-test after it to see "
                "how much you have learned."
            ),
            [
                row(q)
                for q in sorted(
                    (
                        q
                        for q in quiz_set
                        if q.kind in (Quiz.Kind.PRE_TEST, Quiz.Kind.POST_TEST)
                    ),
                    key=pair_key,
                )
            ],
        ),
        QuizGroup(
            "practice",
            _("Practice quizzes"),
            _("For practice only: they do not change your competency levels."),
            [row(q) for q in quiz_set if q.kind == Quiz.Kind.PRACTICE],
        ),
    ]
    return render(
        request,
        "assessments/quiz_list.html",
        {"groups": [group for group in groups if group.rows]},
    )


def _pre_post_context(request: HttpRequest, quiz: Quiz) -> dict[str, Any]:
    """For a post-test: the pre-test score and the learner's normalised gain. For a
    pre-test: the post-test that goes with it."""
    if quiz.kind == Quiz.Kind.PRE_TEST:
        return {"post_test": Quiz.objects.live().filter(paired_with=quiz).first()}
    if quiz.kind != Quiz.Kind.POST_TEST or not quiz.paired_with_id:
        return {}
    pre_percent = latest_percent(learner=request.user, quiz_id=quiz.paired_with_id)
    gain = quiz_learning_gain(learner=request.user, post_quiz=quiz)
    return {
        "pre_test": quiz.paired_with,
        "pre_percent": pre_percent,
        "post_percent": latest_percent(learner=request.user, quiz_id=quiz.pk),
        "gain_percent": None if gain is None else round(gain * 100),
    }


@dataclass(frozen=True)
class AttemptRow:
    attempt: Attempt
    state: str  # an AttemptState


@login_required
def quiz_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A quiz's overview: what it asks, the learner's attempts and a Start/Resume.
    Only a published quiz has one (an unpublished row may hold an editor's draft)."""
    quiz = get_object_or_404(
        Quiz.objects.live().select_related("paired_with"), code=code
    )
    now = timezone.now()
    attempts = [
        AttemptRow(attempt, attempt_state(attempt=attempt, now=now))
        for attempt in Attempt.objects.filter(quiz=quiz, learner=request.user).order_by(
            "number"
        )
    ]
    open_attempt = next(
        (row.attempt for row in attempts if row.state == AttemptState.OPEN), None
    )
    attempts_left = _attempts_left(quiz, len(attempts))
    question_count, drawn = quiz_question_count(quiz=quiz)
    context = {
        "quiz": quiz,
        "description": quiz.display_description,
        "question_count": question_count,
        "drawn": drawn,
        "attempts": attempts,
        "used": len(attempts),
        "attempts_left": attempts_left,
        "open_attempt": open_attempt,
        "can_start": open_attempt is not None
        or (quiz.accepts_attempts and attempts_left != 0),
        **_pre_post_context(request, quiz),
    }
    return render(request, "assessments/quiz_detail.html", context)


@login_required
@require_POST
def quiz_start(request: HttpRequest, code: str) -> HttpResponse:
    """Start a new attempt or resume the open one; a refusal is told on the overview."""
    quiz = get_object_or_404(Quiz.objects.live(), code=code)
    try:
        attempt = quizzes.attempt_start(quiz=quiz, learner=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:quiz_detail", code=quiz.code)
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@dataclass(frozen=True)
class PageQuestion:
    """A question as the attempt page draws it: the display question and the answer
    to fill in (saved, or posted when a submit was refused)."""

    question: DisplayQuestion
    chosen: frozenset[int]
    value: str

    @property
    def answered(self) -> bool:
        return bool(self.chosen) or bool(self.value.strip())


def _page_questions(
    questions: list[DisplayQuestion], posted: dict[str, dict] | None = None
) -> list[PageQuestion]:
    shown = []
    for question in questions:
        response = question.response
        if posted is not None and str(question.id) in posted:
            response = posted[str(question.id)]
        chosen = grading.chosen_option_ids(response) or frozenset()
        value = response.get("text", response.get("value", "")) if response else ""
        shown.append(PageQuestion(question, frozenset(chosen), str(value)))
    return shown


def _epoch_ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _render_attempt(
    request: HttpRequest,
    attempt: Attempt,
    *,
    posted: dict[str, dict] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    questions = _page_questions(attempt_questions_for_display(attempt=attempt), posted)
    context = {
        "quiz": attempt.quiz,
        "attempt": attempt,
        "questions": questions,
        "total": len(questions),
        "answered": sum(1 for q in questions if q.answered),
        "deadline_ms": _epoch_ms(attempt.deadline_at) if attempt.deadline_at else None,
        "server_now_ms": _epoch_ms(timezone.now()),
        "error": error,
    }
    return render(request, "assessments/quiz_attempt.html", context, status=status)


@never_cache
@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The attempt page: every question on one page, saved answers filled in. When
    the time is up it says so and offers to submit: a GET never grades."""
    attempt = _owned_attempt(request, attempt_id)
    state = attempt_state(attempt=attempt)
    if state == AttemptState.SUBMITTED:
        return redirect("assessments:attempt_result", attempt_id=attempt.pk)
    if state == AttemptState.TIME_UP:
        return render(
            request,
            "assessments/quiz_time_up.html",
            {
                "quiz": attempt.quiz,
                "attempt": attempt,
                "saved_positions": attempt_counted_positions(attempt=attempt),
            },
        )
    return _render_attempt(request, attempt)


def _json_refusal(message: str, status: int, code: str = "") -> JsonResponse:
    return JsonResponse({"saved": False, "code": code, "error": message}, status=status)


@never_cache
@require_POST
def attempt_answer(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """Autosave one answer. Replies {saved, saved_at, message} or a 4xx JSON with a
    message for the learner; never anything about correctness."""
    if not request.user.is_authenticated:
        return _json_refusal(
            _("You have been signed out, so this answer was not saved. Sign in again."),
            401,
        )
    attempt = Attempt.objects.filter(pk=attempt_id, learner=request.user).first()
    if attempt is None:
        return _json_refusal(_("This quiz attempt was not found."), 404, "not_found")
    try:
        question_id, response = _answer_from_request(request)
    except ValueError:
        return _json_refusal(
            _("This answer could not be read. Reload the page and answer again."),
            400,
            quizzes.INVALID_RESPONSE,
        )
    try:
        answer = quizzes.answer_save(
            attempt=attempt,
            learner=request.user,
            question_id=question_id,
            response=response,
        )
    except ValidationError as error:
        code = error.code or ""
        return _json_refusal(
            " ".join(error.messages), 409 if code in _STATE_CODES else 400, code
        )
    saved_at = timezone.localtime(answer.saved_at)
    return JsonResponse(
        {
            "saved": True,
            "saved_at": saved_at.isoformat(),
            "message": _("Saved at %(time)s") % {"time": saved_at.strftime("%H:%M:%S")},
        }
    )


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Submit the page's answers and grade them; a second submit changes nothing."""
    attempt = _owned_attempt(request, attempt_id)
    if attempt.status == Attempt.Status.SUBMITTED:
        return redirect("assessments:attempt_result", attempt_id=attempt.pk)
    now = timezone.now()
    posted = _answers_from_post(request.POST, attempt)
    try:
        quizzes.attempt_submit(
            attempt=attempt, learner=request.user, answers=posted, now=now
        )
    except ValidationError as error:
        attempt.refresh_from_db()
        if attempt.status == Attempt.Status.SUBMITTED:
            return redirect("assessments:attempt_result", attempt_id=attempt.pk)
        return _render_attempt(
            request,
            attempt,
            posted=posted,
            error=_(
                "Your answers were not submitted: %(reason)s Nothing was changed; "
                "check your answers and submit again."
            )
            % {"reason": " ".join(error.messages)},
            status=400,
        )
    if request.POST.get("timeout") and not attempt_ran_out(attempt=attempt):
        messages.info(
            request, _("The time was up, so your answers were submitted for you.")
        )
    return redirect("assessments:attempt_result", attempt_id=attempt.pk)


@login_required
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Score, pass or fail, and the review the quiz's policy allows."""
    attempt = _owned_attempt(request, attempt_id)
    if attempt.status != Attempt.Status.SUBMITTED:  # open, or its time is up
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    quiz = attempt.quiz
    used = Attempt.objects.filter(quiz=quiz, learner=request.user).count()
    attempts_left = _attempts_left(quiz, used)
    # The pass mark and kind the attempt was graded by, not what was published since.
    terms = attempt_quiz_terms(attempt=attempt)
    context = {
        "quiz": quiz,
        "attempt": attempt,
        "pass_mark_percent": terms.pass_mark_percent,
        "review": attempt_review(attempt=attempt),
        "attempts_left": attempts_left,
        "can_retry": quiz.accepts_attempts and attempts_left != 0,
        "counts_as_evidence": terms.kind in quizzes.EVIDENCE_KINDS,
        "ran_out_message": (
            _time_ran_out_message(attempt) if attempt_ran_out(attempt=attempt) else ""
        ),
        **_pre_post_context(request, quiz),
    }
    return render(request, "assessments/quiz_result.html", context)
