"""A Celery worker killed with SIGKILL in the middle of its work (issue #16 part 2):
a roster apply, an assignment sync, a reminder run and an e-mail send. Each task
stops where a real one would wait (a table another session holds, a mail server
that has not answered), the worker's whole process group is killed, and a new
worker is started: the broker delivers the task again, its claim is taken over,
and the effect happens exactly once. Real PostgreSQL (the test database), a private
Redis as the broker and real worker processes."""

import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from kombu import Connection

from cms.celery import app
from learning.curricula.models import Assignment, AssignmentReminder, Curriculum
from learning.curricula.sync import assignments_sync
from learning.models import LearnerProfile, Notification, RosterImport
from learning.roster.services import roster_check
from tests import factories
from tests.conftest import subprocess_database_url
from tests.learning.roster.test_claim import roster_csv
from tests.learning.test_curricula import make_curriculum
from tests.reliability.mail_server import MailServer
from tests.reliability.processes import (
    app_environment,
    celery_worker,
    redis_server,
    wait_until,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    # send_task always goes through the broker, whatever task_always_eager says.
    pytest.mark.filterwarnings("ignore:task_always_eager"),
]
# Seconds after which the broker gives a dead worker's task to another.
VISIBILITY = 6


@pytest.fixture
def broker(require_postgres, tmp_path):
    with redis_server(tmp_path) as redis:
        yield redis


@pytest.fixture
def worker_env(broker):
    def env(**overrides):
        return app_environment(
            DATABASE_URL=subprocess_database_url(),
            CELERY_BROKER_URL=broker.url(0),
            REDIS_URL=broker.url(1),
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
            **overrides,
        )

    return env


def send(broker, name: str, *args, **kwargs) -> None:
    """Enqueue a task by name on the private broker (whatever this test process's
    own Celery settings say)."""
    with Connection(broker.url(0)) as conn:
        app.send_task(name, args=args, kwargs=kwargs, connection=conn)


@contextmanager
def table_held(model):
    """Another session holds `model`'s table against writes, so that a task that
    writes to it stops there, in the middle of its work."""
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    try:
        yield
    finally:
        blocker.rollback()
        blocker.close()


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def killed_in_the_middle(worker_env, tmp_path, enqueue, *, held, stopped=None):
    """Start a worker, enqueue, wait until the task is stuck on `held` (or until
    `stopped()`), SIGKILL the worker; release; start a new worker and return it."""
    with celery_worker(worker_env(), tmp_path / "first.log") as first:
        enqueue()
        if held is not None:
            with table_held(held):
                wait_until(
                    waiting_on_a_lock,
                    timeout=60,
                    what="the task never reached the held table",
                    log=first.log,
                )
                first.kill()
        else:
            wait_until(stopped, timeout=60, what="the task never began", log=first.log)
            first.kill()
    return celery_worker(worker_env(), tmp_path / "second.log")


def finished_by(second, done, what: str) -> None:
    """The new worker finishes the work; nothing more arrives after that."""
    with second as worker:
        wait_until(done, timeout=90, what=what, log=worker.log)
        time.sleep(VISIBILITY + 2)


def section_with_curriculum(county, **fields):
    """Three people in a section and an active curriculum for it."""
    people = [factories.person_in(county.section_a1) for _ in range(3)]
    curriculum = make_curriculum(
        county.county,
        departments=[county.section_a1],
        status=Curriculum.Status.ACTIVE,
        **fields,
    )
    return people, curriculum


def test_a_roster_apply_finishes_once_after_its_worker_is_killed(
    county, broker, worker_env, tmp_path
):
    admin = factories.UserFactory(username="siteadmin", is_superuser=True)
    checked = roster_check(
        actor=admin,
        content=roster_csv([["N1", "新人甲", "CTY-A-1"], ["N2", "新人乙", "CTY-B-1"]]),
        file_name="roster.csv",
    )
    RosterImport.objects.filter(pk=checked.pk).update(status=RosterImport.Status.QUEUED)

    def applying() -> bool:
        checked.refresh_from_db()
        return checked.status == RosterImport.Status.APPLYING

    second = killed_in_the_middle(
        worker_env,
        tmp_path,
        lambda: send(broker, "learning.roster_import_apply", checked.pk),
        held=LearnerProfile,
    )
    assert applying()  # the killed worker's claim is all that is left
    assert not LearnerProfile.objects.filter(employee_number__in=["N1", "N2"])
    with second as worker:
        wait_until(
            lambda: not applying(), timeout=90, what="not applied", log=worker.log
        )
    assert checked.status == RosterImport.Status.APPLIED
    assert LearnerProfile.objects.filter(employee_number__in=["N1", "N2"]).count() == 2


def test_an_assignment_sync_finishes_once_after_its_worker_is_killed(
    county, broker, worker_env, tmp_path
):
    people, curriculum = section_with_curriculum(county)
    second = killed_in_the_middle(
        worker_env,
        tmp_path,
        lambda: send(
            broker, "learning.assignments_sync", curriculum_ids=[curriculum.pk]
        ),
        held=Assignment,
    )
    assert not Assignment.objects.exists()
    finished_by(second, lambda: Assignment.objects.count() == len(people), "not synced")
    assert sorted(Assignment.objects.values_list("profile_id", flat=True)) == sorted(
        p.pk for p in people
    )


def test_a_reminder_run_reminds_once_after_its_worker_is_killed(
    county, broker, worker_env, tmp_path
):
    people, curriculum = section_with_curriculum(county, due_days=5)
    assignments_sync(curriculum_ids=[curriculum.pk])
    assert Assignment.objects.count() == len(people)
    second = killed_in_the_middle(
        worker_env,
        tmp_path,
        lambda: send(broker, "learning.assignments_remind"),
        held=AssignmentReminder,
    )
    # The sync's "new training" notices are there; no reminder yet.
    reminders = Notification.objects.exclude(kind="assignment_assigned")
    assert not reminders.exists()
    finished_by(
        second,
        lambda: AssignmentReminder.objects.count() == len(people),
        "no reminders",
    )
    assert AssignmentReminder.objects.count() == len(people)
    assert sorted(reminders.values_list("user_id", flat=True)) == sorted(
        p.user_id for p in people
    )


def test_an_email_is_sent_once_after_its_worker_is_killed_mid_send(
    broker, worker_env, tmp_path
):
    user = factories.UserFactory(email="learner@example.org")
    notification = Notification.objects.create(
        user=user, kind="test", subject="考试提醒", body="明天考试", email_wanted=True
    )
    with MailServer() as mail:
        mail.stalled.set()
        env = {"EMAIL_URL": mail.url}
        with celery_worker(worker_env(**env), tmp_path / "first.log") as first:
            send(broker, "learning.notification_email_send", notification.pk)
            # The mail server has the message but has not accepted it.
            wait_until(
                mail.data_received.is_set,
                timeout=60,
                what="no send began",
                log=first.log,
            )
            first.kill()
        mail.stalled.clear()
        mail.released.set()
        assert not mail.accepted
        with celery_worker(worker_env(**env), tmp_path / "second.log") as second:
            wait_until(
                lambda: len(mail.accepted) == 1,
                timeout=90,
                what="the e-mail was never sent",
                log=second.log,
            )
            time.sleep(VISIBILITY + 2)
    assert len(mail.accepted) == 1
    assert mail.accepted[0]["Message-ID"].startswith(
        f"<notification-{notification.pk}@"
    )
    notification.refresh_from_db()
    assert notification.emailed_at is not None
