"""Notifications speak the reader's language of the moment (they store a message
key and parameters, never frozen text); a new mandatory training is announced; an
overdue reminder resolves when the training is finished; HR's own reminder is told
apart from the automatic ones."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from learning.curricula.reminders import assignment_remind_now, assignments_remind
from learning.curricula.services import curriculum_activate
from learning.curricula.sync import assignments_on_course_event
from learning.models import Assignment, Notification, RoleScope
from learning.notifications.selectors import notification_unread_count
from tests import factories
from tests.learning.test_curricula import complete, keys, make_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(county, django_capture_on_commit_callbacks):
    learner = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county, departments=[county.section_a1], due_days=10
    )
    admin = factories.UserFactory(username="siteadmin", is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        curriculum_activate(actor=admin, curriculum=curriculum)
    return learner, curriculum, Assignment.objects.get(profile=learner)


def _centre(client, user, language: str) -> str:
    client.force_login(user)
    response = client.get(
        reverse("learning:notifications"), HTTP_ACCEPT_LANGUAGE=language
    )
    return response.content.decode()


def test_a_new_mandatory_training_is_announced_in_the_readers_language(
    assigned, client
):
    learner, curriculum, assignment = assigned
    notice = Notification.objects.get(user=learner.user)
    assert notice.kind == "assignment_assigned"
    assert notice.assignment == assignment
    assert not mail.outbox  # in the centre; the e-mailed reminders follow
    english = _centre(client, learner.user, "en")
    assert f"New mandatory training: “{curriculum.name_en}”" in english
    assert f"due on {assignment.due_on.isoformat()}" in english
    chinese = _centre(client, learner.user, "zh-hans")
    assert f"新的必修培训：“{curriculum.name}”" in chinese
    assert "New mandatory training" not in chinese


def test_a_reminder_written_in_english_reads_in_chinese_after_a_switch(
    assigned, client, django_capture_on_commit_callbacks
):
    learner, curriculum, assignment = assigned
    learner.preferred_language = "en"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        assignments_remind(today=assignment.due_on)
    # E-mailed in the language the learner had chosen then.
    assert mail.outbox[-1].subject.endswith(f"“{curriculum.name_en}” is due today")
    note = Notification.objects.get(user=learner.user, kind="assignment_reminder")
    assert (
        note.message == "assignment_due" and note.params["name_zh"] == curriculum.name
    )
    # The learner switches to Chinese: the same row now reads in Chinese.
    learner.preferred_language = "zh-hans"
    learner.save()
    chinese = _centre(client, learner.user, "zh-hans")
    assert f"“{curriculum.name}”今天截止" in chinese
    assert "is due today" not in chinese
    with translation.override("en"):
        assert note.text[0] == f"“{curriculum.name_en}” is due today"


def test_an_overdue_reminder_resolves_when_the_training_is_finished(
    assigned, client, django_capture_on_commit_callbacks
):
    learner, curriculum, assignment = assigned
    with django_capture_on_commit_callbacks(execute=True):
        assignments_remind(today=assignment.overdue_on)
    overdue = Notification.objects.get(user=learner.user, kind="assignment_reminder")
    assert overdue.message == "assignment_overdue"
    assert notification_unread_count(learner.user) == 2  # the notice and this
    # As the journey does on completing a course (the nightly sync resolves too).
    with django_capture_on_commit_callbacks(execute=True):
        for key in keys(curriculum):
            complete(learner.user, key)
            assignments_on_course_event(learner=learner.user, course_key=key)
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.COMPLETED
    overdue.refresh_from_db()
    assert overdue.resolved_at is not None and overdue.read_at is not None
    assert notification_unread_count(learner.user) == 0
    english = _centre(client, learner.user, "en")
    assert "No longer needs action" in english


def test_hrs_reminder_is_told_apart_from_the_automatic_one(
    assigned, county, client, django_capture_on_commit_callbacks
):
    learner, curriculum, assignment = assigned
    hr = factories.scoped_user(RoleScope.Role.HR, county.county)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assignments_remind(today=assignment.due_on - datetime.timedelta(days=7))
        assignment_remind_now(actor=hr.user, assignments=[assignment], today=today)
    automatic = Notification.objects.get(user=learner.user, kind="assignment_reminder")
    manual = Notification.objects.get(user=learner.user, kind="assignment_reminder_hr")
    with translation.override("en"):
        assert automatic.text[0] == f"“{curriculum.name_en}” is due in 7 days"
        assert manual.text[0].startswith("Your HR officer reminds you:")
        assert "sent by your HR officer" in manual.text[1]
    english = _centre(client, learner.user, "en")
    assert english.count("From your HR officer") == 1
    chinese = _centre(client, learner.user, "zh-hans")
    assert chinese.count("人事干部提醒") >= 1
    hr_mail = [
        m for m in mail.outbox if "HR officer" in m.subject or "人事" in m.subject
    ]
    assert len(hr_mail) == 1
