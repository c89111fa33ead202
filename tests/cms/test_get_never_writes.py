"""A GET never changes a domain row. The demo county is built once for this module
(in a transaction rolled back at the end) and every page a person can reach is
fetched as each demo role and anonymously: the learner's, leader's and HR pages,
the catalog, every course, lesson and quiz page, certificates, the Wagtail admin's
listings, inspect and edit screens for learning, assessments and courses, the
compliance and roster screens and /healthz. The rows of the apps' tables must be
the same afterwards (sessions, log-in and admin logs live in other apps)."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets as admin_viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from assessments.models import Attempt, Competency, Quiz
from courses.models import CoursePage, LessonPage
from learning.curricula import compliance_admin
from learning.demo import history
from learning.demo.courses import _pass
from learning.journey.selectors import course_blockers
from learning.models import (
    Assignment,
    Certificate,
    Enrollment,
    LearnerProfile,
    LessonProgress,
    RoleScope,
)
from learning.roster import admin as roster_admin

APPS = ("learning", "assessments", "courses", "analytics", "cms")
ROLES = ["learner", "hr", "leader", "editor", "admin", None]
# Tables whose rows are compared whole (not only counted): the learner's state
# that a page view could touch without adding a row.
WATCHED = {
    "learning.enrollment",
    "learning.lessonprogress",
    "learning.certificate",
    "learning.assignment",
    "learning.notification",
    "learning.studyhourentry",
    "learning.h5presult",
    "assessments.attempt",
    "assessments.competencylevel",
}


def _models():
    return [
        model
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy
    ]


def _counts() -> dict[str, int]:
    return {model._meta.label_lower: model.objects.count() for model in _models()}


def _digests() -> dict[str, str]:
    found = {}
    for model in _models():
        label = model._meta.label_lower
        if label in WATCHED:
            rows = model.objects.order_by("pk").values_list()
            found[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return found


def _pass_the_final_quiz(learner) -> Enrollment:
    """The learner passes the final quiz of their course in progress (its lessons
    still open, so the course does not complete)."""
    enrollment = Enrollment.objects.filter(
        learner=learner, status=Enrollment.Status.ACTIVE
    ).first()
    course = _course_of(enrollment)
    _pass(course.graded_quiz, learner, timezone.now() - datetime.timedelta(hours=1))
    return enrollment


def _course_of(enrollment) -> CoursePage:
    return CoursePage.objects.live().get(
        translation_key=enrollment.course_key, locale__language_code="zh-hans"
    )


def _withdraw_open_lessons(enrollment) -> None:
    """An editor withdraws the lessons the learner has not done: nothing blocks the
    course any more, and only the learner's POST (or the next event) may complete
    it; a page view must not."""
    course = _course_of(enrollment)
    done = set(
        LessonProgress.objects.filter(
            enrollment=enrollment, completed_at__isnull=False
        ).values_list("lesson_key", flat=True)
    )
    open_keys = set(
        course.lessons()
        .exclude(translation_key__in=done)
        .values_list("translation_key", flat=True)
    )
    for lesson in LessonPage.objects.live().filter(translation_key__in=open_keys):
        lesson.unpublish()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert course_blockers(enrollment=enrollment, course=course) == []


def _enroll_in_a_new_course(learner) -> None:
    """A course the learner has just enrolled in: none of its lessons opened yet."""
    from django.core.exceptions import ValidationError

    from learning.journey.services import course_enroll

    enrolled = set(
        Enrollment.objects.filter(learner=learner).values_list("course_key", flat=True)
    )
    for course in CoursePage.objects.live().exclude(translation_key__in=enrolled):
        try:
            course_enroll(learner=learner, course=course)
        except ValidationError:
            continue  # prerequisites missing
        return


def _expired_attempt(learner) -> None:
    """A timed quiz left open by the learner a day ago: its time is up."""
    from assessments.services import quizzes

    quiz = (
        Quiz.objects.filter(time_limit_minutes__isnull=False, is_active=True)
        .exclude(attempts__learner=learner)
        .first()
    )
    if quiz is not None:
        quizzes.attempt_start(
            quiz=quiz, learner=learner, now=timezone.now() - datetime.timedelta(days=1)
        )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # Every kind of page needs the county, not its whole year: a twelfth of the
    # history sample (as tests/learning/demo does) cuts the seed to about a quarter.
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(history, "SAMPLE_SHARE", history.DEFAULT_SAMPLE_SHARE / 12)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # Each step runs its on-commit work (tasks, the quiz-graded signal)
            # before the next one starts.
            with (
                override_settings(DEBUG=True),
                TestCase.captureOnCommitCallbacks(execute=True),
            ):
                call_command("seed_demo", verbosity=0)
            learner = get_user_model().objects.get(username="learner")
            with TestCase.captureOnCommitCallbacks(execute=True):
                enrollment = _pass_the_final_quiz(learner)
            _withdraw_open_lessons(enrollment)
            with TestCase.captureOnCommitCallbacks(execute=True):
                _enroll_in_a_new_course(learner)
                _expired_attempt(learner)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _try_reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _admin_urls() -> list[str]:
    urls = ["/admin/"]
    for viewset in admin_viewsets.viewsets:
        if not isinstance(viewset, ModelViewSet):
            continue
        if viewset.model._meta.app_label not in APPS:
            continue
        urls.append(_try_reverse(viewset.get_url_name("index")))
        first = viewset.model._default_manager.order_by("pk").first()
        if first is None:
            continue
        for view in ("edit", "inspect", "history", "usage", "delete"):
            urls.append(_try_reverse(viewset.get_url_name(view), first.pk))
    for name, args in (
        *[(f"compliance:{p.name}", ()) for p in compliance_admin.urlpatterns],
        *[(f"roster_import:{p.name}", ()) for p in roster_admin.urlpatterns],
        ("compliance:export", ("csv",)),
        ("roster_import:template", ("xlsx",)),
        ("h5p_upload", ()),
    ):
        urls.append(_try_reverse(name, *args))
    assignment = Assignment.objects.order_by("pk").first()
    if assignment is not None:
        urls.append(_try_reverse("compliance:exempt", assignment.pk))
    for course in CoursePage.objects.live()[:2]:
        urls.append(f"/admin/pages/{course.pk}/")
        urls.append(f"/admin/pages/{course.pk}/edit/")
    for lesson in LessonPage.objects.live()[:2]:
        urls.append(f"/admin/pages/{lesson.pk}/edit/")
    return urls


def _gap_urls() -> list[str]:
    """A drill-down and a gap-to-action page of the demo leader's bureau."""
    leader = get_user_model().objects.get(username="leader")
    scope = RoleScope.objects.filter(user=leader).first()
    competency = Competency.objects.filter(targets__isnull=False).first()
    if scope is None or competency is None:
        return []
    query = f"?department={scope.department_id}&competency={competency.pk}"
    return [f"/dashboard/gaps/people/{query}", f"/dashboard/gaps/action/{query}"]


