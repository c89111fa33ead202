"""HR's mandatory-training day in a real browser: import a roster (GBK CSV) with a
dry run, build a yearly curriculum for the whole county, remind a learner; then the
learner, on a phone, finds the assignment on /me/ and the reminder in the
notification centre."""

import csv
import io
import re

import pytest
from django.core import mail

from learning.models import (
    Assignment,
    Curriculum,
    LearnerProfile,
    Notification,
    RoleScope,
)
from tests.courses.builders import course_tree
from tests.factories import PASSWORD, county_tree, person_in, scoped_user

from .test_quiz import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def roster_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["工号", "姓名", "部门", "职务", "职级", "入职日期", "邮箱", "电话", "状态"]
    )
    writer.writerow(
        ["N0001", "赵一鸣", "CTY-A-1", "", "", "2026-11-20", "", "", "在职"]
    )
    writer.writerow(
        ["N0002", "钱二娜", "CTY-T-1", "", "", "2026-11-25", "", "", "在职"]
    )
    return buffer.getvalue().encode("gbk")


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_hr_assigns_a_curriculum_and_the_learner_sees_it(
    live_server, browser, phone, tmp_path
):
    tree = course_tree()
    county = county_tree()
    hr = scoped_user(RoleScope.Role.HR, county.county, full_name="林秀英")
    learner = person_in(county.section_a1, full_name="周晓雯")
    base = live_server.url

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    sign_in(page, base, hr.user.username)

    # Roster: the dry run lists the two new people; applying creates them.
    upload = tmp_path / "roster.csv"
    upload.write_bytes(roster_csv())
    page.goto(f"{base}/admin/roster/")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="检查花名册").click()
    page.wait_for_url(re.compile(r"/admin/roster/\d+/$"))
    assert page.get_by_text("赵一鸣").is_visible()
    assert not LearnerProfile.objects.filter(employee_number="N0001").exists()
    page.locator("form[action$='/apply/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/progress/$"))
    page.wait_for_selector("[data-roster-status]:has-text('已导入')")
    assert (
        LearnerProfile.objects.filter(employee_number__in=["N0001", "N0002"]).count()
        == 2
    )

    # A yearly curriculum for the whole county, due 30 days after assignment.
    page.goto(f"{base}/admin/curricula/new/")
    page.fill("#id_name", "年度网络安全意识培训")
    page.fill("#id_name_en", "Annual security awareness")
    owner = [
        text
        for text in page.locator("#id_owner_department option").all_text_contents()
        if "测试县" in text
    ][0]
    page.select_option("#id_owner_department", label=owner)
    page.select_option("#id_status", "active")
    page.locator("#id_items-ADD").click()
    page.locator("select[name='items-0-course']").select_option(label="一次办好")
    # The audience: a checklist of the tree, filtered by any part of a path, and
    # a live count of whom it selects.
    page.locator("[role=tab]").nth(1).click()
    departments = page.locator("[data-dept-tree]").first
    departments.locator(".dept-tree__search").fill("窗口")
    visible = [
        label.text_content()
        for label in departments.locator("label").all()
        if label.is_visible()
    ]
    assert len(visible) == 1 and "窗口服务科" in visible[0]
    departments.locator(".dept-tree__search").fill("")
    departments.get_by_label(owner, exact=True).check()
    assert "测试县" in departments.locator(".dept-tree__chosen").text_content()
    preview = page.locator(".curriculum-preview")
    preview.filter(has_text="将选中 4 人").wait_for()
    # Only the fields that apply to the due rule are shown.
    page.locator("[role=tab]").nth(2).click()
    page.select_option("#id_due_kind", "fixed")
    assert page.locator("#id_due_date").is_visible()
    page.select_option("#id_due_kind", "after_assignment")
    assert page.locator("#id_due_date").is_hidden()
    assert page.locator("#id_renewal_window_days").is_hidden()
    page.fill("#id_due_days", "30")
    page.fill("#id_recurrence_months", "12")
    page.locator("#id_recurrence_months").dispatch_event("input")
    assert page.locator("#id_renewal_window_days").is_visible()
    page.locator("button[type=submit]").filter(has_text="创建").first.click()
    page.wait_for_url(f"{base}/admin/curricula/")
    curriculum = Curriculum.objects.get()
    assert curriculum.status == Curriculum.Status.ACTIVE
    active = LearnerProfile.objects.filter(is_active=True).count()
    assert Assignment.objects.filter(curriculum=curriculum).count() == active == 4

    # Remind the learner now from the compliance list.
    page.goto(f"{base}/admin/compliance/people/?q={learner.employee_number}")
    page.get_by_role("button", name="立即提醒").first.click()
    page.wait_for_selector(".messages")
    # The notice of the new training, then HR's reminder (told apart from ours).
    assert sorted(
        Notification.objects.filter(user=learner.user).values_list("kind", flat=True)
    ) == ["assignment_assigned", "assignment_reminder_hr"]
    assert any(learner.user.email in message.to for message in mail.outbox)
    desk.close()

    sign_in(phone, base, learner.user.username)
    assert phone.locator(".badge-count").text_content().strip() == "2"
    phone.goto(f"{base}/me/")
    item = phone.locator(".assignment").first
    assert "年度网络安全意识培训" in item.text_content()
    assert "未启动" in item.text_content()
    assert_fits(phone)
    phone.get_by_role("link", name=re.compile("一次办好")).first.click()
    phone.wait_for_url(f"{base}{tree.course.url}")
    phone.goto(f"{base}/me/notifications/")
    assert phone.get_by_text("年度网络安全意识培训").first.is_visible()
    assert phone.get_by_text("新的必修培训").first.is_visible()
    assert phone.get_by_text("人事干部发出", exact=True).count() == 1
    assert_fits(phone)
