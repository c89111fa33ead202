"""An H5P activity in a real browser: the learner opens a lesson, the h5p-standalone
player (served from our static files, no network beyond the test server) shows the
project's CivicCheck activity, the learner answers, and the server stores the
statement, the result, the lesson's completion and the new evidence."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Evidence
from learning.journey.services import course_enroll, lesson_open
from learning.models import H5PResult, LessonProgress, XAPIStatement
from tests.courses.builders import course_tree, h5p_activity_add
from tests.e2e.conftest import wait_until
from tests.factories import PASSWORD, UserFactory

from .test_quiz import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS_ENV = os.environ.get("E2E_SCREENSHOTS", "")
PLAYER = (
    Path(settings.BASE_DIR)
    / "courses/static/courses/vendor/h5p-standalone/main.bundle.js"
)
BLOCK_ID = "0d15ea5e-0000-4000-8000-00000000c0de"


@pytest.fixture
def lesson_with_activity():
    if not PLAYER.exists():
        pytest.fail("The H5P player is not installed: run `make setup` (npm ci).")
    tree = course_tree()
    lesson = h5p_activity_add(
        tree.reading,
        block_id=BLOCK_ID,
        required=True,
        pass_percent=100,
        competency=tree.framework.c3.code,
        level=2,
    )
    return tree, lesson


def test_learner_plays_an_h5p_activity_on_a_phone(
    live_server, phone, lesson_with_activity, tmp_path, settings
):
    shots = Path(SHOTS_ENV) if SHOTS_ENV else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    tree, lesson = lesson_with_activity
    learner = UserFactory(username="h5p-learner")
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    progress = lesson_open(enrollment=enrollment, lesson=lesson)
    LessonProgress.objects.filter(pk=progress.pk).update(active_seconds=600)
    outside = []
    phone.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.url)
            else outside.append(request.url)
        ),
    )

    # Count the results the page has seen the server store (h5p-player.js).
    phone.add_init_script(
        "window.__results = 0;"
        "document.addEventListener('h5p:result', () => { window.__results += 1; });"
    )
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("用户名或工号").fill(learner.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/")
    # h5p-standalone plays the activity in a sandboxed frame (an opaque origin).
    activity = phone.frame_locator("iframe.h5p-sandbox").locator(".h5p-civiccheck")
    phone.goto(f"{live_server.url}{lesson.url}")
    activity.wait_for(timeout=30_000)
    # A person reads the question first: an answer sooner than the minimum after
    # the page issued the launch would be stored but count for nothing.
    settings.XAPI_MIN_ATTEMPT_SECONDS = 2
    phone.wait_for_timeout(2500)
    # A wrong answer first: stored, not passed, the lesson stays open.
    activity.get_by_label("请申请人回去补齐后重新排队").check()
    activity.locator("button[type=submit]").click()
    wait_until(phone, "window.__results >= 1")
    result = H5PResult.objects.get(learner=learner)
    assert result.last_scaled == 0 and result.passed_at is None
    assert LessonProgress.objects.get(pk=progress.pk).completed_at is None

    activity.locator(".h5p-civiccheck-retry").click()
    activity.get_by_label("一次性告知需要补正的全部材料").check()
    activity.locator("button[type=submit]").click()
    activity.locator(".h5p-civiccheck-right").wait_for()
    wait_until(phone, "window.__results >= 2")
    result.refresh_from_db()
    assert result.best_scaled == 1 and result.attempts == 2
    assert XAPIStatement.objects.filter(learner=learner, is_final=True).count() == 2
    statement = XAPIStatement.objects.filter(learner=learner).first()
    assert statement.body["actor"]["account"]["name"] == learner.username
    # The launch the page issued came back with every statement.
    assert statement.registration is not None
    assert XAPIStatement.objects.filter(learner=learner, credit="counted").count() == 2
    assert LessonProgress.objects.get(pk=progress.pk).completed_at is not None
    evidence = Evidence.objects.get(learner=learner, kind="h5p")
    assert (evidence.competency_id, evidence.level) == (tree.framework.c3.pk, 2)
    assert_fits(phone)
    phone.screenshot(path=str(shots / "h5p-activity-phone.png"), full_page=True)
    assert outside == [], outside


def test_the_activity_starts_on_a_slow_line(live_server, phone, lesson_with_activity):
    """The player's script (about 1 MB) may still be downloading when the lesson page
    answers the frame's "ready": the frame asks only once the player has loaded, so
    the activity starts late rather than being declared unavailable (seen in CI on
    a loaded machine before, and on a township line it is the usual case)."""
    tree, lesson = lesson_with_activity
    learner = UserFactory(username="h5p-slow-line")
    course_enroll(learner=learner, course=tree.course)

    def slow_player(route):
        phone.wait_for_timeout(3000)
        route.continue_()

    phone.route("**/h5p-standalone/main.bundle.js", slow_player)
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("用户名或工号").fill(learner.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/")
    phone.goto(f"{live_server.url}{lesson.url}")
    frame = phone.frame_locator("iframe.h5p-sandbox")
    frame.locator(".h5p-civiccheck").wait_for(timeout=30_000)
    assert not phone.locator(".h5p-activity .notice").count()
