"""Mandatory curricula through the real course journey: a completion completes the
assignment at once, and a new yearly cycle asks for the course again (retake)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from learning.curricula.services import curriculum_activate
from learning.curricula.sync import assignments_sync
from learning.journey.services import (
    course_completion_refresh,
    course_enroll,
    course_retake,
    course_retake_due,
    lesson_complete,
)
from learning.models import (
    Assignment,
    Certificate,
    Curriculum,
    CurriculumCourse,
    Enrollment,
    LessonProgress,
)
from tests import factories
from tests.courses.builders import course_tree, pass_quiz, read_lesson

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=TZ)


def take_course(tree, learner, when, capture):
    course_enroll(learner=learner, course=tree.course)
    read_lesson(learner, tree.reading, 2, start=when)
    lesson_complete(learner=learner, lesson=tree.reading)
    with capture(execute=True):
        pass_quiz(tree.quiz, learner)


def test_a_yearly_curriculum_is_completed_and_then_asked_for_again(
    county, client, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at(2026, 1, 10), tick=False)
    tree = course_tree()
    admin = factories.UserFactory(username="root", is_superuser=True)
    person = factories.person_in(county.section_a1)
    learner = person.user
    curriculum = Curriculum.objects.create(
        name="年度网络安全意识培训",
        name_en="Annual security awareness",
        owner_department=county.county,
        due_kind=Curriculum.DueKind.AFTER_ASSIGNMENT,
        due_days=30,
        recurrence_months=12,
        renewal_window_days=30,
    )
    curriculum.departments.set([county.county])
    CurriculumCourse.objects.create(curriculum=curriculum, course=tree.course_en)
    curriculum_activate(actor=admin, curriculum=curriculum)

    time_machine.move_to(at(2026, 2, 1), tick=False)
    take_course(tree, learner, at(2026, 2, 1), django_capture_on_commit_callbacks)
    first = Assignment.objects.get(learner=learner)
    # Completing the Chinese version completes the curriculum that lists the
    # English one, at once (no sync in between).
    assert first.state == Assignment.State.COMPLETED
    assert not course_retake_due(
        learner=learner, course_key=tree.course.translation_key
    )
    with pytest.raises(ValidationError, match="still counts"):
        course_retake(learner=learner, course=tree.course)

    time_machine.move_to(at(2026, 12, 15), tick=False)
    assert assignments_sync().renewed == 1
    second = Assignment.objects.get(learner=learner, cycle=2)
    assert second.state == Assignment.State.OPEN
    client.force_login(learner)
    page = client.get(tree.course.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    retake_url = reverse("learning:course_retake", args=[tree.course.pk])
    assert retake_url in page.content.decode()

    response = client.post(retake_url)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert not LessonProgress.objects.filter(
        enrollment=enrollment, completed_at__isnull=False
    ).exists()
    # The quiz passed last February does not complete the course again.
    assert course_completion_refresh(enrollment=enrollment, course=tree.course) is None
    assert Certificate.objects.filter(learner=learner).count() == 1

    take_course(tree, learner, at(2026, 12, 15), django_capture_on_commit_callbacks)
    second.refresh_from_db()
    assert second.state == Assignment.State.COMPLETED
    assert Certificate.objects.filter(learner=learner).count() == 2
    assert not course_retake_due(
        learner=learner, course_key=tree.course.translation_key
    )
