import datetime
import json
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from assessments import quiz_selectors
from assessments.models import (
    Attempt,
    AttemptAnswer,
    CompetencyLevel,
    Evidence,
    Question,
    Quiz,
)
from assessments.services import quizzes
from assessments.services.evidence import competency_level_recompute, evidence_record
from tests.assessments.quiz_factories import (
    CategoryFactory,
    QuestionFactory,
    QuizFactory,
    add_fixed,
    add_rule,
    small_framework,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def fw():
    return small_framework()


@pytest.fixture
def learner():
    return UserFactory()


def right_response(question: Question) -> dict:
    if question.type in ("single", "multiple", "truefalse"):
        return {"option_ids": [o.pk for o in question.options.all() if o.is_correct]}
    if question.type == "short":
        return {"text": question.accepted_answers[0]}
    return {"value": str(question.numeric_answer)}


def wrong_response(question: Question) -> dict:
    if question.type in ("single", "multiple", "truefalse"):
        wrong = [o.pk for o in question.options.all() if not o.is_correct]
        return {"option_ids": wrong[:1]}
    if question.type == "short":
        return {"text": "no idea"}
    return {"value": "-999"}


def stored_answers(attempt) -> dict:
    return dict(
        AttemptAnswer.objects.filter(attempt=attempt).values_list(
            "question_id", "response"
        )
    )


def fixed_quiz(questions, **kwargs) -> Quiz:
    quiz = QuizFactory(**kwargs)
    add_fixed(quiz, questions)
    return quiz


# Drawing and starting -------------------------------------------------------------


def test_draw_takes_fixed_questions_then_n_per_rule_without_duplicates(fw, learner):
    cat = CategoryFactory()
    fixed = QuestionFactory(competency=fw.c1, category=cat)
    pool = [QuestionFactory(competency=fw.c1, category=cat) for _ in range(5)]
    QuestionFactory(competency=fw.c1, category=cat, is_active=False)
    QuestionFactory(competency=fw.c1)  # another category
    quiz = fixed_quiz([fixed])
    add_rule(quiz, count=5, category=cat)

    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)

    assert attempt.question_ids[0] == fixed.pk
    assert sorted(attempt.question_ids[1:]) == sorted(q.pk for q in pool)
    assert len(set(attempt.question_ids)) == 6
    assert attempt.option_order[str(fixed.pk)] == [o.pk for o in fixed.options.all()]


def test_a_competency_rule_draws_from_the_competencies_below_it(fw, learner):
    below = [QuestionFactory(competency=c) for c in (fw.c1, fw.c2, fw.c3)]
    quiz = QuizFactory()
    add_rule(quiz, count=3, competency=fw.area)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    assert sorted(attempt.question_ids) == sorted(q.pk for q in below)


def test_a_rule_that_cannot_be_filled_refuses_to_start(fw, learner):
    cat = CategoryFactory()
    QuestionFactory.create_batch(2, competency=fw.c1, category=cat)
    QuestionFactory(competency=fw.c1, category=cat, is_active=False)
    quiz = QuizFactory()
    add_rule(quiz, count=3, category=cat)
    with pytest.raises(ValidationError) as exc:
        quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    assert exc.value.code == quizzes.DRAW_SHORT
    assert "only 2 active questions" in exc.value.messages[0]
    assert not Attempt.objects.exists()


def test_shuffle_flags_shuffle_and_the_order_is_frozen(fw, learner):
    questions = [
        QuestionFactory(
            competency=fw.c1,
            type="multiple",
            options=[(str(i), i < 3) for i in range(6)],
        )
        for _ in range(12)
    ]
    quiz = fixed_quiz(questions, shuffle_questions=True, shuffle_options=True)
    orders, option_orders = set(), set()
    for user in UserFactory.create_batch(6):
        attempt = quizzes.attempt_start(quiz=quiz, learner=user, now=START)
        assert sorted(attempt.question_ids) == sorted(q.pk for q in questions)
        orders.add(tuple(attempt.question_ids))
        option_orders.add(tuple(attempt.option_order[str(questions[0].pk)]))
        resumed = quizzes.attempt_start(quiz=quiz, learner=user, now=START)
        assert resumed.question_ids == attempt.question_ids
        assert resumed.option_order == attempt.option_order
    # 6 draws of 12! orders (and 6! option orders) all equal would be a broken shuffle.
    assert len(orders) > 1
    assert len(option_orders) > 1


