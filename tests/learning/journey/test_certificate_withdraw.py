"""A site admin withdraws a certificate through the admin's Withdraw screen: the
certificate's course evidence stops counting (levels recomputed), its study hours
are taken back, the mandatory cycle it completed opens again and the public page
says it was withdrawn."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import CompetencyLevel, Evidence
from learning.curricula.services import curriculum_activate
from learning.hours.selectors import study_hours_summary
from learning.journey.services import certificate_revoke, course_enroll, lesson_complete
from learning.models import (
    Assignment,
    Certificate,
    Curriculum,
    CurriculumCourse,
    Enrollment,
    StudyHourEntry,
)
from tests import factories
from tests.courses.builders import course_tree, pass_quiz, read_lesson

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def world(county, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, tzinfo=TZ), tick=False)
    tree = course_tree()
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    learner = factories.person_in(county.section_a1).user
    curriculum = Curriculum.objects.create(
        name="政务服务基础",
        name_en="Service basics",
        owner_department=county.county,
        due_kind=Curriculum.DueKind.AFTER_ASSIGNMENT,
        due_days=30,
    )
    curriculum.departments.set([county.county])
    CurriculumCourse.objects.create(curriculum=curriculum, course=tree.course)
    curriculum_activate(actor=admin, curriculum=curriculum)
    course_enroll(learner=learner, course=tree.course)
    read_lesson(
        learner,
        tree.reading,
        2,
        start=datetime.datetime(2026, 3, 2, 9, tzinfo=TZ),
    )
    lesson_complete(learner=learner, lesson=tree.reading)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    return tree, admin, learner, Certificate.objects.get(learner=learner)


def _level(learner, competency) -> int:
    return CompetencyLevel.objects.get(learner=learner, competency=competency).level


def test_an_admin_withdraws_a_certificate_and_what_it_earned(world, client):
    tree, admin, learner, certificate = world
    c1 = tree.framework.c1
    assert _level(learner, c1) == 2  # the course's level; the quiz shows level 1
    assert study_hours_summary(user=learner, year=2026).total == Decimal("2.5")
    assert Assignment.objects.get(learner=learner).state == Assignment.State.COMPLETED

    client.force_login(admin)
    factories.second_factor_passed(client, admin)
    withdraw_url = reverse("certificates:withdraw", args=[certificate.pk])
    listing = client.get("/admin/certificates/", {"q": certificate.code})
    assert withdraw_url in listing.content.decode()
    # The field is no longer edited directly: that left evidence and hours behind.
    edit = client.post(
        f"/admin/certificates/edit/{certificate.pk}/",
        {"revoked_at": "2026-03-02 10:00:00"},
    )
    assert edit.status_code in (302, 403) and edit.get("Location", "") != (
        "/admin/certificates/"
    )
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
    confirm = client.get(withdraw_url)
    assert confirm.status_code == 200
    assert certificate.code in confirm.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None  # GET
    no_reason = client.post(withdraw_url, {"reason": "  "})
    assert no_reason.status_code == 200
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None

    response = client.post(withdraw_url, {"reason": "考试作弊 (cheated)"})
    assert response.status_code == 302

    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    course_evidence = Evidence.objects.filter(
        learner=learner, kind=Evidence.Kind.COURSE
    )
    assert course_evidence.count() == 2
    assert not course_evidence.filter(revoked_at__isnull=True).exists()
    assert _level(learner, c1) == 1  # the quiz evidence is what is left
    assert _level(learner, tree.framework.c2) == 1
    assert study_hours_summary(user=learner, year=2026).total == Decimal(0)
    revoking = StudyHourEntry.objects.get(
        learner=learner, kind=StudyHourEntry.Kind.REVOKED
    )
    assert revoking.hours == Decimal("-2.5")
    assert "cheated" in revoking.note
    assert revoking.recorded_by == admin
    assignment = Assignment.objects.get(learner=learner)
    assert assignment.state == Assignment.State.OPEN
    assert assignment.completed_at is None
    assert assignment.courses_done == 0
    enrollment = Enrollment.objects.get(learner=learner)
    assert enrollment.status == Enrollment.Status.ACTIVE

    # Withdrawing again changes nothing more.
    client.post(withdraw_url, {"reason": "again"})
    assert StudyHourEntry.objects.filter(kind=StudyHourEntry.Kind.REVOKED).count() == 1

    client.logout()
    verify = client.get(reverse("learning:certificate_verify", args=[certificate.code]))
    assert verify.context["status"] == "revoked"
    assert "withdrawn" in verify.content.decode() or "撤销" in verify.content.decode()
    client.force_login(learner)
    assert client.get(f"/certificates/{certificate.code}/pdf/").status_code == 404
    assert client.get(withdraw_url).status_code in (302, 403)


def test_taking_the_course_again_completes_the_cycle_again(
    world, django_capture_on_commit_callbacks, time_machine
):
    tree, admin, learner, certificate = world
    certificate_revoke(actor=admin, certificate=certificate, reason="issued in error")
    time_machine.move_to(datetime.datetime(2026, 3, 3, 10, tzinfo=TZ), tick=False)
    read_lesson(
        learner, tree.reading, 2, start=datetime.datetime(2026, 3, 3, 9, tzinfo=TZ)
    )
    lesson_complete(learner=learner, lesson=tree.reading)
    with django_capture_on_commit_callbacks(execute=True):
        pass_quiz(tree.quiz, learner)
    assert Certificate.objects.filter(learner=learner, revoked_at=None).count() == 1
    assert Assignment.objects.get(learner=learner).state == Assignment.State.COMPLETED
    assert _level(learner, tree.framework.c1) == 2


def test_only_site_admins_withdraw(world, client, county):
    _tree, _admin, learner, certificate = world
    hr = factories.scoped_user("hr", county.county).user
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=hr, certificate=certificate, reason="no")
    client.force_login(hr)
    url = reverse("certificates:withdraw", args=[certificate.pk])
    assert client.post(url, {"reason": "no"}).status_code in (302, 403)
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
