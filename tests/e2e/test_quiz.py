"""Taking a short quiz in a real browser on a 360 px phone: the timer counts down,
answers autosave (checked in the database), the keyboard alone can answer, submitting
shows the score, and no page scrolls sideways."""

import os
import re
from pathlib import Path

import pytest

from assessments.models import Attempt, AttemptAnswer, Question, Quiz
from tests.assessments.quiz_factories import (
    QuestionFactory,
    QuizFactory,
    add_fixed,
    small_framework,
)
from tests.e2e.conftest import wait_until
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS_ENV = os.environ.get("E2E_SCREENSHOTS", "")


def assert_fits(page, width=360):
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow}px wide at {width}px"


@pytest.fixture
def short_quiz():
    fw = small_framework()
    single = QuestionFactory(
        competency=fw.c1,
        text="Which channel confirms a subsidy notice?",
        text_zh="哪个渠道可以核实补贴通知？",
    )
    true_false = QuestionFactory(
        competency=fw.c2,
        type=Question.Type.TRUE_FALSE,
        text="A strong password alone replaces MFA.",
        text_zh="只要密码够复杂，就不需要多因素认证。",
        options=[("True", False), ("False", True)],
    )
    quiz = QuizFactory(
        code="QZ-E2E",
        title="Security check",
        title_zh="安全自测",
        time_limit_minutes=5,
        max_attempts=2,
        review_policy=Quiz.Review.FULL,
    )
    add_fixed(quiz, [single, true_false])
    return quiz, single, true_false


def test_learner_takes_a_short_quiz_on_a_phone(
    live_server, phone, short_quiz, tmp_path
):
    shots = Path(SHOTS_ENV) if SHOTS_ENV else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    quiz, single, true_false = short_quiz
    learner = UserFactory(username="xiaoli")

    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("用户名或工号").fill(learner.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/")

    phone.goto(f"{live_server.url}/quizzes/")
    phone.get_by_role("link", name="安全自测").click()
    phone.wait_for_url(f"{live_server.url}/quizzes/{quiz.code}/")
    assert_fits(phone)
    phone.locator("form[action$='/start/'] button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/quizzes/attempt/\d+/$"))
    attempt = Attempt.objects.get(quiz=quiz, learner=learner)

    # The timer is visible and counts down from the server's deadline (5 minutes).
    timer = phone.locator("#quiz-timer")
    assert timer.is_visible()
    wait_until(phone,
        "/^0[45]:[0-5][0-9]$/.test(document.getElementById('quiz-timer').textContent)"
    )
    assert phone.get_by_role(
        "group", name=re.compile("哪个渠道可以核实补贴通知")
    ).is_visible()

    # A tap on an option saves it at once.
    phone.locator(f"#question-{single.pk}").get_by_label("选项A").check()
    phone.wait_for_selector(f"#status-{single.pk}.is-saved")
    right = single.options.get(text="A")
    assert AttemptAnswer.objects.get(attempt=attempt, question=single).response == {
        "option_ids": [right.pk]
    }
    assert phone.locator("#quiz-answered").text_content() == "1"
    assert_fits(phone)
    phone.screenshot(path=str(shots / "quiz-attempt-phone.png"))

    # The keyboard alone can answer: focus the first true/false option, arrow to the
    # second, which a radio group selects.
    phone.locator(f"#question-{true_false.pk} input[type=radio]").first.focus()
    phone.keyboard.press("Space")
    phone.keyboard.press("ArrowDown")
    phone.wait_for_selector(f"#status-{true_false.pk}.is-saved")
    wait_until(phone,
        "document.getElementById('quiz-answered').textContent === '2'"
    )
    wanted = true_false.options.get(text="False").pk
    assert AttemptAnswer.objects.get(attempt=attempt, question=true_false).response == {
        "option_ids": [wanted]
    }

    phone.locator(".quiz-submit button[type=submit]").click()
    phone.wait_for_url(re.compile(rf"/quizzes/attempt/{attempt.pk}/result/$"))
    assert phone.locator(".score-percent").text_content().strip() == "100 %"
    assert_fits(phone)
    phone.screenshot(path=str(shots / "quiz-result-phone.png"), full_page=True)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == 2 and attempt.passed is True
