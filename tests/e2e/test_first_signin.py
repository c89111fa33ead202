"""First sign-in as a county does it: HR issues codes for the new hire's department
in the back office and downloads the sheet (PDF and Excel); the new hire, on a
360 px phone, signs in with her employee number (typed in full-width digits) and the
code from the sheet, must choose a password, and lands on /me/ with her mandatory
training."""

import io
import re

import pytest
from openpyxl import load_workbook

from accounts.models import SigninCode
from learning.curricula.services import curriculum_activate
from learning.models import Curriculum, CurriculumCourse, RoleScope
from learning.people.services import person_create
from tests.courses.builders import course_tree
from tests.factories import PASSWORD, county_tree, scoped_user

from .test_quiz import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Qingshi-Window-77"


def test_hr_issues_codes_and_the_new_hire_signs_in_on_a_phone(
    live_server, browser, phone
):
    tree = course_tree()
    county = county_tree()
    hr = scoped_user(RoleScope.Role.HR, county.county, full_name="林秀英")
    new_hire = person_create(
        actor=hr.user,
        employee_number="N0001",
        full_name="赵一鸣",
        department=county.section_a1,
    )
    curriculum = Curriculum.objects.create(
        owner_department=county.county,
        name="年度网络安全意识培训",
        name_en="Annual security awareness",
        due_kind=Curriculum.DueKind.AFTER_ASSIGNMENT,
        due_days=30,
    )
    curriculum.departments.set([county.county])
    CurriculumCourse.objects.create(
        curriculum=curriculum, course=tree.course, sort_order=0
    )
    curriculum_activate(actor=hr.user, curriculum=curriculum)
    base = live_server.url

    desk = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = desk.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", hr.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/admin/signin-codes/")
    page.check("input[name=scope][value=department]")
    label = [
        text
        for text in page.locator("#id_department option").all_text_contents()
        if "行政审批服务局" in text
    ][0]
    page.select_option("#id_department", label=label)
    page.get_by_role("button", name="发放登录码").click()
    page.wait_for_url(re.compile(r"/admin/signin-codes/[\w-]+/$"))
    shown = page.locator("[data-code]").all_text_contents()
    assert len(shown) == 1  # only the new hire has not signed in
    assert SigninCode.objects.get().user_id == new_hire.user_id

    with page.expect_download() as download:
        page.locator("[data-download=xlsx]").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "工号", "部门", "登录码")
    name, number, department, code = rows[1][:4]
    assert (name, number, code) == ("赵一鸣", "N0001", shown[0])
    assert department == "测试县 / 行政审批服务局 / 窗口服务科"
    assert "/accounts/first-sign-in/" in rows[1][5]
    with page.expect_download() as download:
        page.locator("[data-download=pdf]").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    desk.close()

    # The new hire, on her phone, types what the slip says.
    phone.goto(f"{base}/accounts/login/")
    phone.get_by_role("link", name="使用组织人事干部发放的登录码首次登录").click()
    phone.wait_for_url(f"{base}/accounts/first-sign-in/")
    assert_fits(phone)
    phone.fill("#id_employee_number", "Ｎ０００１")
    phone.fill("#id_code", "AAAAA-AAAAA")
    phone.locator("#main button[type=submit]").click()
    assert "工号或登录码有误" in phone.locator("main").inner_text()
    phone.fill("#id_code", code.lower())
    phone.locator("#main button[type=submit]").click()
    phone.wait_for_url(f"{base}/accounts/first-sign-in/password/")
    assert "赵一鸣" in phone.locator("main").inner_text()
    assert_fits(phone)
    phone.fill("#id_new_password1", "zhaoyiming2026")
    phone.fill("#id_new_password2", "zhaoyiming2026")
    phone.locator("#main button[type=submit]").click()
    assert "拼音" in phone.locator("main").inner_text()
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.locator("#main button[type=submit]").click()
    phone.wait_for_url(f"{base}/me/")
    item = phone.locator(".assignment").first
    assert "年度网络安全意识培训" in item.text_content()
    assert_fits(phone)
    phone.screenshot(path="/tmp/signin-me.png", full_page=False)

    new_hire.user.refresh_from_db()
    assert new_hire.user.check_password(NEW_PASSWORD)
    assert SigninCode.objects.get().used_at is not None
