"""A yearly curriculum's renewal window, through the real screens: while the next
cycle is open early, every screen speaks of the cycle in force (overdue here); from
the day the next cycle starts, the old one counts nowhere (learning.curricula.status).
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learning.curricula.compliance import compliance_people, compliance_summary
from learning.curricula.reminders import assignments_remind
from learning.curricula.selectors import my_assignments
from learning.curricula.services import curriculum_activate
from learning.curricula.sync import assignments_sync
from learning.models import Assignment, AssignmentReminder, Notification, RoleScope
from tests import factories
from tests.learning.test_curricula import make_curriculum

pytestmark = pytest.mark.django_db


def at(time_machine, *args):
    moment = datetime.datetime(*args, tzinfo=timezone.get_current_timezone())
    time_machine.move_to(moment, tick=False)
    return moment.date()


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def window(county, time_machine, django_capture_on_commit_callbacks):
    """A person who never did the 2026 cycle (due 2026-02-09, cycle ends
    2027-01-10); the 2027 cycle opened on 2026-12-11."""
    at(time_machine, 2026, 1, 10, 9)
    admin = factories.UserFactory(username="siteadmin", is_superuser=True)
    hr = factories.scoped_user(RoleScope.Role.HR, county.county)
    leader = factories.scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county,
        departments=[county.section_a1],
        recurrence_months=12,
        renewal_window_days=30,
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    at(time_machine, 2026, 12, 20, 2, 30)
    assignments_sync()
    old, new = Assignment.objects.filter(profile=person).order_by("cycle")
    assert (old.due_on, old.expires_on) == (
        datetime.date(2026, 2, 9),
        datetime.date(2027, 1, 10),
    )
    assert new.starts_on == datetime.date(2027, 1, 10)
    return hr, leader, person, old, new


def team_says(leader, person) -> tuple[bool, bool]:
    """(the person shows "1 overdue" on /team/, they are in /team/?overdue=1)"""
    client = client_for(leader.user)
    page = client.get(reverse("learning:team")).content.decode()
    row = page.split(person.employee_number, 1)[1].split("</tr>", 1)[0]
    overdue = client.get(reverse("learning:team") + "?overdue=1").content.decode()
    return "1 overdue" in row, person.employee_number in overdue


def test_inside_the_window_every_screen_speaks_of_the_cycle_in_force(
    window, time_machine, django_capture_on_commit_callbacks
):
    hr, leader, person, old, new = window
    today = at(time_machine, 2026, 12, 20, 8)

    assert team_says(leader, person) == (True, True)

    summary = compliance_summary(user=hr.user, today=today)
    assert (summary.total.assigned, summary.total.overdue) == (1, 1)
    rows = list(compliance_people(user=hr.user, today=today))
    assert [(r.cycle, r.compliance_status) for r in rows] == [(1, "overdue")]
    hr_client = client_for(hr.user)
    listed = hr_client.get(reverse("compliance:people") + "?status=overdue")
    assert person.full_name in listed.content.decode()
    assert hr_client.get(reverse("compliance:index")).status_code == 200

    assert [(r.assignment.cycle, r.status) for r in my_assignments(person.user)] == [
        (1, "overdue"),
        (2, "upcoming"),
    ]
    me = client_for(person.user).get(reverse("learning:me")).content.decode()
    assert "Next cycle: starts on 2027-01-10" in me

    with django_capture_on_commit_callbacks(execute=True):
        run = assignments_remind(today=today)
    assert run.reminders == 1
    assert AssignmentReminder.objects.filter(assignment=old).exists()
    assert not AssignmentReminder.objects.filter(assignment=new).exists()
    assert run.digests == 1
    digest = Notification.objects.get(user=leader.user, kind="overdue_digest")
    assert digest.text[1].endswith(": 1 overdue")


def test_from_the_next_cycles_start_the_old_one_counts_nowhere(
    window, time_machine, django_capture_on_commit_callbacks
):
    hr, leader, person, old, new = window
    # The start day, before the nightly sync has expired the old cycle: the rule
    # reads the dates, so no reminder goes for it.
    today = at(time_machine, 2027, 1, 10, 1)
    with django_capture_on_commit_callbacks(execute=True):
        run = assignments_remind(today=today)
    assert (run.reminders, run.digests) == (0, 0)
    assert not AssignmentReminder.objects.exists()
    assert team_says(leader, person) == (False, False)

    at(time_machine, 2027, 1, 10, 2, 30)
    assignments_sync()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.state, old.is_current, new.is_current) == ("expired", False, True)
    today = at(time_machine, 2027, 1, 10, 9)
    assert team_says(leader, person) == (False, False)
    summary = compliance_summary(user=hr.user, today=today)
    assert (summary.total.assigned, summary.total.overdue) == (1, 0)
    assert summary.total.not_started == 1
    rows = list(compliance_people(user=hr.user, today=today))
    assert [(r.cycle, r.compliance_status) for r in rows] == [(2, "not_started")]
    assert [(r.assignment.cycle, r.status) for r in my_assignments(person.user)] == [
        (2, "not_started")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        run = assignments_remind(today=today)
    assert (run.reminders, run.digests) == (0, 0)
    assert not Notification.objects.filter(user=leader.user).exists()