def test_without_shuffle_the_quiz_order_is_kept(fw, learner):
    questions = QuestionFactory.create_batch(4, competency=fw.c1)
    quiz = fixed_quiz(questions)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    assert attempt.question_ids == [q.pk for q in questions]


def test_start_resumes_the_open_attempt(fw, learner):
    quiz = fixed_quiz([QuestionFactory(competency=fw.c1)], time_limit_minutes=20)
    first = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    again = quizzes.attempt_start(
        quiz=quiz, learner=learner, now=START + datetime.timedelta(minutes=5)
    )
    assert again.pk == first.pk
    assert first.deadline_at == START + datetime.timedelta(minutes=20)
    assert Attempt.objects.count() == 1


def test_a_start_that_loses_a_race_resumes_the_winner(fw, learner, monkeypatch):
    question = QuestionFactory(competency=fw.c1)
    quiz = fixed_quiz([question])
    real_draw = quizzes.quiz_draw
    winner = {}

    def draw_while_another_tab_starts(**kwargs):
        winner["attempt"] = Attempt.objects.create(
            quiz=quiz,
            learner=learner,
            number=1,
            started_at=START,
            question_ids=[question.pk],
        )
        return real_draw(**kwargs)

    monkeypatch.setattr(quizzes, "quiz_draw", draw_while_another_tab_starts)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    assert attempt.pk == winner["attempt"].pk
    assert Attempt.objects.filter(quiz=quiz, learner=learner).count() == 1


def test_max_attempts_is_enforced(fw, learner):
    quiz = fixed_quiz([QuestionFactory(competency=fw.c1)], max_attempts=2)
    for number in (1, 2):
        attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
        assert attempt.number == number
        quizzes.attempt_submit(attempt=attempt, learner=learner, now=START)
    with pytest.raises(ValidationError) as exc:
        quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    assert exc.value.code == quizzes.ATTEMPTS_USED
    assert "all 2 attempts" in exc.value.messages[0]
    assert Attempt.objects.count() == 2


def test_an_inactive_quiz_does_not_start(fw, learner):
    quiz = fixed_quiz([QuestionFactory(competency=fw.c1)], is_active=False)
    with pytest.raises(ValidationError):
        quizzes.attempt_start(quiz=quiz, learner=learner, now=START)


def test_an_expired_open_attempt_is_submitted_before_a_new_one_starts(fw, learner):
    question = QuestionFactory(competency=fw.c1)
    quiz = fixed_quiz([question], time_limit_minutes=10)
    first = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    quizzes.answer_save(
        attempt=first,
        learner=learner,
        question_id=question.pk,
        response=right_response(question),
        now=START,
    )
    later = START + datetime.timedelta(hours=2)
    second = quizzes.attempt_start(quiz=quiz, learner=learner, now=later)
    first.refresh_from_db()
    assert second.pk != first.pk and second.number == 2
    assert first.status == Attempt.Status.SUBMITTED and first.score == Decimal("1")


# Autosave and the deadline --------------------------------------------------------


def test_answers_after_deadline_plus_grace_are_ignored(fw, learner, settings):
    settings.QUIZ_DEADLINE_GRACE_SECONDS = 30
    q1, q2 = QuestionFactory.create_batch(2, competency=fw.c1)
    quiz = fixed_quiz([q1, q2], time_limit_minutes=10)
    with time_machine.travel(START, tick=False) as clock:
        attempt = quizzes.attempt_start(quiz=quiz, learner=learner)
        clock.shift(datetime.timedelta(minutes=10, seconds=29))  # within the grace
        quizzes.answer_save(
            attempt=attempt,
            learner=learner,
            question_id=q1.pk,
            response=right_response(q1),
        )
        clock.shift(datetime.timedelta(seconds=2))  # 10:31 — too late
        with pytest.raises(ValidationError) as exc:
            quizzes.answer_save(
                attempt=attempt,
                learner=learner,
                question_id=q2.pk,
                response=right_response(q2),
            )
        assert exc.value.code == quizzes.DEADLINE_PASSED
        # The late save closed the attempt with the answer saved in time.
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.SUBMITTED
        assert attempt.score == Decimal("1")
        assert stored_answers(attempt) == {q1.pk: right_response(q1), q2.pk: {}}


