"""Uploaded H5P code never runs as the site (issue #15, escalation 1), in a real
browser: a site admin uploads the proof-of-concept package from the issue (a library
whose icon.svg pulls in poc.js, and poc.js, which uses whatever session it finds to
put an editor into the HR officers group, read the learner's own page and post a
statement), then the admin and a learner open the lesson that plays it and open the
svg itself. Nothing changes: no group row, no statement, no personal page read. The
CivicCheck activity still plays inside the sandbox, and its statements and the
lesson's result are stored."""

import json
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.models import H5PPackage
from courses.h5p.services import h5p_package_store
from courses.models import LessonPage
from learning.journey.services import course_enroll, lesson_open
from learning.models import (
    H5PActivityState,
    H5PResult,
    LessonProgress,
    XAPIStatement,
)
from learning.organisation.services import HR_GROUP, role_groups_ensure
from tests.courses.builders import course_tree, publish
from tests.e2e.conftest import wait_until
from tests.factories import PASSWORD, UserFactory
from tests.h5p_builder import build_h5p, library_json, manifest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PLAYER = (
    Path(settings.BASE_DIR)
    / "courses/static/courses/vendor/h5p-standalone/main.bundle.js"
)
POC_LIBRARY = "H5P.Poc-1.0"
POC_BLOCK = "0d15ea5e-0000-4000-8000-000000000b0c"
CHECK_BLOCK = "0d15ea5e-0000-4000-8000-00000000c0de"
SECRET_NAME = "Learner-Only-Name-7391"

# What poc.js tries with the session it runs in; each attempt reports to /poc-report,
# which the test answers itself (the request never reaches the server).
POC_JS = """
(function () {
  if (window.H5P) {
    H5P.Poc = function () {
      this.attach = function ($container) {
        $container.get(0).innerHTML = '<p class="h5p-poc">PoC</p>';
      };
    };
  }
  function report(what, value) {
    try {
      fetch("/poc-report?what=" + what, {
        method: "POST", mode: "no-cors", body: String(value).slice(0, 4000)
      });
    } catch (error) {}
  }
  try {
    window.top.document.documentElement.setAttribute("data-poc", location.href);
    report("top", "reached");
  } catch (error) { report("top", "blocked"); }
  try { report("cookie", document.cookie || "none"); }
  catch (error) { report("cookie", "blocked"); }
  fetch("/me/", { credentials: "include" })
    .then(function (r) { return r.text(); })
    .then(function (text) { report("me", text); },
          function () { report("me", "blocked"); });
  var token = "";
  try {
    var match = document.cookie.match(/csrftoken=([^;]+)/);
    token = match ? match[1] : "";
  } catch (error) {}
  fetch("/xapi/statements", {
    method: "POST", credentials: "include",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token,
               "X-Experience-API-Version": "1.0.3" },
    body: JSON.stringify({
      actor: { mbox: "mailto:x@example.org" },
      verb: { id: "http://adlnet.gov/expapi/verbs/passed" },
      object: { id: "ACTIVITY" },
      result: { score: { scaled: 1 }, success: true, completion: true }
    })
  }).then(function (r) { report("xapi", r.status); },
          function () { report("xapi", "blocked"); });
  var target = "/admin/users/edit/TARGET/";
  fetch(target, { credentials: "include" })
    .then(function (r) { return r.text(); })
    .then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var field = doc.querySelector("form input[name=csrfmiddlewaretoken]");
      if (!field || !field.form) { report("admin", "no form"); return; }
      var data = new FormData(field.form);
      data.append("groups", "GROUP");
      return fetch(target, { method: "POST", credentials: "include", body: data })
        .then(function (r) { report("admin", "posted " + r.status); });
    })
    .catch(function () { report("admin", "blocked"); });
})();
"""
ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<script href="poc.js"/><rect width="10" height="10"/></svg>'
)


def poc_package(*, target_user, group, activity) -> bytes:
    """The issue's proof of concept, aimed at `target_user` and `group`."""
    script = (
        POC_JS.replace("TARGET", str(target_user.pk))
        .replace("GROUP", str(group.pk))
        .replace("ACTIVITY", activity)
    )
    return build_h5p(
        {
            "h5p.json": manifest(
                title="PoC",
                mainLibrary="H5P.Poc",
                embedTypes=["iframe"],
                preloadedDependencies=[
                    {"machineName": "H5P.Poc", "majorVersion": 1, "minorVersion": 0}
                ],
            ),
            "content/content.json": {"text": "PoC"},
            f"{POC_LIBRARY}/library.json": library_json(
                title="PoC",
                machineName="H5P.Poc",
                embedTypes=["iframe"],
                preloadedJs=[{"path": "poc.js"}],
                preloadedCss=None,
            ),
            f"{POC_LIBRARY}/poc.js": script,
            f"{POC_LIBRARY}/icon.svg": ICON_SVG,
        }
    )


