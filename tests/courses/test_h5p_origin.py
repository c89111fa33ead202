"""Uploaded H5P code never runs as the site (issue #15, escalation 1): the lesson
page embeds a sandboxed frame, the frame and the package files are served by signed
URLs without the session and with headers that keep every file from becoming a
document; a separate content origin serves nothing else and accepts no cookie; only
site administrators install or update library code. The browser side is
tests/e2e/test_h5p_sandbox.py."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.models import H5PInstalledLibrary, H5PPackage
from courses.h5p.services import h5p_package_store
from courses.h5p.serving import h5p_content_grant, h5p_content_token
from courses.models import LessonPage
from courses.permissions import h5p_play_mode
from learning.models import RoleScope
from tests.factories import UserFactory, county_tree, scoped_user
from tests.h5p_builder import build_h5p, library_json, manifest, minimal_members

from .builders import course_tree, publish
from .test_h5p import storage_files

pytestmark = pytest.mark.django_db

BLOCK_ID = "5c0de5c0-de5c-4de5-8de5-c0de5c0de5c1"
SITE = "http://testserver"


def civic():
    return civiccheck_package(
        title="材料",
        language="zh-hans",
        question="材料缺一份时怎么办？",
        options=["一次性告知", "回去补齐再来"],
        correct=0,
    )


def with_svg(members=None, **files):
    """A package whose library also ships an svg that pulls in a script."""
    members = dict(members or minimal_members())
    members["H5P.Demo-1.0/icon.svg"] = (
        '<svg xmlns="http://www.w3.org/2000/svg"><script href="demo.js"/></svg>'
    )
    members.update(files)
    return members


@pytest.fixture
def package():
    return h5p_package_store(upload=ContentFile(civic(), name="check.h5p"))[0]


@pytest.fixture
def demo_package():
    """A package with an svg in its library, installed by the system (no user)."""
    return h5p_package_store(
        upload=ContentFile(build_h5p(with_svg()), name="demo.h5p")
    )[0]


def in_lesson(package):
    tree = course_tree()
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "h5p",
            "id": BLOCK_ID,
            "value": {"package": package.pk, "required": False, "pass_percent": 60},
        },
    ]
    publish(lesson)
    return lesson


def token_for(package, *, preview=False, origin=SITE):
    return h5p_content_token(
        package_id=package.pk, preview=preview, parent_origin=origin
    )


def file_url(token, path):
    return reverse("courses:h5p_file", args=[token, path])


def editor():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# The lesson page ---------------------------------------------------------------------


def test_the_lesson_embeds_a_sandboxed_frame_and_no_player(client, package):
    lesson = in_lesson(package)
    client.force_login(UserFactory())
    page = client.get(lesson.url).content.decode()
    frame = re.search(
        r'<iframe class="h5p-sandbox" sandbox="([^"]*)" src="([^"]*)"', page
    )
    # Scripts (and form events) but never allow-same-origin: an opaque origin.
    assert frame[1] == "allow-scripts allow-forms"
    assert "allow-same-origin" not in page
    assert "main.bundle.js" not in page  # the player runs only inside the frame
    token = frame[2].split("/h5p/frame/", 1)[1].rstrip("/")
    grant = h5p_content_grant(token)
    assert (grant.package_id, grant.preview, grant.parent_origin) == (
        package.pk,
        False,
        SITE,
    )


def test_no_frame_for_a_draft_package_unless_the_person_may_edit_packages(
    client, package
):
    hr = scoped_user(RoleScope.Role.HR, county_tree().county).user
    assert h5p_play_mode(UserFactory(), package.pk) is None
    assert h5p_play_mode(hr, package.pk) is None  # the back office is not enough
    assert h5p_play_mode(editor(), package.pk) == "preview"
    admin = UserFactory(is_superuser=True)
    assert h5p_play_mode(admin, package.pk) == "preview"
    admin.is_active = False
    assert h5p_play_mode(admin, package.pk) is None
    in_lesson(package)
    assert h5p_play_mode(UserFactory(), package.pk) == "published"


# Tokens ------------------------------------------------------------------------------


def test_files_need_a_valid_token_and_no_session(package):
    in_lesson(package)
    anonymous = Client()  # the sandboxed frame sends no cookie
    token = token_for(package)
    assert anonymous.get(file_url(token, "h5p.json")).status_code == 200
    value, signature = token.rsplit(":", 1)
    forged = signing.Signer(salt="another").sign_object(
        {"p": package.pk, "e": int(time.time()) + 3600, "v": 1, "o": SITE}
    )
    for bad in (
        f"{value}:{signature[:-2]}xx",
        f"{value}x:{signature}",
        forged,
        "garbage",
        str(package.pk),
    ):
        assert anonymous.get(file_url(bad, "h5p.json")).status_code == 404, bad


def test_a_token_expires(package, settings, monkeypatch):
    in_lesson(package)
    settings.H5P_CONTENT_URL_HOURS = 2
    token = token_for(package)
    assert Client().get(file_url(token, "h5p.json")).status_code == 200
    later = time.time() + 4 * 3600
    monkeypatch.setattr("courses.h5p.serving.time.time", lambda: later)
    assert Client().get(file_url(token, "h5p.json")).status_code == 404


def test_a_published_token_stops_when_the_lesson_is_unpublished(package):
    lesson = in_lesson(package)
    published, preview = token_for(package), token_for(package, preview=True)
    lesson.unpublish()
    assert Client().get(file_url(published, "h5p.json")).status_code == 404
    # A preview token (issued only to editors) plays the draft until it expires.
    assert Client().get(file_url(preview, "h5p.json")).status_code == 200


def test_a_token_grants_one_package_only(package, demo_package):
    in_lesson(package)
    token = token_for(package)
    demo_token = token_for(demo_package, preview=True)
    assert Client().get(file_url(demo_token, "H5P.Demo-1.0/demo.js")).status_code == 200
    assert Client().get(file_url(token, "H5P.Demo-1.0/demo.js")).status_code == 404
    for path in (
        "../../../etc/passwd",
        "content/../h5p.json",
        "H5P.CivicCheck-1.0/%2e%2e/h5p.json",
        ".hidden",
        "content//content.json",
        "no-such-file.json",
    ):
        assert Client().get(file_url(token, path)).status_code == 404, path


def test_the_old_session_route_is_gone(client, package):
    in_lesson(package)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(f"/h5p/{package.pk}/h5p.json").status_code == 404


# Headers -----------------------------------------------------------------------------


def test_every_file_is_nosniff_and_sandboxed_and_documents_are_downloads(
    demo_package,
):
    in_lesson(demo_package)
    token = token_for(demo_package)
    for path, content_type, attachment in (
        ("H5P.Demo-1.0/demo.js", "text/javascript", False),
        ("H5P.Demo-1.0/demo.css", "text/css", False),
        ("h5p.json", "application/json", False),
        ("H5P.Demo-1.0/icon.svg", "image/svg+xml", True),
    ):
        response = Client().get(file_url(token, path))
        assert response.status_code == 200, path
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        policy = response["Content-Security-Policy"]
        assert policy.startswith("sandbox;") and "default-src 'none'" in policy
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Set-Cookie" not in response and not response.cookies
        disposition = response.get("Content-Disposition", "")
        assert disposition.startswith("attachment") is attachment, path


@pytest.mark.parametrize(
    "name",
    ["page.html", "data.xml", "page.xhtml", "run.svgz", "notes.pdf", "x.unknown"],
)
def test_any_type_a_browser_could_open_as_a_document_is_a_download(name):
    from courses.h5p.serving import content_type_of, is_document_type

    assert is_document_type(content_type_of(name))


def test_the_frame_is_a_sandbox_embeddable_only_by_its_page(package):
    in_lesson(package)
    token = token_for(package, origin="https://civic.example")
    response = Client().get(reverse("courses:h5p_frame", args=[token]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    # Opened on its own too, the frame has an opaque origin and runs no plug-in.
    assert policy.startswith("sandbox allow-scripts allow-forms;")
    assert "allow-same-origin" not in policy
    assert "frame-ancestors https://civic.example;" in policy
    assert "form-action 'none'" in policy
    assert "X-Frame-Options" not in response
    assert "Set-Cookie" not in response and not response.cookies
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert "https://civic.example" in body  # the only origin it posts to
    assert f"/h5p/content/{token}" in body


def test_a_frame_for_a_draft_needs_a_preview_token(package):
    published = token_for(package)
    assert (
        Client().get(reverse("courses:h5p_frame", args=[published])).status_code == 404
    )
    preview = token_for(package, preview=True)
    assert Client().get(reverse("courses:h5p_frame", args=[preview])).status_code == 200


# A separate content origin -----------------------------------------------------------


@pytest.fixture
def content_origin(settings):
    settings.H5P_CONTENT_ORIGIN = "http://h5p.testserver"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "h5p.testserver"]
    return "h5p.testserver"


def test_with_a_content_origin_frames_and_files_live_only_there(
    client, package, content_origin
):
    lesson = in_lesson(package)
    learner = UserFactory()
    client.force_login(learner)
    page = client.get(lesson.url)
    assert page.context["h5p_config"]["contentOrigin"] == "http://h5p.testserver"
    src = re.search(r'class="h5p-sandbox"[^>]* src="([^"]*)"', page.content.decode())[1]
    assert urlsplit(src).netloc == content_origin
    frame_path = urlsplit(src).path
    token = frame_path.split("/")[3]
    # Not on the site's own host any more ...
    assert client.get(frame_path).status_code == 404
    assert client.get(file_url(token, "h5p.json")).status_code == 404
    # ... but on the content host, where the session cookie is not accepted.
    assert client.get(frame_path, HTTP_HOST=content_origin).status_code == 200
    response = client.get(file_url(token, "h5p.json"), HTTP_HOST=content_origin)
    assert response.status_code == 200
    assert not response.cookies
    assert response.wsgi_request.user.is_anonymous
    for path in ("/me/", "/admin/", "/xapi/statements", lesson.url):
        assert client.get(path, HTTP_HOST=content_origin).status_code == 404, path


# Library code: installed by site administrators only ---------------------------------


def upload(client, data):
    return client.post(
        reverse("h5p_upload"), {"upload": ContentFile(data, name="p.h5p")}
    )


def test_an_editor_cannot_bring_a_new_library(client):
    files_before = storage_files()
    client.force_login(editor())
    response = upload(client, build_h5p(minimal_members()))
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["upload"])
    # In the default language (zh-hans): the library, its version, who may install it.
    assert "H5P.Demo 1.0.3" in message and "站点管理员" in message
    assert not H5PPackage.objects.exists()
    assert not H5PInstalledLibrary.objects.exists()
    assert storage_files() == files_before


def test_a_site_admin_installs_a_library_that_editors_may_then_use(client):
    # (The back office asks site admins for a second factor: the service here, the
    # upload form in tests/e2e/test_h5p_sandbox.py.)
    admin = UserFactory(is_superuser=True, is_staff=True)
    h5p_package_store(
        upload=ContentFile(build_h5p(minimal_members()), name="a.h5p"), user=admin
    )
    library = H5PInstalledLibrary.objects.get()
    assert (library.folder, library.version, library.installed_by) == (
        "H5P.Demo-1.0",
        "1.0.3",
        admin,
    )
    # Other content with the very same library code: fine for an editor.
    client.force_login(editor())
    members = {**minimal_members(), "content/content.json": {"text": "Other"}}
    assert upload(client, build_h5p(members)).status_code == 302
    assert H5PPackage.objects.count() == 2


def test_an_editor_cannot_change_an_installed_library(client):
    h5p_package_store(upload=ContentFile(build_h5p(minimal_members()), name="a.h5p"))
    installed = H5PInstalledLibrary.objects.get()
    client.force_login(editor())
    changed = {
        **minimal_members(),
        "H5P.Demo-1.0/demo.js": "fetch('/admin/');\n",
        "H5P.Demo-1.0/library.json": library_json(patchVersion=4),
    }
    response = upload(client, build_h5p(changed))
    message = " ".join(response.context["form"].errors["upload"])
    assert "H5P.Demo 1.0.4" in message and "1.0.3" in message
    assert H5PPackage.objects.count() == 1
    assert H5PInstalledLibrary.objects.get().checksum == installed.checksum
    # A svg added to the same version is a change too.
    response = upload(client, build_h5p(with_svg()))
    assert "H5P.Demo" in " ".join(response.context["form"].errors["upload"])
    assert H5PPackage.objects.count() == 1
    # A site administrator may update it.
    admin = UserFactory(is_superuser=True, is_staff=True)
    h5p_package_store(upload=ContentFile(build_h5p(changed), name="b.h5p"), user=admin)
    assert H5PInstalledLibrary.objects.get().version == "1.0.4"


def test_the_platforms_own_library_is_installed_for_everyone(client):
    client.force_login(editor())
    assert upload(client, civic()).status_code == 302
    assert not H5PInstalledLibrary.objects.exists()  # shipped, not uploaded


def test_a_changed_copy_of_the_platforms_own_library_is_refused(client):
    data = build_h5p(
        {
            "h5p.json": manifest(
                mainLibrary="H5P.CivicCheck",
                preloadedDependencies=[
                    {
                        "machineName": "H5P.CivicCheck",
                        "majorVersion": 1,
                        "minorVersion": 0,
                    }
                ],
            ),
            "content/content.json": {},
            "H5P.CivicCheck-1.0/library.json": library_json(
                machineName="H5P.CivicCheck", preloadedCss=None
            ),
            "H5P.CivicCheck-1.0/demo.js": "H5P.CivicCheck = function () {};",
        }
    )
    client.force_login(editor())
    response = upload(client, data)
    assert "H5P.CivicCheck" in " ".join(response.context["form"].errors["upload"])
    assert not H5PPackage.objects.exists()