def test_late_final_answers_are_ignored(fw, learner, settings):
    settings.QUIZ_DEADLINE_GRACE_SECONDS = 30
    q1, q2 = QuestionFactory.create_batch(2, competency=fw.c1)
    quiz = fixed_quiz([q1, q2], time_limit_minutes=10)
    with time_machine.travel(START, tick=False) as clock:
        attempt = quizzes.attempt_start(quiz=quiz, learner=learner)
        quizzes.answer_save(
            attempt=attempt,
            learner=learner,
            question_id=q1.pk,
            response=right_response(q1),
        )
        clock.shift(datetime.timedelta(minutes=10, seconds=31))
        # The page's last answers arrive late: ignored, the saved one counts.
        submitted = quizzes.attempt_submit(
            attempt=attempt,
            learner=learner,
            answers={q1.pk: wrong_response(q1), q2.pk: right_response(q2)},
        )
    assert submitted.score == Decimal("1")
    assert stored_answers(attempt) == {q1.pk: right_response(q1), q2.pk: {}}


def test_the_deadline_rule_agrees_in_python_and_sql(fw, learner, settings):
    settings.QUIZ_DEADLINE_GRACE_SECONDS = 30
    question = QuestionFactory(competency=fw.c1)
    timed = quizzes.attempt_start(
        quiz=fixed_quiz([question], time_limit_minutes=10), learner=learner, now=START
    )
    untimed = quizzes.attempt_start(
        quiz=fixed_quiz([question]), learner=learner, now=START
    )
    for offset in (0, 10 * 60 + 29, 10 * 60 + 30, 10 * 60 + 31, 3600):
        now = START + datetime.timedelta(seconds=offset)
        in_sql = set(
            Attempt.objects.filter(
                quiz_selectors.attempt_expired_q(now=now)
            ).values_list("pk", flat=True)
        )
        in_python = {
            a.pk
            for a in (timed, untimed)
            if quiz_selectors.attempt_is_expired(attempt=a, now=now)
        }
        assert in_sql == in_python, offset
        assert (timed.pk in in_python) == (offset > 10 * 60 + 30), offset


def test_grace_defaults_to_30_seconds(fw, learner, settings):
    del settings.QUIZ_DEADLINE_GRACE_SECONDS
    quiz = fixed_quiz([QuestionFactory(competency=fw.c1)], time_limit_minutes=1)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    deadline = START + datetime.timedelta(minutes=1)
    assert not quizzes.attempt_is_expired(
        attempt=attempt, now=deadline + datetime.timedelta(seconds=30)
    )
    assert quizzes.attempt_is_expired(
        attempt=attempt, now=deadline + datetime.timedelta(seconds=31)
    )


def test_autosave_replaces_the_answer(fw, learner):
    question = QuestionFactory(competency=fw.c1)
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz([question]), learner=learner, now=START
    )
    a, b = (o.pk for o in question.options.all()[:2])
    for choice in (a, b):
        quizzes.answer_save(
            attempt=attempt,
            learner=learner,
            question_id=str(question.pk),
            response={"option_ids": [str(choice)]},
            now=START,
        )
    assert stored_answers(attempt) == {question.pk: {"option_ids": [b]}}


