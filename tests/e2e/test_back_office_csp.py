"""The back office runs under its own Content-Security-Policy (issue #15) and works
with it: a site admin opens the dashboard, a course page's editor (an inline panel
and an image field), the image chooser and a snippet's editor in Chromium, and the
browser reports no violation of the policy."""

import pytest
from django.conf import settings
from wagtail.admin.admin_url_finder import AdminURLFinder

from tests.assessments.quiz_factories import QuestionFactory
from tests.courses.builders import course_tree
from tests.factories import UserFactory, second_factor_passed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page) -> list[str]:
    found: list[str] = []

    def console(message):
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found


def test_the_back_office_works_under_its_policy(live_server, browser, client):
    tree = course_tree()
    question = QuestionFactory(competency=tree.framework.c1)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    second_factor_passed(client, admin)
    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    violations = _violations(page)
    finder = AdminURLFinder(admin)
    try:
        dashboard = page.goto(f"{live_server.url}/admin/")
        policy = dashboard.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        )
        page.locator("main").wait_for()

        # A course page: an inline panel (competencies) and an image chooser.
        page.goto(f"{live_server.url}{finder.get_edit_url(tree.course)}")
        page.locator("form[data-edit-form]").wait_for()
        page.locator("#id_cover_image-chooser [data-chooser-action-choose]").click()
        page.locator(".modal-content form").first.wait_for()
        page.wait_for_timeout(500)
        # The inline panel's script ran: its "add" button adds a form.
        children = page.locator("#id_competencies-FORMS > [data-inline-panel-child]")
        before = children.count()
        page.keyboard.press("Escape")
        page.locator("#id_competencies-ADD").click()
        page.wait_for_timeout(300)
        assert children.count() == before + 1

        # A snippet (a question of the bank).
        page.goto(f"{live_server.url}{finder.get_edit_url(question)}")
        page.locator("form[data-edit-form]").wait_for()
        page.wait_for_timeout(500)
    except Exception as error:
        raise AssertionError(f"{error}\nviolations: {violations}") from error
    finally:
        context.close()
    assert not violations, violations