def _urls() -> list[str]:
    learner = get_user_model().objects.get(username="learner")
    profile_ids = list(
        LearnerProfile.objects.filter(
            user__username__in=["learner", "hr", "leader"]
        ).values_list("pk", flat=True)
    )
    urls = [
        "/",
        "/me/",
        "/me/competencies/",
        "/me/notifications/",
        "/team/",
        *[f"/team/{pk}/" for pk in profile_ids],
        "/dashboard/",
        "/dashboard/gaps/",
        "/dashboard/gaps/?by=area",
        "/dashboard/compliance/",
        "/dashboard/hours/",
        "/dashboard/effect/",
        "/dashboard/trends/",
        "/dashboard/report.pdf",
        *_gap_urls(),
        "/courses/",
        "/healthz",
        reverse("assessments:quiz_list"),
        *[page.url for page in CoursePage.objects.live()],
        *[page.url for page in LessonPage.objects.live()],
        *[
            reverse("assessments:quiz_detail", args=[code])
            for code in Quiz.objects.values_list("code", flat=True)
        ],
    ]
    for attempt_id in Attempt.objects.filter(learner=learner).values_list(
        "pk", flat=True
    ):
        urls.append(reverse("assessments:attempt", args=[attempt_id]))
        urls.append(reverse("assessments:attempt_result", args=[attempt_id]))
    for code in Certificate.objects.filter(learner=learner).values_list(
        "code", flat=True
    ):
        urls.append(reverse("learning:certificate_verify", args=[code]))
        urls.append(reverse("learning:certificate_pdf", args=[code]))
    urls += _admin_urls()
    return list(dict.fromkeys(url for url in urls if url))


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_no_page_view_changes_a_row(demo, db, client, role):
    if role is not None:
        client.force_login(get_user_model().objects.get(username=role))
    urls = _urls()
    assert len(urls) > 50
    digests = _digests()
    counts = _counts()
    changed = {}
    errors = []
    for url in urls:
        for language in ("zh-hans", "en"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            if response.status_code >= 500:
                errors.append((url, response.status_code))
            now = _counts()
            if now != counts:
                changed[url] = {
                    label: (counts[label], now[label])
                    for label in now
                    if now[label] != counts[label]
                }
                counts = now
    after = _digests()
    rewritten = [label for label in digests if digests[label] != after[label]]
    assert not errors, errors
    assert not changed, changed
    assert not rewritten, rewritten