@pytest.fixture
def open_attempt(fw, learner):
    """An open attempt with q1 (single) already answered, plus q2 (short)."""
    q1 = QuestionFactory(competency=fw.c1)
    q2 = QuestionFactory(competency=fw.c1, type="short", accepted_answers=["x"])
    outside = QuestionFactory(competency=fw.c1)
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz([q1, q2]), learner=learner, now=START
    )
    quizzes.answer_save(
        attempt=attempt,
        learner=learner,
        question_id=q1.pk,
        response=right_response(q1),
        now=START,
    )
    return attempt, q1, q2, outside


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("someone_else", PermissionDenied),
        ("question_not_in_attempt", ValidationError),
        ("option_of_another_question", ValidationError),
        ("two_options_on_single", ValidationError),
        ("not_a_mapping", ValidationError),
        ("text_not_a_string", ValidationError),
        ("submitted", ValidationError),
    ],
)
def test_tampered_saves_are_refused_and_change_nothing(
    open_attempt, learner, case, error
):
    attempt, q1, q2, outside = open_attempt
    user, question_id, response = learner, q1.pk, {"option_ids": []}
    wrong_option = [o.pk for o in q1.options.all() if not o.is_correct][0]
    if case == "someone_else":
        user = UserFactory()
    elif case == "question_not_in_attempt":
        question_id, response = outside.pk, right_response(outside)
    elif case == "option_of_another_question":
        response = {"option_ids": [outside.options.first().pk]}
    elif case == "two_options_on_single":
        response = {"option_ids": [*right_response(q1)["option_ids"], wrong_option]}
    elif case == "not_a_mapping":
        response = ["x"]
    elif case == "text_not_a_string":
        question_id, response = q2.pk, {"text": ["x"]}
    elif case == "submitted":
        quizzes.attempt_submit(attempt=attempt, learner=learner, now=START)
    before = stored_answers(attempt)
    with pytest.raises(error):
        quizzes.answer_save(
            attempt=attempt,
            learner=user,
            question_id=question_id,
            response=response,
            now=START,
        )
    assert stored_answers(attempt) == before
    assert before[q1.pk] == right_response(q1)


def test_a_tampered_final_answer_refuses_the_whole_submit(open_attempt, learner):
    attempt, q1, q2, outside = open_attempt
    with pytest.raises(ValidationError) as exc:
        quizzes.attempt_submit(
            attempt=attempt,
            learner=learner,
            answers={
                q2.pk: {"text": "x"},
                q1.pk: {"option_ids": [outside.options.first().pk]},
            },
            now=START,
        )
    assert exc.value.code == quizzes.OPTION_NOT_IN_QUESTION
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert stored_answers(attempt) == {q1.pk: right_response(q1)}


def test_someone_else_cannot_submit(open_attempt):
    attempt = open_attempt[0]
    with pytest.raises(PermissionDenied):
        quizzes.attempt_submit(attempt=attempt, learner=UserFactory(), now=START)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


# Submitting -----------------------------------------------------------------------


def mixed_questions(fw, count=5):
    """A question of every type, cycling through competencies and levels."""
    made = []
    competencies = [fw.c1, fw.c2, fw.c3]
    for i in range(count):
        kind = ["single", "multiple", "truefalse", "short", "numeric"][i % 5]
        extra = {}
        if kind == "short":
            extra = {"accepted_answers": ["全程网办", "fully online"]}
        elif kind == "numeric":
            extra = {
                "numeric_answer": Decimal("12.5"),
                "numeric_tolerance": Decimal("0.5"),
            }
        made.append(
            QuestionFactory(
                competency=competencies[i % 3], level=1 + i % 2, type=kind, **extra
            )
        )
    return made


def test_submit_grades_on_the_server(fw, learner):
    questions = mixed_questions(fw, 5)
    quiz = fixed_quiz(questions, pass_mark_percent=70, kind=Quiz.Kind.PRACTICE)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    single, multiple, truefalse, short, numeric = questions
    a, b = (o.pk for o in multiple.options.all()[:2])
    answers = {
        single.pk: right_response(single),
        multiple.pk: {"option_ids": [a]},  # half of the right options
        truefalse.pk: wrong_response(truefalse),
        short.pk: {"text": "ＦＵＬＬＹ　ＯＮＬＩＮＥ"},
        numeric.pk: {"value": "１３"},
    }
    result = quizzes.attempt_submit(
        attempt=attempt, learner=learner, answers=answers, now=START
    )
    assert result.status == Attempt.Status.SUBMITTED
    assert (result.score, result.max_score) == (Decimal("3.5"), Decimal("5"))
    assert result.percent == Decimal("70.00") and result.passed is True
    scores = dict(
        AttemptAnswer.objects.filter(attempt=attempt).values_list(
            "question_id", "score"
        )
    )
    assert scores == {
        single.pk: Decimal("1"),
        multiple.pk: Decimal("0.5"),
        truefalse.pk: Decimal("0"),
        short.pk: Decimal("1"),
        numeric.pk: Decimal("1"),
    }


