"""The learner's journey: enroll, active time, lesson and course completion, and what
completion earns (certificate, evidence, study hours), each exactly once."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import CompetencyLevel, Evidence
from learning.journey.services import (
    HEARTBEAT_MAX_SECONDS,
    course_blockers,
    course_completion_check,
    course_enroll,
    lesson_complete,
    lesson_heartbeat,
    lesson_open,
)
from learning.models import Certificate, Enrollment, LessonProgress, StudyHourEntry
from tests.factories import UserFactory

from .builders import (
    SESSION,
    course_tree,
    lesson_view,
    pass_quiz,
    publish,
    read_lesson,
)

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 6, 1, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture
def tree():
    return course_tree()


@pytest.fixture
def learner():
    return UserFactory()


def read(learner, lesson, minutes: int, *, start=NOON):
    read_lesson(learner, lesson, minutes, start=start)


def finish(tree, learner, django_capture_on_commit_callbacks):
    course_enroll(learner=learner, course=tree.course)
    read(learner, tree.reading, 2)
    lesson_complete(learner=learner, lesson=tree.reading)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)


# Enroll ---------------------------------------------------------------------------


def test_enrolling_twice_keeps_one_enrollment_across_languages(tree, learner):
    first, created = course_enroll(learner=learner, course=tree.course)
    again, created_again = course_enroll(learner=learner, course=tree.course_en)
    assert created and not created_again
    assert first.pk == again.pk
    assert Enrollment.objects.filter(learner=learner).count() == 1


def test_an_unpublished_course_cannot_be_enrolled_in(tree, learner, client):
    tree.course.unpublish()
    with pytest.raises(ValidationError):
        course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    url = reverse("learning:course_enroll", args=[tree.course.pk])
    assert client.post(url).status_code == 404
    assert (
        client.post(reverse("learning:course_enroll", args=[999999])).status_code == 404
    )
    assert not Enrollment.objects.exists()


def test_enroll_view_needs_post_and_sign_in(tree, learner, client):
    url = reverse("learning:course_enroll", args=[tree.course.pk])
    assert client.post(url).status_code == 302  # to the sign-in page
    client.force_login(learner)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == tree.course.url
    assert Enrollment.objects.filter(learner=learner).count() == 1


def test_prerequisites_must_be_completed_first(tree, learner):
    from .builders import course_in

    second, _reading, _quiz = course_in(
        tree.index_zh, slug="second", title="进阶", topic=tree.topic, fw=tree.framework
    )
    second.prerequisites.add(tree.course)
    publish(second)
    with pytest.raises(ValidationError, match="一次办好"):
        course_enroll(learner=learner, course=second)


# Active time ------------------------------------------------------------------------


def beat(learner, lesson, seconds, at, *, viewed=NOON):
    """A beat sent `at` from the lesson page the server rendered at `viewed`."""
    return lesson_heartbeat(
        learner=learner,
        lesson=lesson,
        seconds=seconds,
        view=lesson_view(learner, lesson, now=viewed),
        session_key=SESSION,
        now=at,
    )


def test_heartbeats_are_capped_by_real_time(tree, learner):
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    lesson_open(enrollment=enrollment, lesson=tree.reading, now=NOON)
    # A claim of an hour, ten seconds after opening, credits ten seconds.
    row = beat(learner, tree.reading, 3600, NOON + datetime.timedelta(seconds=10))
    assert row.active_seconds == 10
    # A replay at the same moment adds nothing.
    row = beat(learner, tree.reading, 30, NOON + datetime.timedelta(seconds=10))
    assert row.active_seconds == 10
    # After a long absence (the page still open) one beat is still capped.
    row = beat(learner, tree.reading, 100000, NOON + datetime.timedelta(minutes=50))
    assert row.active_seconds == 10 + HEARTBEAT_MAX_SECONDS


def test_beats_for_several_lessons_at_once_share_real_time(tree, learner):
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    for lesson in (tree.reading, tree.quiz_lesson):
        lesson_open(enrollment=enrollment, lesson=lesson, now=NOON)
    for number in range(1, 5):
        moment = NOON + datetime.timedelta(seconds=30 * number)
        for lesson in (tree.reading, tree.quiz_lesson):
            beat(learner, lesson, 30, moment)
    total = sum(LessonProgress.objects.values_list("active_seconds", flat=True))
    assert total <= 120  # two minutes passed, whatever the number of tabs


def test_the_first_beat_opens_the_lesson_and_credits_nothing(tree, learner):
    course_enroll(learner=learner, course=tree.course)
    row = beat(learner, tree.reading, 30, NOON)
    assert row.active_seconds == 0
    assert row.last_seen_at == NOON
    row = beat(learner, tree.reading, 30, NOON + datetime.timedelta(seconds=20))
    assert row.active_seconds == 20


def test_an_unpublished_course_records_no_progress(tree, learner):
    enrollment, _ = course_enroll(learner=learner, course=tree.course)
    lesson_open(enrollment=enrollment, lesson=tree.reading, now=NOON)
    tree.course.unpublish()
    tree.reading.refresh_from_db()
    with pytest.raises(ValidationError):
        beat(learner, tree.reading, 30, NOON + datetime.timedelta(seconds=30))


def test_a_course_whose_last_open_lesson_is_withdrawn_is_finished_by_a_post(
    tree, learner, client, django_capture_on_commit_callbacks
):
    course_enroll(learner=learner, course=tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    tree.reading.unpublish()  # the editor withdraws the one lesson still open
    client.force_login(learner)
    # Viewing the course offers the finish button and completes nothing.
    response = client.get(tree.course.url)
    finish_url = reverse("learning:course_finish", args=[tree.course.pk])
    assert response.context["finish_url"] == finish_url
    assert finish_url in response.content.decode()
    assert not Certificate.objects.exists()
    assert Enrollment.objects.get(learner=learner).status == Enrollment.Status.ACTIVE
    assert client.get(finish_url).status_code == 405
    response = client.post(finish_url)
    assert response.status_code == 302
    assert Enrollment.objects.get(learner=learner).status == Enrollment.Status.COMPLETED
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert client.get(tree.course.url).context["certificate"] is not None


def test_finishing_a_course_with_an_open_lesson_is_refused(tree, learner, client):
    course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    finish_url = reverse("learning:course_finish", args=[tree.course.pk])
    response = client.post(finish_url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "材料审核" in response.content.decode()  # the lesson still to do
    assert Enrollment.objects.get(learner=learner).status == Enrollment.Status.ACTIVE
    assert not Certificate.objects.exists()
    client.force_login(UserFactory())  # not enrolled
    assert client.post(finish_url).status_code == 403


@pytest.mark.parametrize("seconds", [-5, "abc", None, "1e9x"])
def test_malformed_heartbeats_are_refused(tree, learner, seconds):
    course_enroll(learner=learner, course=tree.course)
    with pytest.raises(ValidationError):
        beat(learner, tree.reading, seconds, NOON + datetime.timedelta(seconds=30))
    assert not LessonProgress.objects.filter(active_seconds__gt=0).exists()


def test_heartbeat_for_a_course_one_is_not_in_is_refused(tree, learner, client):
    with pytest.raises(PermissionDenied):
        beat(learner, tree.reading, 30, NOON)
    client.force_login(learner)
    url = reverse("learning:lesson_heartbeat", args=[tree.reading.pk])
    response = client.post(url, {"seconds": "30"})
    assert response.status_code == 403
    response = client.post(
        reverse("learning:lesson_heartbeat", args=[999999]), {"seconds": "30"}
    )
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_heartbeat_view_answers_json(tree, learner, client):
    course_enroll(learner=learner, course=tree.course)
    url = reverse("learning:lesson_heartbeat", args=[tree.reading.pk])
    with time_machine.travel(NOON, tick=False) as traveller:
        client.force_login(learner)
        view = client.get(tree.reading.url).context["lesson_view"]
        # The page's script, on load.
        opened = client.post(url, {"open": "1", "view": view})
        traveller.shift(datetime.timedelta(seconds=40))
        response = client.post(url, {"seconds": "30", "view": view})
        refused = client.post(url, {"seconds": "-1", "view": view})
    assert opened.status_code == 200
    assert opened.json()["active_seconds"] == 0
    assert response.status_code == 200
    assert response.json()["active_seconds"] == 30
    assert refused.status_code == 400


def test_viewing_a_lesson_writes_nothing_and_reopening_restarts_the_clock(
    tree, learner, client
):
    course_enroll(learner=learner, course=tree.course)
    url = reverse("learning:lesson_heartbeat", args=[tree.reading.pk])
    with time_machine.travel(NOON, tick=False) as traveller:
        client.force_login(learner)
        response = client.get(tree.reading.url)
        assert response.context["heartbeat_url"] == url
        assert not LessonProgress.objects.exists()
        client.post(url, {"open": "1", "view": response.context["lesson_view"]})
        traveller.shift(datetime.timedelta(minutes=20))
        view = client.get(tree.reading.url).context["lesson_view"]
        assert LessonProgress.objects.get().last_seen_at == NOON
        client.post(url, {"open": "1", "view": view})  # back twenty minutes later
        traveller.shift(datetime.timedelta(seconds=5))
        answer = client.post(url, {"seconds": "30", "view": view})
    # Only the five seconds since the page was opened again count.
    assert answer.json()["active_seconds"] == 5


# Lesson completion -------------------------------------------------------------------


def test_mark_complete_needs_the_minimum_active_time(tree, learner):
    course_enroll(learner=learner, course=tree.course)
    read(learner, tree.reading, 1)
    with pytest.raises(ValidationError, match="2"):
        lesson_complete(learner=learner, lesson=tree.reading)
    read(learner, tree.reading, 1, start=NOON + datetime.timedelta(hours=1))
    row = lesson_complete(learner=learner, lesson=tree.reading)
    assert row.completed_at is not None
    assert row.completed_via == LessonProgress.Via.READING
    # A double click changes nothing.
    again = lesson_complete(learner=learner, lesson=tree.reading)
    assert again.completed_at == row.completed_at


def test_completing_a_lesson_of_a_course_one_is_not_in_is_refused(
    tree, learner, client
):
    with pytest.raises(PermissionDenied):
        lesson_complete(learner=learner, lesson=tree.reading)
    client.force_login(learner)
    response = client.post(reverse("learning:lesson_complete", args=[tree.reading.pk]))
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


def test_a_quiz_lesson_completes_only_when_the_quiz_is_passed(
    tree, learner, django_capture_on_commit_callbacks
):
    course_enroll(learner=learner, course=tree.course)
    with pytest.raises(ValidationError):
        lesson_complete(learner=learner, lesson=tree.quiz_lesson)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner, right=False)
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    row = LessonProgress.objects.get(lesson_key=tree.quiz_lesson.translation_key)
    assert row.completed_via == LessonProgress.Via.ACTIVITIES


# Course completion --------------------------------------------------------------------


def test_the_course_completes_with_certificate_evidence_and_hours_once(
    tree, learner, django_capture_on_commit_callbacks
):
    finish(tree, learner, django_capture_on_commit_callbacks)
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.status == Enrollment.Status.COMPLETED
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.course_title_zh == "一次办好"
    assert certificate.course_title_en == "One trip at most"
    assert certificate.credit_hours == Decimal("2.5")
    course_evidence = Evidence.objects.filter(
        learner=learner, kind=Evidence.Kind.COURSE
    )
    assert sorted(course_evidence.values_list("competency__code", "level")) == [
        ("T-1.1", 2),
        ("T-1.2", 1),
    ]
    assert (
        CompetencyLevel.objects.get(learner=learner, competency=tree.framework.c1).level
        >= 2
    )
    hours = StudyHourEntry.objects.get(learner=learner, source_type="course")
    assert hours.hours == Decimal("2.5")

    # Replays: completing again, passing again, re-checking: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    lesson_complete(learner=learner, lesson=tree.reading)
    course_completion_check(enrollment=enrollment, course=tree.course_en)
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert StudyHourEntry.objects.filter(learner=learner).count() == 1
    assert course_evidence.count() == 2


def test_the_course_does_not_complete_while_a_lesson_is_open(
    tree, learner, django_capture_on_commit_callbacks
):
    course_enroll(learner=learner, course=tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.status == Enrollment.Status.ACTIVE
    blockers = course_blockers(enrollment=enrollment, course=tree.course)
    assert any("材料审核" in b for b in blockers)
    assert not Certificate.objects.exists()
    assert not StudyHourEntry.objects.exists()


def test_certificate_validity_follows_the_course(
    tree, learner, django_capture_on_commit_callbacks
):
    tree.course.certificate_validity_months = 12
    publish(tree.course)
    with time_machine.travel(NOON, tick=False):
        finish(tree, learner, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.valid_until == datetime.date(2027, 6, 1)
    evidence = Evidence.objects.filter(
        learner=learner, kind=Evidence.Kind.COURSE
    ).first()
    assert evidence.expires_at is not None
    assert timezone.localtime(evidence.expires_at).date() == datetime.date(2027, 6, 1)


def test_completion_in_english_counts_for_the_chinese_version(
    tree, learner, django_capture_on_commit_callbacks
):
    course_enroll(learner=learner, course=tree.course_en)
    read(learner, tree.reading_en, 2)
    lesson_complete(learner=learner, lesson=tree.reading_en)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    assert Enrollment.objects.get(learner=learner).status == Enrollment.Status.COMPLETED


# Survey ----------------------------------------------------------------------------


def test_the_survey_takes_one_answer_per_completion(
    tree, learner, client, django_capture_on_commit_callbacks
):
    finish(tree, learner, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(learner=learner)
    client.force_login(learner)
    url = reverse("learning:course_feedback", args=[certificate.code])
    for bad in ("0", "6", "x", ""):
        client.post(url, {"rating": bad})
    assert not hasattr(Certificate.objects.get(pk=certificate.pk), "feedback")
    client.post(url, {"rating": "4", "comment": "有用"})
    client.post(url, {"rating": "5", "comment": "很有用"})
    feedback = Certificate.objects.get(pk=certificate.pk).feedback
    assert (feedback.rating, feedback.comment) == (5, "很有用")
    other = UserFactory()
    client.force_login(other)
    assert client.post(url, {"rating": "1"}).status_code == 404
    assert Certificate.objects.get(pk=certificate.pk).feedback.rating == 5