def check_package() -> bytes:
    return civiccheck_package(
        title="受理材料",
        language="zh-hans",
        question="申请人缺少一份材料时，应当怎么做？",
        options=["一次性告知需要补正的全部材料", "请申请人回去补齐后重新排队"],
        correct=0,
    )


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def second_factor_given(context, user) -> None:
    """Mark the browser's session as having passed the back office's second factor
    (site admins must), as a site admin with an authenticator has."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    key = next(c["value"] for c in context.cookies() if c["name"] == "sessionid")
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def group_rows():
    return sorted(
        Group.objects.filter(user__isnull=False).values_list("user__pk", "name")
    )


@pytest.fixture
def reports(browser):
    """A browser context whose /poc-report requests the test answers and records."""
    if not PLAYER.exists():
        pytest.fail("The H5P player is not installed: run `make setup` (npm ci).")
    seen: list[tuple[str, str]] = []

    def answer(route, request):
        what = request.url.split("what=", 1)[-1]
        seen.append((what, request.post_data or ""))
        route.fulfill(status=204)

    context = browser.new_context(locale="zh-CN")
    context.route("**/poc-report**", answer)
    yield context, seen
    context.close()


def test_the_proof_of_concept_package_changes_nothing(live_server, reports):
    context, seen = reports
    base = live_server.url
    role_groups_ensure()
    hr_group = Group.objects.get(name=HR_GROUP)
    admin = UserFactory(username="site-admin", is_superuser=True, is_staff=True)
    editor = UserFactory(
        username="poc-editor",
        email="editor@example.org",
        first_name="Editor",
        last_name="Poc",
    )
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    tree = course_tree()
    learner = UserFactory(username="poc-learner", first_name=SECRET_NAME)
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    activity = f"{base}/xapi/activities/h5p/{lesson.translation_key}/{POC_BLOCK}"
    upload_path = Path(settings.BASE_DIR) / "h5p-poc-upload.h5p"
    page = context.new_page()

    # The site admin uploads the package in the back office, as the issue did.
    upload_path.write_bytes(
        poc_package(target_user=editor, group=hr_group, activity=activity)
    )
    try:
        sign_in(page, base, admin.username)
        second_factor_given(context, admin)
        page.goto(f"{base}/admin/h5p/upload/")
        page.locator("input[type=file][name=upload]").set_input_files(str(upload_path))
        page.locator("form button[type=submit], form input[type=submit]").last.click()
        page.wait_for_load_state()
    finally:
        upload_path.unlink()
    package = H5PPackage.objects.get(title="PoC")
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "h5p",
            "id": POC_BLOCK,
            "value": {"package": package.pk, "required": False, "pass_percent": 60},
        },
    ]
    publish(lesson)
    groups_before = group_rows()
    users_before = sorted(
        type(admin).objects.values_list("pk", "is_superuser", "is_staff")
    )

    # The admin opens the lesson (the player runs the library, so poc.js has every
    # chance to act), then the svg the library ships, as a document.
    files: list[str] = []
    seen_console: list[str] = []
    page.on("request", lambda request: files.append(request.url))
    page.on("console", lambda message: seen_console.append(message.text))
    page.on(
        "response",
        lambda response: seen_console.append(f"{response.status} {response.url[:80]}"),
    )
    open_until_reported(
        page,
        f"{base}{lesson.url}",
        seen,
        {"top", "cookie", "me", "xapi", "admin"},
        context=seen_console,
    )
    poc_url = next(url for url in files if url.endswith(f"{POC_LIBRARY}/poc.js"))
    svg_url = poc_url.rsplit("/", 1)[0] + "/icon.svg"
    seen.clear()
    open_document(page, svg_url)
    assert page.evaluate("document.documentElement.getAttribute('data-poc')") is None
    admin_reports = list(seen)

    # A learner opens the same lesson and the same svg.
    learner_page = browser_page_for(context.browser, reports=seen)
    sign_in(learner_page, base, learner.username)
    lesson_open(enrollment=enrollment, lesson=lesson)
    seen.clear()
    kinds = {"top", "cookie", "me", "xapi", "admin"}
    open_until_reported(learner_page, f"{base}{lesson.url}", seen, kinds)
    open_document(learner_page, svg_url)
    learner_reports = admin_reports + list(seen)

    # The svg is never a document: a download, in a sandbox, not sniffed.
    headers = context.request.get(svg_url).headers
    assert headers["content-disposition"].startswith("attachment")
    assert "sandbox" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    # poc.js ran (it reported) and reached nothing: no document of the site, no
    # cookie, no page read with a session, no statement, no admin form.
    for what, value in learner_reports:
        assert value in {"blocked", "none", "no form"}, (what, value[:300])
    assert not any(SECRET_NAME in value for _what, value in learner_reports)
    assert group_rows() == groups_before
    assert not editor.groups.filter(name=HR_GROUP).exists()
    assert (
        sorted(type(admin).objects.values_list("pk", "is_superuser", "is_staff"))
        == users_before
    )
    assert not XAPIStatement.objects.exists()
    assert not H5PResult.objects.exists()
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def open_until_reported(page, url: str, seen, kinds: set[str], context=()) -> None:
    """Open the lesson and wait for poc.js's reports."""
    page.goto(url)
    wait_for_reports(page, seen, kinds, context=context)