def test_unanswered_questions_get_a_zero_row(fw, learner):
    questions = QuestionFactory.create_batch(2, competency=fw.c1)
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz(questions), learner=learner, now=START
    )
    result = quizzes.attempt_submit(attempt=attempt, learner=learner, now=START)
    assert result.score == 0 and result.passed is False
    assert AttemptAnswer.objects.filter(attempt=attempt, score=0).count() == 2


def test_double_submit_grades_once_and_records_evidence_once(fw, learner):
    questions = QuestionFactory.create_batch(3, competency=fw.c1, level=2)
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz(questions), learner=learner, now=START
    )
    answers = {q.pk: right_response(q) for q in questions}
    first = quizzes.attempt_submit(
        attempt=attempt, learner=learner, answers=answers, now=START
    )
    later = START + datetime.timedelta(minutes=1)
    second = quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers={q.pk: wrong_response(q) for q in questions},
        now=later,
    )
    assert second.pk == first.pk
    assert (second.score, second.submitted_at) == (Decimal("3"), START)
    assert Attempt.objects.count() == 1
    assert stored_answers(attempt) == answers
    assert Evidence.objects.filter(learner=learner).count() == 1


def test_a_stale_second_submit_does_not_grade_again(fw, learner):
    """Two tabs: both hold the open attempt object; the second submit arrives after
    the first committed."""
    question = QuestionFactory(competency=fw.c1)
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz([question]), learner=learner, now=START
    )
    tab_a = Attempt.objects.get(pk=attempt.pk)
    tab_b = Attempt.objects.get(pk=attempt.pk)
    quizzes.attempt_submit(
        attempt=tab_a,
        learner=learner,
        answers={question.pk: right_response(question)},
        now=START,
    )
    result = quizzes.attempt_submit(
        attempt=tab_b,
        learner=learner,
        answers={question.pk: wrong_response(question)},
        now=START,
    )
    assert result.score == Decimal("1")
    assert Evidence.objects.count() == 1


# Evidence -------------------------------------------------------------------------


def test_evidence_levels_rule():
    results = [
        (1, 1, True),
        (1, 2, True),
        (1, 2, True),
        (1, 3, False),  # level 3 not shown: one wrong
        (1, 3, True),
        (2, 1, False),
        (2, 2, True),  # not shown: level 1 below it was answered wrongly
        (3, 1, False),
        (4, 2, False),
        (4, 3, False),
        (4, 5, True),  # one lucky answer high up does not outweigh the misses
        (5, 3, True),  # only level 3 was asked, and answered right
    ]
    assert quizzes.attempt_evidence_levels(results) == {1: 2, 5: 3}


def test_passed_graded_quiz_writes_evidence_and_updates_the_level(fw, learner):
    c1_l1, c1_l2 = (QuestionFactory(competency=fw.c1, level=lv) for lv in (1, 2))
    c2_l3 = QuestionFactory(competency=fw.c2, level=3)
    c3_l1 = QuestionFactory(competency=fw.c3, level=1)
    questions = [c1_l1, c1_l2, c2_l3, c3_l1]
    quiz = fixed_quiz(questions, pass_mark_percent=70)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    answers = {q.pk: right_response(q) for q in questions}
    answers[c3_l1.pk] = wrong_response(c3_l1)  # 75 %: passed, but no T-1.3 evidence
    quizzes.attempt_submit(attempt=attempt, learner=learner, answers=answers, now=START)

    evidence = {
        e.competency.code: e
        for e in Evidence.objects.filter(learner=learner).select_related("competency")
    }
    assert {code: e.level for code, e in evidence.items()} == {"T-1.1": 2, "T-1.2": 3}
    e = evidence["T-1.1"]
    assert (e.kind, e.source_type, e.source_id) == ("quiz", "quiz", str(attempt.pk))
    assert e.observed_at == START and e.expires_at is None
    levels = dict(
        CompetencyLevel.objects.filter(learner=learner).values_list(
            "competency__code", "level"
        )
    )
    assert levels == {"T-1.1": 2, "T-1.2": 3}


