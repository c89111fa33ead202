"""The learner's quiz pages: list, overview, start/resume, the attempt page with its
autosave endpoint, submit and the result per review policy. Someone else's attempt is
a 404 that changes nothing, and nothing on the attempt page or in the autosave reply
tells which answer is right."""

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from assessments.models import (
    Attempt,
    AttemptAnswer,
    CompetencyLevel,
    Evidence,
    Question,
    Quiz,
)
from assessments.quiz_selectors import grace_period
from assessments.services import quizzes
from assessments.tasks import attempts_close_expired_task
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
EXPLANATION = "Phishing mail often hides the real sender."
EXPLANATION_ZH = "钓鱼邮件常常隐藏真实发件人。"
_SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def fw():
    return small_framework()


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def questions(fw):
    """One question of every type, in this order: single, multiple, true/false,
    short text, numeric."""
    common = {"explanation": EXPLANATION, "explanation_zh": EXPLANATION_ZH}
    return [
        QuestionFactory(competency=fw.c1, **common),
        QuestionFactory(competency=fw.c1, type=Question.Type.MULTIPLE, **common),
        QuestionFactory(competency=fw.c2, type=Question.Type.TRUE_FALSE, **common),
        QuestionFactory(
            competency=fw.c2,
            type=Question.Type.SHORT,
            accepted_answers=["one-stop service", "一网通办"],
            **common,
        ),
        QuestionFactory(
            competency=fw.c3,
            type=Question.Type.NUMERIC,
            numeric_answer=Decimal("37.25"),
            numeric_tolerance=Decimal("0.1"),
            **common,
        ),
    ]


@pytest.fixture
def quiz(questions):
    quiz = QuizFactory(
        title="Phishing basics",
        title_zh="防范网络钓鱼",
        time_limit_minutes=10,
        max_attempts=2,
        review_policy=Quiz.Review.FULL,
    )
    add_fixed(quiz, questions)
    return quiz


def right_option_ids(question: Question) -> list[int]:
    return [o.pk for o in question.options.all() if o.is_correct]


def wrong_option_ids(question: Question) -> list[int]:
    return [o.pk for o in question.options.all() if not o.is_correct]


def start(client, quiz: Quiz) -> Attempt:
    response = client.post(reverse("assessments:quiz_start", args=[quiz.code]))
    attempt = Attempt.objects.get(quiz=quiz, status=Attempt.Status.IN_PROGRESS)
    assert response.status_code == 302
    assert response.url == reverse("assessments:attempt", args=[attempt.pk])
    return attempt


def save(client, attempt: Attempt, question_id, response: dict):
    return client.post(
        reverse("assessments:attempt_answer", args=[attempt.pk]),
        data=json.dumps({"question_id": question_id, "response": response}),
        content_type="application/json",
    )


def form_with_all_right(questions) -> dict:
    single, multiple, true_false, _short, _numeric = questions
    return {
        "shown": [q.pk for q in questions],
        f"q-{single.pk}": right_option_ids(single),
        f"q-{multiple.pk}": right_option_ids(multiple),
        f"q-{true_false.pk}": right_option_ids(true_false),
        f"q-{questions[3].pk}": "ONE-STOP  SERVICE",
        f"q-{questions[4].pk}": "37.2",
    }


# Access ---------------------------------------------------------------------------


