"""The back office's Content-Security-Policy (issue #15): /admin/ has its own policy
(inline scripts only with the response's nonce), and only Wagtail's own widget
start-up calls, with nothing but literal data, get the nonce. The browser test
(tests/e2e/test_back_office_csp.py) checks Wagtail's screens work under it."""

import re

import pytest
from wagtail.admin.admin_url_finder import AdminURLFinder

from cms.security_policy import wagtail_starter
from tests.courses.builders import course_tree

WAGTAIL_STARTERS = [
    'new ImageChooser("id_cover_image", {"modalUrl": "/admin/images/chooser/"});',
    'new SnippetChooser("id_topic", {"modalUrl": "/admin/snippets/choose/x/"});',
    'createTaskChooser("id_task");',
    'initDateTimeChooser("id_go_live_at", {"dayOfWeekStart": 1, "format": "Y-m-d"});',
    'initDateChooser("id_due", null);',
    "(function() {\n            var panel = new InlinePanel(JSON.parse("
    '"{\\u0022type\\u0022: \\u0022InlinePanel\\u0022}"));\n        })();',
]
INJECTED = [
    "alert(1);",
    'new ImageChooser("x", {"a": 1}); alert(1); new ImageChooser("y", {"b": 2});',
    'new ImageChooser("x", {"a": alert(1)});',
    'new ImageChooser("x" + alert(1), {});',
    'initDateChooser("id", {"a": 1}.constructor.constructor("alert(1)")());',
    'createTaskChooser("id_task"); fetch("/admin/")',
    """(function() {
            var panel = new InlinePanel(JSON.parse("{}" + alert(1)));
        })();""",
    """(function() {
            var panel = new InlinePanel(JSON.parse("not json"));
        })();""",
    'new Image("x", {});',
]


@pytest.mark.parametrize("script", WAGTAIL_STARTERS)
def test_wagtails_start_up_calls_are_recognised(script):
    assert wagtail_starter(script)


@pytest.mark.parametrize("script", INJECTED)
def test_anything_else_is_not(script):
    assert not wagtail_starter(script)


@pytest.mark.django_db
def test_the_back_office_has_its_policy_and_nonces_only_wagtails_scripts(
    admin_client, admin_user
):
    tree = course_tree()
    response = admin_client.get(AdminURLFinder(admin_user).get_edit_url(tree.course))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "blob:" in re.search(r"img-src ([^;]*)", policy).group(1)
    html = response.content.decode()
    inline = re.findall(r"<script( nonce=\"[^\"]+\")?>(.*?)</script>", html, re.S)
    assert inline  # the choosers, the inline panel and the date pickers
    assert all(attrs == f' nonce="{nonce}"' for attrs, _body in inline), inline


@pytest.mark.django_db
def test_the_sites_pages_keep_their_stricter_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "nonce-" not in policy and "blob:" not in policy
