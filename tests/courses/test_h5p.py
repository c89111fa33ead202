"""H5P in lessons: editors upload packages (safely), learners are served the files
of activities in published lessons only, the player's statements become results,
lesson completion and evidence, and the player's state is kept per learner."""

import json
import re
import uuid

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from assessments.models import Evidence
from courses.h5p import package as h5p_package_module
from courses.h5p.activities import activity_iri, site_activity_base
from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.services import h5p_package_store
from courses.models import H5PPackage, LessonPage
from courses.selectors import activities_for_iris
from learning.journey.services import course_enroll, lesson_complete, lesson_open
from learning.models import H5PActivityState, H5PResult, LessonProgress
from tests.factories import UserFactory
from tests.h5p_builder import build_h5p

from .builders import course_tree, publish

pytestmark = pytest.mark.django_db

BLOCK_ID = "5c0de5c0-de5c-4de5-8de5-c0de5c0de5c0"


def civic(question="材料缺一份时怎么办？"):
    return civiccheck_package(
        title=question,
        language="zh-hans",
        question=question,
        options=["一次性告知", "回去补齐再来"],
        correct=0,
    )


def storage_files(prefix="packages"):
    storage = storages["h5p"]
    found = []

    def walk(folder):
        if not storage.exists(folder):
            return
        directories, files = storage.listdir(folder)
        found.extend(f"{folder}/{name}" for name in files)
        for name in directories:
            walk(f"{folder}/{name}")

    walk(prefix)
    return found


@pytest.fixture
def package():
    return h5p_package_store(upload=ContentFile(civic(), name="check.h5p"))[0]


@pytest.fixture
def tree(package):
    tree = course_tree()
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "h5p",
            "id": BLOCK_ID,
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
    tree.reading = lesson
    return tree


@pytest.fixture(autouse=True)
def _answers_at_once(settings):
    # The launch's minimum time is tested in tests/learning/xapi/test_launch.py.
    settings.XAPI_MIN_ATTEMPT_SECONDS = 0


def iri_of(tree) -> str:
    return activity_iri(lesson_key=tree.reading.translation_key, block_id=BLOCK_ID)


def launch(client, tree) -> tuple[dict, str]:
    """Open the lesson as the learner's browser does: the actor the player sends
    and the launch registration the activity's block carries."""
    response = client.get(tree.reading.url)
    registration = re.search(
        r'data-h5p-registration="([^"]*)"', response.content.decode()
    )[1]
    return response.context["h5p_config"]["actor"], registration


def statement(tree, *, launched, scaled=1.0, verb="answered", parent=False):
    actor, registration = launched
    body = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": iri_of(tree), "objectType": "Activity"},
        "result": {
            "score": {"scaled": scaled, "raw": scaled, "min": 0, "max": 1},
            "completion": True,
            "success": scaled >= 1,
        },
    }
    body["context"] = {"registration": registration}
    if parent:
        body["context"]["contextActivities"] = {"parent": [{"id": iri_of(tree)}]}
    return body


def post(client, body):
    return client.post(
        "/xapi/statements",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )


# Upload ----------------------------------------------------------------------------


def test_an_editor_uploads_a_package_and_the_same_file_again_reuses_it(client):
    from django.contrib.auth.models import Group

    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    upload = reverse("h5p_upload")
    data = civic()
    response = client.post(upload, {"upload": ContentFile(data, name="check.h5p")})
    assert response.status_code == 302
    package = H5PPackage.objects.get()
    assert package.main_library == "H5P.CivicCheck-1.0"
    assert package.libraries == ["H5P.CivicCheck-1.0"]
    assert f"{package.folder}/h5p.json" in storage_files()
    client.post(upload, {"upload": ContentFile(data, name="again.h5p")})
    assert H5PPackage.objects.count() == 1
    listing = client.get("/admin/snippets/courses/h5ppackage/")
    assert "H5P.CivicCheck-1.0" in listing.content.decode()


def test_a_refused_upload_says_why_and_leaves_nothing(client):
    from django.contrib.auth.models import Group

    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    before = storage_files()
    evil = build_h5p(
        {
            "h5p.json": {
                "title": "x",
                "language": "en",
                "mainLibrary": "H5P.CivicCheck",
                "embedTypes": ["div"],
                "preloadedDependencies": [
                    {
                        "machineName": "H5P.CivicCheck",
                        "majorVersion": 1,
                        "minorVersion": 0,
                    }
                ],
            },
            "content/content.json": {},
            "content/run.js": "alert(1)",
        }
    )
    response = client.post(
        reverse("h5p_upload"), {"upload": ContentFile(evil, name="evil.h5p")}
    )
    assert response.status_code == 200
    assert "content/run.js" in response.content.decode()
    assert not H5PPackage.objects.exists()
    assert storage_files() == before


@pytest.fixture
def validations(monkeypatch):
    """Each archive the package validator reads (the real validator runs)."""
    seen = []
    real_validate = h5p_package_module._validate

    def counting_validate(fileobj):
        seen.append(fileobj)
        return real_validate(fileobj)

    monkeypatch.setattr(h5p_package_module, "_validate", counting_validate)
    return seen