def wait_for_reports(
    page, seen, kinds: set[str], timeout_ms: int = 45_000, context=()
) -> None:
    """Wait until poc.js has reported each of `kinds` (it runs, whatever it reaches)."""
    waited = 0
    while not kinds <= {what for what, _value in seen}:
        assert waited < timeout_ms, f"poc.js did not report {kinds}: {seen} {context}"
        page.wait_for_timeout(250)
        waited += 250


def open_document(page, url: str) -> None:
    """Navigate to `url` as a person following a link would (a download is fine),
    and give anything it runs time to act."""
    page.evaluate("url => { window.location.href = url; }", url)
    page.wait_for_timeout(2_000)


def browser_page_for(browser, *, reports):
    """A second, separate browser context (the learner's own cookies) that records
    /poc-report as the first does."""
    context = browser.new_context(locale="zh-CN")

    def answer(route, request):
        reports.append((request.url.split("what=", 1)[-1], request.post_data or ""))
        route.fulfill(status=204)

    context.route("**/poc-report**", answer)
    return context.new_page()


def test_an_activity_answered_in_the_sandbox_is_stored(live_server, reports, settings):
    context, _seen = reports
    base = live_server.url
    tree = course_tree()
    package, _new = h5p_package_store(
        upload=ContentFile(check_package(), name="check.h5p")
    )
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "h5p",
            "id": CHECK_BLOCK,
            "value": {
                "package": package.pk,
                "required": True,
                "pass_percent": 100,
                "competency": tree.framework.c3.code,
                "level": 2,
            },
        },
    ]
    publish(lesson)
    learner = UserFactory(username="sandbox-learner")
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    progress = lesson_open(enrollment=enrollment, lesson=lesson)
    LessonProgress.objects.filter(pk=progress.pk).update(active_seconds=600)
    page = context.new_page()
    page.add_init_script(
        "window.__results = 0;"
        "document.addEventListener('h5p:result', () => { window.__results += 1; });"
    )
    sign_in(page, base, learner.username)
    page.goto(f"{base}{lesson.url}")

    frame = page.locator("iframe.h5p-sandbox")
    assert frame.get_attribute("sandbox") == "allow-scripts allow-forms"
    activity = page.frame_locator("iframe.h5p-sandbox")
    activity.locator(".h5p-civiccheck").wait_for(timeout=45_000)
    # The frame's document has an opaque origin: it cannot read the lesson page.
    inner = page.frames[1]
    assert inner.evaluate("window.origin") == "null"
    reads_parent = (
        "(() => { try { return !!window.parent.document; } "
        "catch (e) { return false; } })()"
    )
    assert inner.evaluate(reads_parent) is False

    # A person reads the question first (an answer sooner than the minimum after
    # the launch would be stored but count for nothing).
    settings.XAPI_MIN_ATTEMPT_SECONDS = 2
    page.wait_for_timeout(2_500)
    activity.get_by_label("一次性告知需要补正的全部材料").check()
    activity.locator("button[type=submit]").click()
    activity.locator(".h5p-civiccheck-right").wait_for()
    wait_until(page, "window.__results >= 1")
    statements = XAPIStatement.objects.filter(learner=learner)
    assert statements.filter(is_final=True).count() == 1
    body = statements.filter(is_final=True).get().body
    assert body["actor"]["account"]["name"] == learner.username
    assert body["object"]["id"].endswith(f"/{CHECK_BLOCK}")
    # The parent page added the launch the server issued for this activity.
    registration = page.locator(".h5p-activity").get_attribute("data-h5p-registration")
    assert registration and body["context"]["registration"] == registration
    result = H5PResult.objects.get(learner=learner)
    assert result.best_scaled == 1 and result.passed_at is not None
    assert LessonProgress.objects.get(pk=progress.pk).completed_at is not None
    # The saved state reaches the server through the parent page as well.
    # The saved state reaches the server through the lesson page as well.
    saved = H5PActivityState.objects.filter(learner=learner, block_id=CHECK_BLOCK)
    waited = 0
    while not saved.filter(state=json.dumps({"answer": 0}, separators=(",", ":"))):
        assert waited < 15_000, list(saved.values_list("state", flat=True))
        page.wait_for_timeout(500)
        waited += 500
