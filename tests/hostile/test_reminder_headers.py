"""A line break in a curriculum's name reached the reminder e-mail's subject, where
Django refuses a header with CR/LF (BadHeaderError): the e-mail task, run at the
commit of the first reminder, raised into HR's "remind everyone" request after
that reminder and its notification were committed, and the others were never
made (a half-done run and a 500). Now the subject is put on one line, and a
failing e-mail (here a mail server that refuses the connection) is logged and
left pending for the sweep instead of breaking the run.

Transactional: the e-mail runs on commit, inside the request, as in production."""

import socket

import pytest
from django.core import mail
from django.urls import reverse

from learning.curricula.services import curriculum_activate
from learning.models import Assignment, AssignmentReminder, Notification, RoleScope
from tests import factories
from tests.learning.test_curricula import make_curriculum

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "网络安全培训\r\nBcc: attacker@example.org"
NAME_EN = "Security training\r\nBcc: attacker@example.org"
HR_REMINDER = "assignment_reminder_hr"  # not the "new training" notices


@pytest.fixture
def reminder_run(county):
    admin = factories.UserFactory(username="siteadmin", is_superuser=True)
    learners = [factories.person_in(county.section_a1) for _ in range(3)]
    hr = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    curriculum = make_curriculum(
        county.county, departments=[county.section_a1], name=NAME, name_en=NAME_EN
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    assert Assignment.objects.count() == 3
    client = factories_client(hr.user)
    return client, learners


def factories_client(user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def remind_everyone(client):
    return client.post(reverse("compliance:remind"), {"all": "1"})


def test_a_line_break_in_the_name_gives_one_line_subjects(reminder_run):
    client, learners = reminder_run

    response = remind_everyone(client)

    assert response.status_code == 302
    assert AssignmentReminder.objects.count() == 3
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert "\r" not in message.subject and "\n" not in message.subject
        assert "网络安全培训 Bcc: attacker@example.org" in message.subject
        assert message.bcc == []
        assert len(message.recipients()) == 1
        assert "Bcc" not in message.message().keys()
    assert {m.to[0] for m in mail.outbox} == {p.user.email for p in learners}
    for notification in Notification.objects.filter(kind=HR_REMINDER):
        assert "\n" not in notification.subject
        assert notification.emailed_at is not None


def _closed_port() -> int:
    """A port in this worktree's range that nothing listens on."""
    for port in range(8420, 8430):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail("no free port in 8420-8429")


def test_a_mail_server_that_refuses_leaves_the_run_whole(reminder_run, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    client, learners = reminder_run

    response = remind_everyone(client)

    assert response.status_code == 302
    # Every learner got the reminder and its notification; the e-mails wait for
    # the sweep (notifications_email_sweep) as after a dead worker.
    assert AssignmentReminder.objects.count() == 3
    notifications = Notification.objects.filter(
        user__in=[p.user for p in learners], kind=HR_REMINDER
    )
    assert notifications.count() == 3
    assert all(n.email_wanted and n.emailed_at is None for n in notifications)
