"""Redis (the cache and the broker) stopped for 60 s under a running site (issue #16
part 2): pages keep serving, signed-in people stay signed in (sessions are in the
database), HR's "remind now" succeeds while its e-mail cannot be enqueued, and once
Redis is back the e-mails go out, each once. A private Redis, gunicorn with
DEBUG off, a Celery worker with its beat, a small mail server; the test database
on PostgreSQL."""

import time
from collections import Counter

import pytest
from django.urls import reverse

from learning.curricula.models import Assignment, Curriculum
from learning.curricula.sync import assignments_sync
from learning.models import Notification, OutboxTask, RoleScope
from tests import factories
from tests.conftest import subprocess_database_url
from tests.courses.builders import course_tree
from tests.learning.test_curricula import make_curriculum
from tests.reliability.mail_server import MailServer
from tests.reliability.processes import (
    app_environment,
    app_server,
    celery_worker,
    passwords_as_in_production,
    redis_server,
    signed_in,
    wait_until,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
OUTAGE_SECONDS = 60


def test_the_site_serves_and_loses_no_task_while_redis_is_stopped(
    require_postgres, county, tmp_path, static_root
):
    tree = course_tree()
    hr = factories.scoped_user(RoleScope.Role.HR, county.section_a1)
    learners = [factories.person_in(county.section_a1) for _ in range(2)]
    curriculum = make_curriculum(
        county.county, departments=[county.section_a1], status=Curriculum.Status.ACTIVE
    )
    assignments_sync(curriculum_ids=[curriculum.pk])
    passwords_as_in_production()
    assignments = {
        a.profile_id: a.pk for a in Assignment.objects.filter(curriculum=curriculum)
    }
    with redis_server(tmp_path) as redis, MailServer() as mail:
        env = app_environment(
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            STATIC_ROOT=static_root,
            DATABASE_URL=subprocess_database_url(),
            REDIS_URL=redis.url(1),
            CELERY_BROKER_URL=redis.url(0),
            EMAIL_URL=mail.url,
            OUTBOX_RELAY_SECONDS="3",
        )
        worker_log = tmp_path / "worker.log"
        with (
            app_server(env, tmp_path / "app.log", server="gunicorn") as app,
            celery_worker(env, worker_log, beat=True),
        ):
            learner = signed_in(app.url, learners[0].user.username, factories.PASSWORD)
            office = signed_in(app.url, hr.user.username, factories.PASSWORD)
            pages = ["/", tree.course.url, reverse("learning:me")]
            assert all(learner.get(app.url + p, timeout=30).ok for p in pages)

            redis.stop()
            statuses: Counter = Counter()
            reminded = []
            until = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < until:
                for page in pages:
                    response = learner.get(app.url + page, timeout=30)
                    statuses[response.status_code] += 1
                    assert response.status_code == 200, (page, response.text[:500])
                    assert "/accounts/login/" not in response.url  # still signed in
                if len(reminded) < len(learners):
                    person = learners[len(reminded)]
                    response = office.post(
                        app.url + reverse("compliance:remind"),
                        {"assignment": assignments[person.pk]},
                        allow_redirects=False,
                        timeout=30,
                    )
                    assert response.status_code == 302, response.text[:500]
                    reminded.append(person)
                time.sleep(1)
            # The reminders are written; their e-mails wait for the broker.
            waiting = OutboxTask.objects.filter(sent_at__isnull=True)
            assert waiting.count() == len(learners)
            assert not mail.accepted

            redis.start()
            wait_until(
                lambda: len(mail.accepted) == len(learners),
                timeout=120,
                what="the e-mails did not go out after Redis came back",
                log=worker_log,
            )
            time.sleep(5)  # and no second copy follows
        assert sum(statuses.values()) >= OUTAGE_SECONDS  # pages were asked for
        assert "Internal Server Error" not in app.log_text()
    assert len(mail.accepted) == len(learners)
    assert sorted(m["To"] for m in mail.accepted) == sorted(
        p.user.email for p in learners
    )
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == len(
        learners
    )