@pytest.fixture
def editor_client(client):
    from django.contrib.auth.models import Group

    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def test_an_upload_is_validated_once(editor_client, validations):
    """The form checks the file's name; the service validates the package as it
    extracts it (the whole archive is read and counted once, not twice)."""
    response = editor_client.post(
        reverse("h5p_upload"), {"upload": ContentFile(civic(), name="check.h5p")}
    )
    assert response.status_code == 302
    assert H5PPackage.objects.count() == 1
    assert len(validations) == 1


def test_a_file_not_named_h5p_is_refused_without_reading_it(editor_client, validations):
    response = editor_client.post(
        reverse("h5p_upload"), {"upload": ContentFile(civic(), name="check.zip")}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["upload"]
    assert not H5PPackage.objects.exists()
    assert validations == []


def test_learners_cannot_upload(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("h5p_upload"), {"upload": ContentFile(civic(), name="c.h5p")}
    )
    assert response.status_code in (302, 403)
    assert not H5PPackage.objects.exists()


# Serving: the sandboxed frame and signed file URLs are tested in test_h5p_origin.py.


# Lesson, statements, results --------------------------------------------------------


def test_the_lesson_page_carries_the_player_configuration(client, tree):
    learner = UserFactory()
    course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    response = client.get(tree.reading.url)
    config = response.context["h5p_config"]
    # On the configured site URL (SITE_URL), whichever host served the page.
    assert config["activityBase"] == site_activity_base()
    assert (
        site_activity_base() == settings.WAGTAILADMIN_BASE_URL + "/xapi/activities/h5p/"
    )
    assert config["actor"]["account"]["name"] == learner.username
    page = response.content.decode()
    assert f'data-h5p-iri="{iri_of(tree)}"' in page
    assert 'id="h5p-config"' in page
    assert activities_for_iris([iri_of(tree)])[iri_of(tree)].required


def test_a_passed_activity_completes_the_lesson_and_writes_evidence(
    client, tree, django_capture_on_commit_callbacks
):
    learner = UserFactory()
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    progress = lesson_open(enrollment=enrollment, lesson=tree.reading)
    LessonProgress.objects.filter(pk=progress.pk).update(active_seconds=10_000)
    client.force_login(learner)
    launched = launch(client, tree)
    # Sub-content statements and a failed answer do not complete anything.
    assert (
        post(client, statement(tree, launched=launched, parent=True)).status_code == 200
    )
    assert (
        post(client, statement(tree, launched=launched, scaled=0.0)).status_code == 200
    )
    result = H5PResult.objects.get(learner=learner)
    assert result.passed_at is None
    assert not Evidence.objects.filter(learner=learner, kind="h5p").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, statement(tree, launched=launched)).status_code == 200
    result.refresh_from_db()
    assert result.passed_at is not None and result.best_scaled == 1
    evidence = Evidence.objects.get(learner=learner, kind="h5p")
    assert (evidence.competency_id, evidence.level) == (tree.framework.c3.pk, 2)
    row = LessonProgress.objects.get(lesson_key=tree.reading.translation_key)
    assert row.completed_at is not None


def test_mark_complete_waits_for_the_required_activity(tree):
    learner = UserFactory()
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    progress = lesson_open(enrollment=enrollment, lesson=tree.reading)
    LessonProgress.objects.filter(pk=progress.pk).update(active_seconds=10_000)
    with pytest.raises(Exception, match="activities"):
        lesson_complete(learner=learner, lesson=tree.reading)


def test_statements_about_other_activities_count_for_nothing(client, tree):
    learner = UserFactory()
    course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    launched = launch(client, tree)
    body = statement(tree, launched=launched)
    body["object"]["id"] = activity_iri(lesson_key=uuid.uuid4(), block_id=BLOCK_ID)
    assert post(client, body).status_code == 200  # stored: a learning record
    tree.reading.unpublish()
    assert post(client, statement(tree, launched=launched)).status_code == 200
    assert not H5PResult.objects.exists()


def test_the_players_state_is_kept_and_restored(client, tree):
    learner = UserFactory()
    course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    url = reverse("learning:h5p_state", args=[tree.reading.translation_key, BLOCK_ID])
    assert client.post(url, "{bad", content_type="application/json").status_code == 400
    too_big = json.dumps({"state": "x" * 70_000})
    assert client.post(url, too_big, content_type="application/json").status_code == 400
    other = reverse(
        "learning:h5p_state", args=[tree.reading.translation_key, str(uuid.uuid4())]
    )
    state = json.dumps({"state": '{"answer": 1}'})
    assert client.post(other, state, content_type="application/json").status_code == 403
    assert client.post(url, state, content_type="application/json").status_code == 200
    assert H5PActivityState.objects.get(learner=learner).state == '{"answer": 1}'
    response = client.get(tree.reading.url)
    assert response.context["h5p_config"]["states"] == {BLOCK_ID: '{"answer": 1}'}


def test_me_shows_the_activity_score(client, tree):
    learner = UserFactory()
    course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    launched = launch(client, tree)
    post(client, statement(tree, launched=launched, scaled=0.0))
    post(client, statement(tree, launched=launched, scaled=1.0))
    response = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    [row] = response.context["activities"]
    assert (row.best_percent, row.last_percent, row.attempts, row.passed) == (
        100,
        100,
        2,
        True,
    )
    assert row.title == tree.reading_en.title  # the English version, in English
    assert "best 100%, last 100%, 2 attempts" in response.content.decode()
