"""A learner takes a course end to end in a real browser on a 360 px phone: finds it
in the catalog, enrolls, reads a lesson (the page reports active time only after
interaction), marks it complete, passes the final quiz in the next lesson, gets the
certificate and checks it on the public verification page; /me/ shows the hours."""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from assessments.models import Evidence
from learning.models import Certificate, Enrollment, LessonProgress, StudyHourEntry
from tests.courses.builders import course_tree
from tests.factories import PASSWORD, county_tree, person_in

from .test_quiz import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS_ENV = os.environ.get("E2E_SCREENSHOTS", "")


def test_learner_takes_a_course_end_to_end_on_a_phone(
    live_server, phone, tmp_path, monkeypatch
):
    # Beat every 2 s instead of 30 s so that the test sees one soon.
    monkeypatch.setattr("learning.journey.selectors.HEARTBEAT_SECONDS", 2)
    shots = Path(SHOTS_ENV) if SHOTS_ENV else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    tree = course_tree()
    profile = person_in(county_tree().section_a1, full_name="李小青")
    learner = profile.user
    url = live_server.url

    phone.goto(f"{url}/accounts/login/")
    phone.get_by_label("用户名或工号").fill(learner.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{url}/")

    phone.goto(f"{url}/courses/?q=证照")
    assert_fits(phone)
    phone.get_by_role("link", name="一次办好").click()
    phone.wait_for_url(f"{url}{tree.course.url}")
    phone.get_by_role("button", name="报名学习").click()
    phone.wait_for_selector("text=报名成功")
    assert Enrollment.objects.filter(learner=learner).count() == 1
    assert_fits(phone)

    phone.get_by_role("link", name=re.compile("开始第一课")).click()
    phone.wait_for_url(f"{url}{tree.reading.url}")
    assert_fits(phone)
    # No interaction yet: no active time. Scrolling counts as reading.
    phone.mouse.wheel(0, 200)
    phone.wait_for_timeout(4500)
    phone.mouse.move(50, 300)
    phone.wait_for_timeout(2500)
    row = LessonProgress.objects.get(lesson_key=tree.reading.translation_key)
    assert 1 <= row.active_seconds <= 12

    # Too early to mark complete: the page says how long is still needed.
    phone.get_by_role("button", name="标记为已完成").click()
    phone.wait_for_selector(".message-error")
    assert "至少有效阅读本课时2分钟" in phone.locator(".message-error").text_content()
    # Two minutes of reading later (the server's clock would allow it):
    LessonProgress.objects.filter(pk=row.pk).update(active_seconds=130)
    phone.get_by_role("button", name="标记为已完成").click()
    phone.wait_for_url(f"{url}{tree.quiz_lesson.url}")

    phone.get_by_role("link", name="进入测验").click()
    phone.locator("form[action$='/start/'] button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/quizzes/attempt/\d+/$"))
    for question in phone.locator("fieldset.question").all():
        question.get_by_label("选项A").check()
    phone.locator(".quiz-submit button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/result/$"))

    phone.goto(f"{url}{tree.course.url}")
    phone.wait_for_selector("text=下载结业证书（PDF）")
    assert_fits(phone)
    phone.screenshot(path=str(shots / "course-completed-phone.png"), full_page=True)
    certificate = Certificate.objects.get(learner=learner)
    assert Enrollment.objects.get(learner=learner).status == "completed"
    assert Evidence.objects.filter(learner=learner, kind="course").count() == 2
    hours = StudyHourEntry.objects.get(learner=learner, source_type="course")
    assert hours.hours == Decimal("2.5")

    pdf = phone.request.get(f"{url}/certificates/{certificate.code}/pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")

    phone.get_by_role("radio", name="5").check()
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_selector("text=感谢您的评价")

    phone.get_by_role("link", name="证书验证页").click()
    phone.wait_for_url(f"{url}/certificates/{certificate.code}/")
    assert phone.get_by_text("该证书真实有效").is_visible()
    assert phone.get_by_text("李小青").is_visible()
    assert_fits(phone)

    phone.goto(f"{url}/me/")
    assert phone.locator(".hours-figure strong").text_content().strip() == "2.5"
    assert phone.get_by_role("link", name="一次办好").is_visible()
    assert_fits(phone)