def test_every_page_needs_sign_in(client, quiz, questions):
    other = UserFactory()
    attempt = quizzes.attempt_start(quiz=quiz, learner=other)
    login = reverse("login")
    for url in (
        reverse("assessments:quiz_list"),
        reverse("assessments:quiz_detail", args=[quiz.code]),
        reverse("assessments:attempt", args=[attempt.pk]),
        reverse("assessments:attempt_result", args=[attempt.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    response = client.post(reverse("assessments:quiz_start", args=[quiz.code]))
    assert response.status_code == 302 and response.url.startswith(login)
    response = client.post(
        reverse("assessments:attempt_submit", args=[attempt.pk]), {"shown": []}
    )
    assert response.status_code == 302 and response.url.startswith(login)
    reply = save(client, attempt, questions[0].pk, {"option_ids": []})
    assert reply.status_code == 401 and reply.json()["saved"] is False
    assert Attempt.objects.count() == 1
    assert not AttemptAnswer.objects.exists()


def test_someone_elses_attempt_is_not_found_and_nothing_changes(
    client, learner, quiz, questions
):
    other = UserFactory()
    attempt = quizzes.attempt_start(quiz=quiz, learner=other)
    quizzes.answer_save(
        attempt=attempt,
        learner=other,
        question_id=questions[0].pk,
        response={"option_ids": wrong_option_ids(questions[0])[:1]},
    )
    for url in ("attempt", "attempt_result"):
        response = client.get(reverse(f"assessments:{url}", args=[attempt.pk]))
        assert response.status_code == 404, url
    reply = save(
        client, attempt, questions[0].pk, {"option_ids": right_option_ids(questions[0])}
    )
    assert reply.status_code == 404 and reply.json()["saved"] is False
    response = client.post(
        reverse("assessments:attempt_submit", args=[attempt.pk]),
        form_with_all_right(questions),
    )
    assert response.status_code == 404

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.score is None
    assert list(
        AttemptAnswer.objects.filter(attempt=attempt).values_list("response", flat=True)
    ) == [{"option_ids": wrong_option_ids(questions[0])[:1]}]


# List and overview ----------------------------------------------------------------


def test_list_groups_active_quizzes_by_kind_with_best_score(client, learner, quiz):
    practice = QuizFactory(title="Warm-up", kind=Quiz.Kind.PRACTICE)
    pre = QuizFactory(title="Before the course", kind=Quiz.Kind.PRE_TEST)
    post = QuizFactory(
        title="After the course", kind=Quiz.Kind.POST_TEST, paired_with=pre
    )
    QuizFactory(title="Retired quiz", is_active=False)
    for number, percent in ((1, "40.00"), (2, "85.50")):
        Attempt.objects.create(
            quiz=quiz,
            learner=learner,
            number=number,
            status=Attempt.Status.SUBMITTED,
            started_at=START,
            submitted_at=START,
            percent=Decimal(percent),
        )

    response = client.get(reverse("assessments:quiz_list"))
    assert response.status_code == 200
    groups = {
        group.key: [row.quiz for row in group.rows]
        for group in response.context["groups"]
    }
    assert groups == {
        "graded": [quiz],
        "prepost": [pre, post],
        "practice": [practice],
    }
    body = response.content.decode()
    assert "Your best score: 85.5 %" in body
    assert "No attempts left" in body  # 2 of 2 used
    assert "Retired quiz" not in body
    assert reverse("assessments:quiz_detail", args=[practice.code]) in body


def test_overview_shows_what_the_quiz_asks_and_the_attempts(client, learner, quiz):
    url = reverse("assessments:quiz_detail", args=[quiz.code])
    body = client.get(url).content.decode()
    assert "Phishing basics" in body
    assert "Graded" in body
    assert "10 minutes" in body
    assert "0 of 2 used" in body
    assert "60 %" in body
    assert "Start the quiz" in body
    assert 'name="csrfmiddlewaretoken"' in body

    attempt = start(client, quiz)
    body = client.get(url).content.decode()
    assert "Resume attempt" in body and "1 of 2 used" in body
    assert reverse("assessments:attempt", args=[attempt.pk]) in body


def test_overview_of_a_drawn_quiz_gives_the_draw_size(client, learner, fw):
    category = CategoryFactory()
    for _ in range(4):
        QuestionFactory(competency=fw.c1, category=category)
    quiz = QuizFactory()
    add_rule(quiz, count=3, category=category)
    body = client.get(
        reverse("assessments:quiz_detail", args=[quiz.code])
    ).content.decode()
    assert "3 questions, drawn at random from the question bank" in body


def test_post_test_overview_shows_pre_score_and_normalised_gain(client, learner):
    pre = QuizFactory(kind=Quiz.Kind.PRE_TEST, title="Pre")
    post = QuizFactory(kind=Quiz.Kind.POST_TEST, title="Post", paired_with=pre)
    for quiz, percent in ((pre, "40.00"), (post, "70.00")):
        Attempt.objects.create(
            quiz=quiz,
            learner=learner,
            number=1,
            status=Attempt.Status.SUBMITTED,
            started_at=START,
            submitted_at=START,
            percent=Decimal(percent),
        )
    response = client.get(reverse("assessments:quiz_detail", args=[post.code]))
    assert response.context["pre_percent"] == Decimal("40.00")
    assert response.context["gain_percent"] == 50  # (70 − 40) / (100 − 40)
    body = response.content.decode()
    assert '<strong class="gain-value">50 %</strong>' in body
    assert "(post-test − pre-test) ÷ (100 − pre-test)" in body

    pre_body = client.get(
        reverse("assessments:quiz_detail", args=[pre.code])
    ).content.decode()
    assert reverse("assessments:quiz_detail", args=[post.code]) in pre_body


# Start ----------------------------------------------------------------------------


def test_start_then_start_again_resumes_the_same_attempt(client, learner, quiz):
    first = start(client, quiz)
    second = start(client, quiz)
    assert first.pk == second.pk
    assert Attempt.objects.filter(quiz=quiz, learner=learner).count() == 1


def test_start_with_every_attempt_used_is_refused_with_a_message(client, learner, quiz):
    quiz.max_attempts = 1
    quiz.save()
    attempt = start(client, quiz)
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {})

    response = client.post(
        reverse("assessments:quiz_start", args=[quiz.code]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "assessments:quiz_detail", args=[quiz.code]
    )
    body = response.content.decode()
    assert "You have used all 1 attempts at “Phishing basics”" in body
    assert "You have used all your attempts at this quiz" in body  # no Start button
    assert Attempt.objects.filter(quiz=quiz, learner=learner).count() == 1


def test_start_of_a_closed_quiz_or_an_unfillable_draw_is_refused(
    client, learner, quiz, fw
):
    quiz.is_active = False
    quiz.save()
    response = client.post(
        reverse("assessments:quiz_start", args=[quiz.code]), follow=True
    )
    assert "is closed" in response.content.decode()

    short = QuizFactory(title="Too few questions")
    add_rule(short, count=5, category=CategoryFactory())
    response = client.post(
        reverse("assessments:quiz_start", args=[short.code]), follow=True
    )
    assert "cannot start" in response.content.decode()
    assert not Attempt.objects.filter(learner=learner).exists()


# The attempt page -----------------------------------------------------------------


def test_attempt_page_draws_each_question_type_with_the_right_control(
    client, learner, quiz, questions
):
    attempt = start(client, quiz)
    response = client.get(reverse("assessments:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.content.decode()
    single, multiple, true_false, short, numeric = questions

    assert body.count("<fieldset") == 5 and body.count("<legend>") == 5
    assert "Question 1 of 5" in body and "Question 5 of 5" in body
    assert len(re.findall(rf'type="radio" name="q-{single.pk}"', body)) == 3
    assert len(re.findall(rf'type="checkbox" name="q-{multiple.pk}"', body)) == 4
    assert len(re.findall(rf'type="radio" name="q-{true_false.pk}"', body)) == 2
    assert re.search(rf'<input class="answer-input" type="text"[^>]*q-{short.pk}', body)
    assert re.search(rf'inputmode="decimal"[^>]*name="q-{numeric.pk}"', body)
    deadline_ms = int(attempt.deadline_at.timestamp() * 1000)
    assert f'data-deadline="{deadline_ms}"' in body
    assert 'role="timer"' in body and 'aria-live="assertive"' in body
    assert reverse("assessments:attempt_answer", args=[attempt.pk]) in body
    assert "cms/js/quiz.js" in body


def test_attempt_page_holds_no_sign_of_the_right_answers(
    client, learner, quiz, questions
):
    attempt = start(client, quiz)
    body = client.get(reverse("assessments:attempt", args=[attempt.pk])).content
    html = body.decode()
    for secret in (
        EXPLANATION,
        EXPLANATION_ZH,
        "one-stop service",
        "一网通办",
        "37.25",
    ):
        assert secret not in html, secret
    assert "correct" not in html.lower()
    assert "right answer" not in html.lower()
    # Right and wrong options are drawn with exactly the same markup.
    for question in questions[:3]:
        tags = {
            option_id: re.search(
                rf'<input [^>]*name="q-{question.pk}" value="{option_id}"[^>]*>', html
            )
            .group(0)
            .replace(f'value="{option_id}"', "")
            for option_id in right_option_ids(question) + wrong_option_ids(question)
        }
        assert len(tags) >= 2 and len(set(tags.values())) == 1, tags

    reply = save(
        client, attempt, questions[0].pk, {"option_ids": right_option_ids(questions[0])}
    )
    assert set(reply.json()) == {"saved", "saved_at", "message"}
    wrong = save(
        client,
        attempt,
        questions[0].pk,
        {"option_ids": wrong_option_ids(questions[0])[:1]},
    )
    assert wrong.status_code == reply.status_code == 200
    assert set(wrong.json()) == set(reply.json())  # right or wrong: the same reply


def test_resumed_attempt_page_fills_in_the_saved_answers(
    client, learner, quiz, questions
):
    attempt = start(client, quiz)
    single, multiple, _tf, short, numeric = questions
    chosen = right_option_ids(multiple)
    for question, response in (
        (single, {"option_ids": wrong_option_ids(single)[:1]}),
        (multiple, {"option_ids": chosen}),
        (short, {"text": "一网 通办"}),
        (numeric, {"value": "12,5"}),
    ):
        assert save(client, attempt, question.pk, response).status_code == 200

    html = client.get(reverse("assessments:attempt", args=[attempt.pk])).content
    html = html.decode()
    checked = set(map(int, re.findall(r'value="(\d+)" checked', html)))
    assert checked == {wrong_option_ids(single)[0], *chosen}
    assert 'value="一网 通办"' in html and 'value="12,5"' in html
    assert '<strong id="quiz-answered">4</strong>/5' in html


def test_submitted_attempt_page_leads_to_the_result(client, learner, quiz):
    attempt = start(client, quiz)
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {})
    response = client.get(reverse("assessments:attempt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url == reverse("assessments:attempt_result", args=[attempt.pk])


# Autosave -------------------------------------------------------------------------


def test_autosave_stores_the_answer_and_says_when(client, learner, quiz, questions):
    attempt = start(client, quiz)
    ids = right_option_ids(questions[1])
    with time_machine.travel(START + datetime.timedelta(minutes=3), tick=False):
        reply = save(client, attempt, questions[1].pk, {"option_ids": ids})
    assert reply.status_code == 200
    data = reply.json()
    assert data["saved"] is True
    saved_at = datetime.datetime.fromisoformat(data["saved_at"])
    assert saved_at == START + datetime.timedelta(minutes=3)
    assert data["message"] == "Saved at 17:03:00"  # Beijing time
    answer = AttemptAnswer.objects.get(attempt=attempt, question=questions[1])
    assert answer.response == {"option_ids": sorted(ids)}
    assert answer.saved_at == saved_at


def test_autosave_accepts_a_plain_form_post(client, learner, quiz, questions):
    attempt = start(client, quiz)
    url = reverse("assessments:attempt_answer", args=[attempt.pk])
    reply = client.post(url, {"question_id": questions[3].pk, "text": "一网通办"})
    assert reply.status_code == 200 and reply.json()["saved"] is True
    ids = right_option_ids(questions[1])
    reply = client.post(url, {"question_id": questions[1].pk, "option_ids": ids})
    assert reply.status_code == 200
    stored = dict(
        AttemptAnswer.objects.filter(attempt=attempt).values_list(
            "question_id", "response"
        )
    )
    assert stored == {
        questions[3].pk: {"text": "一网通办"},
        questions[1].pk: {"option_ids": sorted(ids)},
    }


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("question not in attempt", 400, quizzes.NOT_IN_ATTEMPT),
        ("option of another question", 400, quizzes.OPTION_NOT_IN_QUESTION),
        ("two options on a single choice", 400, quizzes.INVALID_RESPONSE),
        ("not JSON", 400, quizzes.INVALID_RESPONSE),
    ],
)
def test_autosave_refuses_tampered_answers_and_changes_nothing(
    client, learner, quiz, questions, fw, case, status, code
):
    attempt = start(client, quiz)
    single = questions[0]
    url = reverse("assessments:attempt_answer", args=[attempt.pk])
    if case == "question not in attempt":
        outsider = QuestionFactory(competency=fw.c1)
        reply = save(
            client, attempt, outsider.pk, {"option_ids": right_option_ids(outsider)}
        )
    elif case == "option of another question":
        reply = save(
            client, attempt, single.pk, {"option_ids": wrong_option_ids(questions[1])}
        )
    elif case == "two options on a single choice":
        reply = save(
            client, attempt, single.pk, {"option_ids": wrong_option_ids(single)}
        )
    else:
        reply = client.post(url, data="{not json", content_type="application/json")
    assert reply.status_code == status
    data = reply.json()
    assert data["saved"] is False and data["code"] == code
    assert data["error"]  # a sentence for the learner
    assert not AttemptAnswer.objects.filter(attempt=attempt).exists()


def test_autosave_after_the_deadline_is_refused(client, learner, quiz, questions):
    with time_machine.travel(START, tick=False) as traveller:
        attempt = start(client, quiz)
        traveller.shift(datetime.timedelta(minutes=9))
        ok = save(client, attempt, questions[0].pk, {"option_ids": []})
        assert ok.status_code == 200
        traveller.shift(
            datetime.timedelta(minutes=1) + grace_period() + _SECOND
        )
        late = save(
            client,
            attempt,
            questions[0].pk,
            {"option_ids": right_option_ids(questions[0])},
        )
    assert late.status_code == 409
    assert late.json()["code"] == quizzes.DEADLINE_PASSED
    assert "time for this attempt is up" in late.json()["error"]
    answer = AttemptAnswer.objects.get(attempt=attempt, question=questions[0])
    assert answer.response == {"option_ids": []}


def test_a_save_after_the_deadline_grades_the_attempt_with_the_answers_in_time(
    client, learner, quiz, questions
):
    """The deadline is kept by the next POST: the refused save closes the attempt."""
    with time_machine.travel(START, tick=False) as traveller:
        attempt = start(client, quiz)
        save(client, attempt, questions[2].pk, right_response(questions[2]))
        traveller.shift(datetime.timedelta(minutes=10) + grace_period() + _SECOND)
        late = save(client, attempt, questions[0].pk, right_response(questions[0]))
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.SUBMITTED
        result = client.get(
            reverse("assessments:attempt", args=[attempt.pk]), follow=True
        )
    assert late.status_code == 409
    assert attempt.score == Decimal("1")  # the true/false saved in time, nothing else
    assert result.redirect_chain[-1][0] == reverse(
        "assessments:attempt_result", args=[attempt.pk]
    )
    assert "Your answers to questions 3 were saved in time" in result.content.decode()


def test_autosave_on_a_submitted_attempt_is_refused(client, learner, quiz, questions):
    attempt = start(client, quiz)
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {})
    reply = save(
        client, attempt, questions[0].pk, {"option_ids": right_option_ids(questions[0])}
    )
    assert reply.status_code == 409
    assert reply.json()["code"] == quizzes.ATTEMPT_SUBMITTED
    assert (
        AttemptAnswer.objects.get(attempt=attempt, question=questions[0]).response == {}
    )


def test_autosave_only_answers_posts(client, learner, quiz):
    attempt = start(client, quiz)
    reply = client.get(reverse("assessments:attempt_answer", args=[attempt.pk]))
    assert reply.status_code == 405


# Submit ---------------------------------------------------------------------------


def test_submitting_the_form_grades_every_answer_without_script(
    client, learner, quiz, questions
):
    attempt = start(client, quiz)
    response = client.post(
        reverse("assessments:attempt_submit", args=[attempt.pk]),
        form_with_all_right(questions),
    )
    assert response.status_code == 302
    assert response.url == reverse("assessments:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == Decimal("5") and attempt.passed is True


def test_cleared_checkboxes_clear_the_saved_answer(client, learner, quiz, questions):
    attempt = start(client, quiz)
    multiple = questions[1]
    save(client, attempt, multiple.pk, {"option_ids": right_option_ids(multiple)})
    client.post(
        reverse("assessments:attempt_submit", args=[attempt.pk]),
        {"shown": [q.pk for q in questions]},
    )
    answer = AttemptAnswer.objects.get(attempt=attempt, question=multiple)
    assert answer.response == {"option_ids": []} and answer.score == 0


def test_submitting_twice_grades_once(client, learner, quiz, questions):
    attempt = start(client, quiz)
    url = reverse("assessments:attempt_submit", args=[attempt.pk])
    first = client.post(url, form_with_all_right(questions))
    attempt.refresh_from_db()
    graded = (attempt.score, attempt.submitted_at)
    second = client.post(url, {"shown": [q.pk for q in questions]})
    assert (
        first.url
        == second.url
        == reverse("assessments:attempt_result", args=[attempt.pk])
    )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at) == graded == (Decimal("5"), graded[1])
    assert Attempt.objects.filter(quiz=quiz, learner=learner).count() == 1
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 5


def test_tampered_submit_is_refused_with_the_answers_kept_on_the_page(
    client, learner, quiz, questions
):
    attempt = start(client, quiz)
    form = form_with_all_right(questions)
    form[f"q-{questions[0].pk}"] = wrong_option_ids(questions[1])[:1]
    response = client.post(
        reverse("assessments:attempt_submit", args=[attempt.pk]), form
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Your answers were not submitted" in body
    assert 'value="ONE-STOP  SERVICE"' in body  # what the learner typed is kept
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not AttemptAnswer.objects.filter(attempt=attempt).exists()


def test_late_submit_ignores_late_answers_and_says_which_counted(
    client, learner, quiz, questions
):
    with time_machine.travel(START, tick=False) as traveller:
        attempt = start(client, quiz)
        save(
            client,
            attempt,
            questions[2].pk,
            {"option_ids": right_option_ids(questions[2])},
        )
        traveller.shift(
            datetime.timedelta(minutes=10) + grace_period() + _SECOND
        )
        response = client.post(
            reverse("assessments:attempt_submit", args=[attempt.pk]),
            form_with_all_right(questions),
            follow=True,
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == Decimal("1")  # only the true/false saved in time
    body = response.content.decode()
    assert "Your answers to questions 3 were saved in time" in body


def test_submit_when_the_timer_ran_out_in_the_browser_says_so(
    client, learner, quiz, questions
):
    attempt = start(client, quiz)
    response = client.post(
        reverse("assessments:attempt_submit", args=[attempt.pk]),
        {**form_with_all_right(questions), "timeout": "1"},
        follow=True,
    )
    assert "submitted for you" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == Decimal("5")  # within the grace: every answer counts


def right_response(question: Question) -> dict:
    return {"option_ids": right_option_ids(question)}


def attempt_rows(attempt: Attempt) -> tuple:
    """Everything a grading would change."""
    attempt.refresh_from_db()
    return (
        attempt.status,
        attempt.submitted_at,
        attempt.score,
        sorted(
            AttemptAnswer.objects.filter(attempt=attempt).values_list(
                "question_id", "response", "saved_at", "score"
            )
        ),
        Evidence.objects.count(),
        sorted(CompetencyLevel.objects.values_list("competency_id", "level")),
    )


def test_pages_of_an_attempt_whose_time_is_up_show_it_and_change_nothing(
    client, learner, quiz, questions
):
    with time_machine.travel(START, tick=False) as traveller:
        attempt = start(client, quiz)
        save(client, attempt, questions[2].pk, right_response(questions[2]))
        traveller.shift(datetime.timedelta(minutes=11))
        before = attempt_rows(attempt)
        listing = client.get(reverse("assessments:quiz_list")).content.decode()
        detail = client.get(reverse("assessments:quiz_detail", args=[quiz.code]))
        page = client.get(reverse("assessments:attempt", args=[attempt.pk]))
        result = client.get(reverse("assessments:attempt_result", args=[attempt.pk]))
        assert attempt_rows(attempt) == before
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert "Time is up, not graded yet" in listing and "In progress" not in listing
    detail_body = detail.content.decode()
    assert "Time is up, not graded yet" in detail_body
    assert "In progress — continue" not in detail_body
    assert "Resume attempt" not in detail_body
    assert page.status_code == 200
    page_body = page.content.decode()
    assert "The time for this attempt is up" in page_body
    assert "Your answers to questions 3 were saved in time and will be graded" in (
        page_body
    )
    assert reverse("assessments:attempt_submit", args=[attempt.pk]) in page_body
    assert 'name="q-' not in page_body  # no answers to change
    assert result.status_code == 302
    assert result.url == reverse("assessments:attempt", args=[attempt.pk])


def test_the_submit_a_time_up_page_offers_grades_the_answers_saved_in_time(
    client, learner, quiz, questions
):
    with time_machine.travel(START, tick=False) as traveller:
        attempt = start(client, quiz)
        traveller.shift(datetime.timedelta(minutes=11))
        response = client.post(
            reverse("assessments:attempt_submit", args=[attempt.pk]), follow=True
        )
    assert response.redirect_chain[-1][0] == reverse(
        "assessments:attempt_result", args=[attempt.pk]
    )
    assert "none were saved in time" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.score == 0


def test_an_attempt_graded_by_the_periodic_task_shows_its_result_and_evidence(
    client, learner, quiz, questions, fw
):
    """The learner closed the tab: the task grades what was saved in time, with the
    evidence and current level in the same transaction, and the result says why
    later answers did not count."""
    quiz.pass_mark_percent = 20
    quiz.save()
    with time_machine.travel(START, tick=False) as traveller:
        attempt = start(client, quiz)
        save(client, attempt, questions[4].pk, {"value": "37.25"})
        traveller.shift(datetime.timedelta(minutes=11))
        assert attempts_close_expired_task.delay().get() == 1
        body = result_body(client, attempt)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == Decimal("1") and attempt.passed
    evidence = Evidence.objects.get(learner=learner)
    assert evidence.competency == fw.c3 and evidence.source_id == str(attempt.pk)
    level = CompetencyLevel.objects.get(learner=learner, competency=fw.c3)
    assert level.level == evidence.level and level.evidence == evidence
    assert "20 %" in body and "Passed" in body
    assert "Your answers to questions 5 were saved in time and were graded" in body


# Result ---------------------------------------------------------------------------


def submitted(client, quiz, questions, policy) -> Attempt:
    quiz.review_policy = policy
    quiz.save()
    attempt = start(client, quiz)
    form = form_with_all_right(questions)
    form[f"q-{questions[0].pk}"] = wrong_option_ids(questions[0])[:1]
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), form)
    attempt.refresh_from_db()
    return attempt


def result_body(client, attempt) -> str:
    response = client.get(reverse("assessments:attempt_result", args=[attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_result_under_score_only_shows_no_questions_or_answers(
    client, learner, quiz, questions
):
    attempt = submitted(client, quiz, questions, Quiz.Review.NONE)
    body = result_body(client, attempt)
    assert "80 %" in body and "Points: 4 / 5" in body and "Passed" in body
    assert questions[0].text not in body
    assert EXPLANATION not in body
    assert "one-stop service" not in body and "right answer" not in body
    assert "This quiz shows your score only" in body
    assert reverse("learning:my_competencies") in body
    assert "Try again (1 attempt left)" in body


def test_result_under_responses_shows_right_or_wrong_but_not_the_answers(
    client, learner, quiz, questions
):
    attempt = submitted(client, quiz, questions, Quiz.Review.RESPONSES)
    body = result_body(client, attempt)
    assert questions[0].text in body
    assert body.count("mark-wrong") == 1 and body.count("mark-right") == 4
    assert body.count("your answer</span>") == 1 + 2 + 1  # single, multiple, t/f
    assert "right answer</span>" not in body
    assert "Accepted answers" not in body and EXPLANATION not in body


def test_result_under_full_review_shows_right_answers_and_explanations(
    client, learner, quiz, questions
):
    attempt = submitted(client, quiz, questions, Quiz.Review.FULL)
    body = result_body(client, attempt)
    assert body.count("right answer</span>") == 1 + 2 + 1
    assert "<q>one-stop service</q>" in body and "37.25" in body
    assert body.count(EXPLANATION) == 5


def test_result_of_an_open_attempt_leads_back_to_it(client, learner, quiz):
    attempt = start(client, quiz)
    response = client.get(reverse("assessments:attempt_result", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url == reverse("assessments:attempt", args=[attempt.pk])


def test_result_without_attempts_left_offers_no_retry(client, learner, quiz, questions):
    quiz.max_attempts = 1
    quiz.save()
    attempt = submitted(client, quiz, questions, Quiz.Review.FULL)
    body = result_body(client, attempt)
    assert "Try again" not in body and "Back to the quiz" in body


# Languages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("en", "Phishing basics", "防范网络钓鱼"),
        ("zh-Hans", "防范网络钓鱼", "Phishing basics"),
    ],
)
def test_pages_render_in_both_languages(
    client, learner, quiz, questions, language, expected, absent
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    attempt = start(client, quiz)
    pages = [
        reverse("assessments:quiz_list"),
        reverse("assessments:quiz_detail", args=[quiz.code]),
        reverse("assessments:attempt", args=[attempt.pk]),
    ]
    question_text = questions[0].text if language == "en" else questions[0].text_zh
    option_text = "A" if language == "en" else "选项A"
    for url in pages:
        body = client.get(url).content.decode()
        assert expected in body and absent not in body, url
        assert f'<html lang="{language.lower()}">' in body
    attempt_body = client.get(pages[2]).content.decode()
    assert (
        question_text in attempt_body and f"<span>{option_text}</span>" in attempt_body
    )

    # The only attempt allowed: the full review (explanations) may be shown.
    type(quiz).objects.filter(pk=quiz.pk).update(max_attempts=1)
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {})
    body = result_body(client, attempt)
    assert expected in body and question_text in body
    explanation = EXPLANATION if language == "en" else EXPLANATION_ZH
    assert explanation in body