def test_quiz_evidence_expires_with_the_competency(fw, learner):
    question = QuestionFactory(competency=fw.c3, level=2)  # T-1.3: valid 12 months
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz([question]), learner=learner, now=START
    )
    quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers={question.pk: right_response(question)},
        now=START,
    )
    evidence = Evidence.objects.get(learner=learner)
    assert evidence.expires_at == START.replace(year=2027)
    assert (
        CompetencyLevel.objects.get(learner=learner).valid_until == evidence.expires_at
    )


def test_batch_level_update_agrees_with_the_evidence_rule(fw, learner):
    """The submit writes levels in a batch; competency_level_recompute must agree."""
    evidence_record(learner=learner, competency=fw.c1, level=4, kind="manager")
    evidence_record(
        learner=learner,
        competency=fw.c2,
        level=4,
        kind="quiz",
        observed_at=START - datetime.timedelta(days=800),
        validity_months=12,  # expired
    )
    evidence_record(learner=learner, competency=fw.c2, level=1, kind="h5p")
    evidence_record(learner=learner, competency=fw.c2, level=3, kind="self")
    evidence_record(learner=learner, competency=fw.c3, level=4, kind="self")
    questions = [QuestionFactory(competency=c, level=2) for c in (fw.c1, fw.c2, fw.c3)]
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz(questions), learner=learner, now=START
    )
    quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers={q.pk: right_response(q) for q in questions},
        now=START,
    )

    def snapshot():
        return {
            row.competency_id: (
                row.level,
                row.evidence_id,
                row.valid_until,
                row.self_level,
            )
            for row in CompetencyLevel.objects.filter(learner=learner)
        }

    batch = snapshot()
    assert {fw.c1.pk: 4, fw.c2.pk: 2, fw.c3.pk: 2} == {
        cid: values[0] for cid, values in batch.items()
    }
    assert batch[fw.c2.pk][3] == 3 and batch[fw.c3.pk][3] == 4
    for competency in (fw.c1, fw.c2, fw.c3):
        competency_level_recompute(
            learner_id=learner.pk, competency=competency, now=START
        )
    assert snapshot() == batch


@pytest.mark.parametrize(
    ("kind", "all_right", "written"),
    [
        (Quiz.Kind.GRADED, True, True),
        (Quiz.Kind.POST_TEST, True, True),
        (Quiz.Kind.GRADED, False, False),
        (Quiz.Kind.POST_TEST, False, False),
        (Quiz.Kind.PRACTICE, True, False),
        (Quiz.Kind.PRE_TEST, True, False),
    ],
)
def test_which_quizzes_write_evidence(fw, learner, kind, all_right, written):
    questions = QuestionFactory.create_batch(2, competency=fw.c1, level=2)
    attempt = quizzes.attempt_start(
        quiz=fixed_quiz(questions, kind=kind), learner=learner, now=START
    )
    respond = right_response if all_right else wrong_response
    result = quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers={q.pk: respond(q) for q in questions},
        now=START,
    )
    assert result.passed is all_right
    assert Evidence.objects.filter(learner=learner).exists() is written
    assert CompetencyLevel.objects.filter(learner=learner, level=2).exists() is written


def test_submitting_a_30_question_graded_quiz_takes_at_most_20_queries(
    fw, learner, django_assert_max_num_queries
):
    # Three competencies, every type, two levels; all right so evidence is written.
    questions = mixed_questions(fw, 30)
    quiz = fixed_quiz(questions, time_limit_minutes=30)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    for question in questions[:10]:  # some autosaved, the rest sent with the submit
        quizzes.answer_save(
            attempt=attempt,
            learner=learner,
            question_id=question.pk,
            response=right_response(question),
            now=START,
        )
    answers = {q.pk: right_response(q) for q in questions[10:]}
    with django_assert_max_num_queries(20):
        result = quizzes.attempt_submit(
            attempt=attempt, learner=learner, answers=answers, now=START
        )
    assert result.score == Decimal("30") and result.passed
    assert Evidence.objects.filter(learner=learner).count() == 3
    assert AttemptAnswer.objects.filter(attempt=attempt, is_correct=True).count() == 30


