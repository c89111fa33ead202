"""Reminders before due, on the day and weekly while overdue, each once per
assignment and kind; the leaders' weekly digest; the notification centre and /me/."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from learning.curricula.reminders import assignment_remind_now, assignments_remind
from learning.curricula.services import curriculum_activate
from learning.curricula.sync import assignments_sync
from learning.curricula.tasks import assignments_remind_task
from learning.models import (
    Assignment,
    AssignmentReminder,
    Notification,
    RoleScope,
)
from learning.notifications.email import notification_email
from learning.notifications.services import notification_create
from learning.notifications.tasks import notifications_email_sweep
from tests import factories
from tests.learning.test_curricula import complete, keys, make_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.UserFactory(username="siteadmin", is_superuser=True)


@pytest.fixture
def setup(county, admin):
    learner = factories.person_in(county.section_a1)
    leader = factories.scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    curriculum = make_curriculum(
        county.county, departments=[county.section_a1], due_days=10
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    return learner, leader, curriculum


def run_on(day, capture):
    with capture(execute=True):
        return assignments_remind(today=day)


def test_each_reminder_kind_goes_once_even_when_the_task_runs_twice(
    setup, django_capture_on_commit_callbacks
):
    learner, _leader, _curriculum = setup
    assignment = Assignment.objects.get(profile=learner)
    due = assignment.due_on
    sent = []
    for offset in range(-9, 22):
        day = due + datetime.timedelta(days=offset)
        first = run_on(day, django_capture_on_commit_callbacks)
        second = run_on(day, django_capture_on_commit_callbacks)
        assert second.reminders == 0
        sent += [day] * first.reminders
    kinds = list(
        AssignmentReminder.objects.filter(assignment=assignment)
        .order_by("sent_at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "before_7",
        "before_1",
        "due",
        "overdue_0",
        "overdue_1",
        "overdue_2",
    ]
    assert sent[:3] == [
        due - datetime.timedelta(days=7),
        due - datetime.timedelta(days=1),
        due,
    ]
    assert sent[3:] == [due + datetime.timedelta(days=d) for d in (1, 8, 15)]
    reminders = Notification.objects.filter(
        user=learner.user, kind="assignment_reminder"
    )
    assert reminders.count() == 6
    assert len([m for m in mail.outbox if learner.user.email in m.to]) == 6


def test_a_completed_assignment_gets_no_more_reminders(
    setup, django_capture_on_commit_callbacks
):
    learner, _leader, curriculum = setup
    assignment = Assignment.objects.get(profile=learner)
    complete(learner.user, keys(curriculum)[0])
    assignments_sync()
    run = run_on(assignment.due_on, django_capture_on_commit_callbacks)
    assert run.reminders == 0


def test_reminders_speak_the_learners_language(
    setup, django_capture_on_commit_callbacks
):
    learner, _leader, _curriculum = setup
    learner.preferred_language = "en"
    learner.save()
    assignment = Assignment.objects.get(profile=learner)
    run_on(assignment.due_on, django_capture_on_commit_callbacks)
    note = Notification.objects.get(user=learner.user, kind="assignment_reminder")
    assert note.text[0] == "“Annual security awareness” is due today"
    assert mail.outbox[-1].subject.endswith("“Annual security awareness” is due today")
    assert "/me/#assignments" in mail.outbox[-1].body


def test_leaders_get_one_overdue_digest_a_week(
    setup, county, django_capture_on_commit_callbacks
):
    learner, leader, _curriculum = setup
    county_leader = factories.scoped_user(RoleScope.Role.LEADER, county.county)
    assignment = Assignment.objects.get(profile=learner)
    day = assignment.overdue_on
    first = run_on(day, django_capture_on_commit_callbacks)
    assert first.digests == 1  # the nearest leader, not the county's
    again = run_on(day + datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    assert again.digests == 0
    digest = Notification.objects.get(user=leader.user, kind="overdue_digest")
    assert "1" in digest.text[0]
    assert not Notification.objects.filter(user=county_leader.user).exists()
    next_week = run_on(
        day + datetime.timedelta(days=7), django_capture_on_commit_callbacks
    )
    assert next_week.digests == 1


def test_remind_now_sends_once_a_day_and_only_in_scope(
    setup, county, django_capture_on_commit_callbacks
):
    learner, _leader, _curriculum = setup
    hr_b = factories.scoped_user(RoleScope.Role.HR, county.bureau_b)
    hr_a = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    assignment = Assignment.objects.get(profile=learner)
    with pytest.raises(PermissionDenied):
        assignment_remind_now(actor=hr_b.user, assignments=[assignment])
    with django_capture_on_commit_callbacks(execute=True):
        assert assignment_remind_now(actor=hr_a.user, assignments=[assignment]) == 1
        assert assignment_remind_now(actor=hr_a.user, assignments=[assignment]) == 0
    assert (
        Notification.objects.filter(
            user=learner.user, kind="assignment_reminder_hr"
        ).count()
        == 1
    )


def test_an_email_dropped_by_a_dead_worker_is_sent_by_the_sweep(setup, time_machine):
    learner, _leader, _curriculum = setup
    time_machine.move_to(timezone.now(), tick=False)
    # Written, but its e-mail task never ran (no on_commit callbacks in this test).
    notification_create(user=learner.user, kind="test", subject="Hello", body="Body")
    assert notifications_email_sweep() == 0  # too recent: its task may still run
    time_machine.shift(datetime.timedelta(minutes=11))
    assert notifications_email_sweep() == 1
    assert [m.subject for m in mail.outbox] == ["[CivicSkills] Hello"]
    assert notifications_email_sweep() == 0
    sent = Notification.objects.get(kind="test")
    assert notification_email(notification_id=sent.pk) is False


def test_the_daily_task_runs_with_todays_date(setup):
    learner, _leader, _curriculum = setup
    Assignment.objects.update(due_on=timezone.localdate())
    assert assignments_remind_task()["reminders"] == 1


def test_me_lists_assignments_with_the_next_course_and_overdue_first(
    client, county, admin
):
    learner = factories.person_in(county.section_a1)
    late = make_curriculum(county.county, departments=[county.county], name_en="Late")
    fine = make_curriculum(county.county, departments=[county.county], name_en="Fine")
    for curriculum in (late, fine):
        curriculum_activate(actor=admin, curriculum=curriculum)
    Assignment.objects.filter(curriculum=late).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3),
        overdue_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    client.force_login(learner.user)
    page = client.get(reverse("learning:me"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Mandatory training" in html
    assert html.index("Late") < html.index("Fine")
    assert "assignment-overdue" in html and "Overdue" in html
    assert "Was due on" in html and "3 days ago" in html


def test_the_notification_centre_counts_and_marks_read(client, setup):
    learner, _leader, _curriculum = setup
    for i in range(2):
        notification_create(
            user=learner.user, kind="t", subject=f"S{i}", body="B", url="/me/"
        )
    other = Notification.objects.create(
        user=factories.UserFactory(), kind="t", subject="not yours", body="B"
    )
    client.force_login(learner.user)
    html = client.get(reverse("learning:me"), HTTP_ACCEPT_LANGUAGE="en").content
    # Two, and the notice of the new mandatory training the setup assigned.
    assert b"badge-count" in html and b">3</span>" in html
    page = client.get(reverse("learning:notifications"), HTTP_ACCEPT_LANGUAGE="en")
    assert b"S0" in page.content and b"not yours" not in page.content
    first = Notification.objects.filter(user=learner.user).first()
    response = client.post(
        reverse("learning:notification_read"), {"id": first.pk, "open": "1"}
    )
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert (
        client.post(reverse("learning:notification_read"), {"id": other.pk}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("learning:notification_read"), {"id": "x'; DROP"}
        ).status_code
        == 302
    )
    client.post(reverse("learning:notification_read"))
    assert not Notification.objects.filter(
        user=learner.user, read_at__isnull=True
    ).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_leaders_find_overdue_people_from_the_digest_link(client, setup, county):
    learner, leader, curriculum = setup
    on_time = factories.person_in(county.section_a1)
    outside = factories.person_in(county.section_b1)
    assignments_sync()
    Assignment.objects.filter(profile__in=[learner, outside]).update(
        due_on=timezone.localdate() - datetime.timedelta(days=5),
        overdue_on=timezone.localdate() - datetime.timedelta(days=4),
    )
    client.force_login(leader.user)
    page = client.get(
        reverse("learning:team") + "?overdue=1", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert learner.employee_number in page and "1 overdue" in page
    assert on_time.employee_number not in page
    assert outside.employee_number not in page  # outside the leader's scope
    person = client.get(
        reverse("learning:team_member", args=[learner.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Mandatory training" in person and "Overdue" in person
    assert curriculum.name_en in person


def test_odd_notification_ids_are_refused_politely(client, setup):
    learner, _leader, _curriculum = setup
    client.force_login(learner.user)
    for raw in ("²", "1e3", "-1", "9" * 5000):
        response = client.post(reverse("learning:notification_read"), {"id": raw})
        assert response.status_code == 302
    # A NUL is refused for the whole site (cms.input_checks), with its own message.
    response = client.post(reverse("learning:notification_read"), {"id": "\x00"})
    assert response.status_code == 400
    note = notification_create(
        user=learner.user, kind="t", subject="S", body="B", url="//evil.example/x"
    )
    response = client.post(
        reverse("learning:notification_read"), {"id": note.pk, "open": "1"}
    )
    assert response["Location"] == reverse("learning:notifications")


def test_remind_now_on_an_overdue_assignment_says_it_is_overdue(
    setup, county, django_capture_on_commit_callbacks
):
    learner, _leader, _curriculum = setup
    learner.preferred_language = "en"
    learner.save()
    hr = factories.scoped_user(RoleScope.Role.HR, county.county)
    assignment = Assignment.objects.get(profile=learner)
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=5),
        overdue_on=timezone.localdate() - datetime.timedelta(days=4),
    )
    assignment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assignment_remind_now(actor=hr.user, assignments=[assignment])
    note = Notification.objects.get(user=learner.user, kind="assignment_reminder_hr")
    subject, body = note.text
    assert subject.startswith("Your HR officer reminds you: “Annual security")
    assert "was due on" in body
