"""The site shell in a real browser at phone width: sign in, the role-aware home and
the learner page fit 360 px with no sideways scrolling, and keyboard users get a skip
link and labelled fields."""

import os
from pathlib import Path

import pytest

from learning.models import RoleScope
from tests.factories import PASSWORD, scoped_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Screenshots go to E2E_SCREENSHOTS when set (to look at them), else a temp folder.
SHOTS_ENV = os.environ.get("E2E_SCREENSHOTS", "")


def assert_fits(page, width=360):
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow}px wide at {width}px"


def test_leader_signs_in_on_a_phone(live_server, phone, county, tmp_path):
    shots = Path(SHOTS_ENV) if SHOTS_ENV else tmp_path
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a, full_name="陈建国")

    phone.goto(f"{live_server.url}/")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    assert phone.get_by_role("link", name="跳至主要内容").is_visible()

    phone.goto(f"{live_server.url}/accounts/login/")
    assert_fits(phone)
    assert phone.get_by_label("用户名或工号").is_visible()

    phone.get_by_label("用户名或工号").fill(leader.user.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/")
    assert phone.get_by_role("heading", name="部门看板").is_visible(), phone.content()
    assert_fits(phone)
    shots.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(shots / "home-leader-360.png"), full_page=True)

    phone.goto(f"{live_server.url}/me/")
    assert phone.get_by_text(leader.employee_number).is_visible()
    assert_fits(phone)

    phone.goto(f"{live_server.url}/dashboard/")
    assert phone.get_by_role("table").is_visible()
    assert_fits(phone)
    phone.screenshot(path=str(shots / "dashboard-leader-360.png"), full_page=True)


def test_wrong_password_shows_an_error_in_the_browser(live_server, phone, county):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_label("用户名或工号").fill(leader.user.username)
    phone.get_by_label("密码").fill("wrong-password-123")
    phone.get_by_role("button", name="登录").click()
    assert phone.get_by_role("alert").is_visible()
    assert phone.url.endswith("/accounts/login/")