def test_closing_expired_attempts(fw, learner):
    question = QuestionFactory(competency=fw.c1)
    quiz = fixed_quiz([question], time_limit_minutes=10)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    untimed = quizzes.attempt_start(
        quiz=fixed_quiz([question]), learner=learner, now=START
    )
    assert (
        quizzes.attempts_close_expired(now=START + datetime.timedelta(minutes=10)) == 0
    )
    assert quizzes.attempts_close_expired(now=START + datetime.timedelta(hours=1)) == 1
    attempt.refresh_from_db()
    untimed.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert untimed.status == Attempt.Status.IN_PROGRESS


# What the browser receives --------------------------------------------------------


def test_display_data_never_carries_the_answers(fw, learner):
    questions = mixed_questions(fw, 5)
    quiz = fixed_quiz(questions, shuffle_options=True, shuffle_questions=True)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    quizzes.answer_save(
        attempt=attempt,
        learner=learner,
        question_id=questions[0].pk,
        response=right_response(questions[0]),
        now=START,
    )
    shown = quiz_selectors.attempt_questions_for_display(attempt=attempt)

    assert [q.id for q in shown] == attempt.question_ids
    for question in shown:
        assert [o.id for o in question.options] == attempt.option_order.get(
            str(question.id), []
        )
    assert shown[attempt.question_ids.index(questions[0].pk)].response == (
        right_response(questions[0])
    )
    data = [q.as_dict() for q in shown]
    for question in data:
        assert set(question) == {
            "id",
            "position",
            "type",
            "text",
            "text_zh",
            "display_text",
            "points",
            "options",
            "response",
        }
        for option in question["options"]:
            assert set(option) == {"id", "text", "text_zh", "display_text"}
    payload = json.dumps(data, ensure_ascii=False)
    for secret in ("correct", "accepted", "Because.", "因为。", "12.5", "全程网办"):
        assert secret not in payload


def submitted_attempt(fw, learner, policy, **quiz_fields):
    single = QuestionFactory(competency=fw.c1)
    short = QuestionFactory(
        competency=fw.c1, type="short", accepted_answers=["全程网办"]
    )
    quiz = fixed_quiz([single, short], review_policy=policy, **quiz_fields)
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    return quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers={single.pk: wrong_response(single), short.pk: {"text": "全程 网办"}},
        now=START,
    )


def test_review_is_refused_before_submitting(fw, learner):
    quiz = fixed_quiz([QuestionFactory(competency=fw.c1)])
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=START)
    with pytest.raises(ValidationError):
        quiz_selectors.attempt_review(attempt=attempt)


def test_review_score_only(fw, learner):
    review = quiz_selectors.attempt_review(
        attempt=submitted_attempt(fw, learner, Quiz.Review.NONE)
    )
    assert (review.score, review.percent, review.passed) == (
        Decimal("1"),
        Decimal("50"),
        False,
    )
    assert review.questions == ()


def test_review_responses_shows_right_and_wrong_but_not_the_answers(fw, learner):
    review = quiz_selectors.attempt_review(
        attempt=submitted_attempt(fw, learner, Quiz.Review.RESPONSES)
    )
    single, short = review.questions
    assert (single.is_correct, short.is_correct) == (False, True)
    assert [o.chosen for o in single.options] == [False, True, False]
    assert all(o.is_correct is None for o in single.options)
    assert short.accepted_answers == () and single.explanation == ""


def test_review_full_shows_answers_and_explanations(fw, learner):
    review = quiz_selectors.attempt_review(
        attempt=submitted_attempt(fw, learner, Quiz.Review.FULL, kind="practice")
    )
    single, short = review.questions
    assert [o.is_correct for o in single.options] == [True, False, False]
    assert short.accepted_answers == ("全程网办",)
    assert single.explanation == "Because." and single.display_explanation


