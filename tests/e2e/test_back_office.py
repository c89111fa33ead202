"""What an editor and a learner see of the back office in a real browser: on a
360 px phone the editor's Wagtail userbar sits below the lesson, never over its
text; a learner who opens /admin/ reads, in Chinese, that it is not for them."""

import pytest
from django.contrib.auth.models import Permission

from tests.courses.builders import course_tree
from tests.factories import PASSWORD, county_tree, person_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名或工号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")


def test_the_userbar_does_not_cover_lesson_text_on_a_phone(live_server, phone):
    tree = course_tree()
    editor = person_in(county_tree().section_a1).user
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    _sign_in(phone, live_server.url, editor.username)
    phone.goto(f"{live_server.url}{tree.reading.url}")
    button = phone.locator("wagtail-userbar").locator("button").first
    button.wait_for()
    # A short screen, so that the lesson runs past its bottom edge wherever it is
    # read. At every scroll position, the button lies below the lesson (the main
    # element), in the strip after the footer, never over it.
    phone.set_viewport_size({"width": 360, "height": 420})
    height = phone.evaluate("() => document.documentElement.scrollHeight")
    assert height > 600
    overlaps = []
    for top in range(0, height, 200):
        phone.evaluate(f"() => window.scrollTo(0, {top})")
        overlap = phone.evaluate(
            """() => {
              const b = document.querySelector('wagtail-userbar').shadowRoot
                .querySelector('button').getBoundingClientRect();
              const m = document.querySelector('main').getBoundingClientRect();
              const over = b.top < m.bottom && b.bottom > m.top;
              return over ? [b.top, m.top, m.bottom] : null;
            }"""
        )
        if overlap:
            overlaps.append((top, overlap))
    assert not overlaps, overlaps
    # The button is still there to use, at the end of the page.
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert button.is_visible()


def test_a_learner_is_told_the_back_office_is_not_theirs(live_server, phone):
    learner = person_in(county_tree().section_a1).user
    _sign_in(phone, live_server.url, learner.username)
    phone.goto(f"{live_server.url}/admin/")
    assert phone.locator("h1").text_content() == "您没有管理后台的访问权限"
    assert phone.get_by_text("忘记密码").count() == 0
    assert phone.get_by_text("Forgotten password").count() == 0
    assert phone.locator("input[type=password]").count() == 0