def test_failed_graded_attempt_hides_right_answers_until_no_retry_is_left(fw, learner):
    attempt = submitted_attempt(
        fw, learner, Quiz.Review.FULL, kind=Quiz.Kind.GRADED, max_attempts=2
    )
    assert attempt.passed is False
    review = quiz_selectors.attempt_review(attempt=attempt)
    assert review.policy == Quiz.Review.RESPONSES
    assert all(o.is_correct is None for q in review.questions for o in q.options)

    # The last attempt used: now the answers and explanations may be shown.
    last = quizzes.attempt_start(quiz=attempt.quiz, learner=learner, now=START)
    quizzes.attempt_submit(attempt=last, learner=learner, answers={}, now=START)
    assert quiz_selectors.attempt_review(attempt=attempt).policy == Quiz.Review.FULL


# Learning gain --------------------------------------------------------------------


def test_learning_gain_uses_the_latest_pre_and_post(fw, learner):
    questions = QuestionFactory.create_batch(4, competency=fw.c1)
    pre = fixed_quiz(questions, kind=Quiz.Kind.PRE_TEST)
    post = fixed_quiz(questions, kind=Quiz.Kind.POST_TEST, paired_with=pre)
    other = UserFactory()

    def sit(quiz, user, right, minutes):
        at = START + datetime.timedelta(minutes=minutes)
        attempt = quizzes.attempt_start(quiz=quiz, learner=user, now=at)
        answers = {
            q.pk: right_response(q) if i < right else wrong_response(q)
            for i, q in enumerate(questions)
        }
        quizzes.attempt_submit(attempt=attempt, learner=user, answers=answers, now=at)

    assert quiz_selectors.quiz_learning_gain(learner=learner, post_quiz=post) is None
    sit(pre, learner, 4, 0)
    sit(pre, learner, 2, 1)  # latest pre: 50 %
    assert quiz_selectors.quiz_learning_gain(learner=learner, post_quiz=post) is None
    sit(post, learner, 4, 2)
    sit(post, learner, 3, 3)  # latest post: 75 %
    assert quiz_selectors.quiz_learning_gain(learner=learner, post_quiz=post) == 0.5
    sit(pre, other, 4, 0)
    sit(post, other, 4, 1)
    assert quiz_selectors.quiz_learning_gain(learner=other, post_quiz=post) is None
    assert quiz_selectors.quiz_learning_gain_by_learner(post_quiz=post) == {
        learner.pk: 0.5,
        other.pk: None,
    }
    assert quiz_selectors.quiz_learning_gain(learner=learner, post_quiz=pre) is None

    # A post-test taken before any pre-test has no baseline: no gain.
    third = UserFactory()
    sit(post, third, 4, 0)
    sit(pre, third, 1, 1)
    assert quiz_selectors.quiz_learning_gain(learner=third, post_quiz=post) is None
    assert third.pk not in quiz_selectors.quiz_learning_gain_by_learner(post_quiz=post)


# Real races (PostgreSQL: row locks and the partial unique index) --------------------


def run_together(count, work):
    """Run `work()` in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_and_submits_make_one_graded_attempt(require_postgres):
    fw = small_framework()
    learner = UserFactory()
    question = QuestionFactory(competency=fw.c1)
    quiz = fixed_quiz([question])

    started = run_together(
        4, lambda: quizzes.attempt_start(quiz=quiz, learner=learner).pk
    )
    assert len(set(started)) == 1
    answers = {question.pk: right_response(question)}
    submitted = run_together(
        4,
        lambda: (
            quizzes.attempt_submit(
                attempt=Attempt.objects.get(pk=started[0]),
                learner=learner,
                answers=answers,
            ).score
        ),
    )
    assert submitted == [Decimal("1")] * 4
    assert Attempt.objects.get().status == Attempt.Status.SUBMITTED
    assert AttemptAnswer.objects.count() == 1
    assert Evidence.objects.count() == 1
