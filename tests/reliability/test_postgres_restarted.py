"""PostgreSQL restarted under a running site (issue #16 part 2): learners keep
reading and answering quizzes while the database stops and starts again.
Requests during the restart get the site's 503 "back in a moment" page in their
language, never a stack trace; the app (gunicorn, DEBUG off, not restarted)
serves again as soon as the database is back (CONN_HEALTH_CHECKS); and no quiz
attempt is left half-submitted. A private PostgreSQL cluster holding a copy of the
test database."""

import re
import threading
import time
from collections import Counter

import psycopg
import pytest

from assessments.models import Attempt, AttemptAnswer, QuestionOption
from learning.journey.services import course_enroll
from tests import factories
from tests.conftest import subprocess_database_url
from tests.courses.builders import course_tree
from tests.reliability.processes import (
    app_environment,
    app_server,
    passwords_as_in_production,
    postgres_cluster,
    signed_in,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
LEARNERS = {"zh-hans": "请稍候", "en": "Back in a moment"}
DOWN_SECONDS = 6


def test_a_postgres_restart_fails_requests_cleanly_and_the_site_recovers(
    require_postgres, county, tmp_path, static_root
):
    tree = course_tree()
    learners = {}
    for language in LEARNERS:
        user = factories.person_in(county.section_a1).user
        course_enroll(learner=user, course=tree.course)
        learners[language] = user.username
    passwords_as_in_production()
    quiz = tree.quiz
    questions = list(quiz.fixed_questions.values_list("question_id", flat=True))
    answers = [
        (
            q,
            QuestionOption.objects.filter(question_id=q).values_list("pk", flat=True)[
                0
            ],
        )
        for q in questions
    ]

    with postgres_cluster() as cluster:
        database = cluster.copy_of(subprocess_database_url(), "civicskills")
        env = app_environment(
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            STATIC_ROOT=static_root,
            DATABASE_URL=database,
        )
        with app_server(env, tmp_path / "app.log", server="gunicorn") as app:
            sessions = {
                language: signed_in(
                    app.url, username, factories.PASSWORD, language=language
                )
                for language, username in learners.items()
            }
            stop = threading.Event()
            seen: dict[str, Counter] = {language: Counter() for language in LEARNERS}
            refused: list[tuple[str, int, str]] = []
            submitted: dict[str, list[int]] = {language: [] for language in LEARNERS}

            def browse(language: str) -> None:
                session = sessions[language]
                attempt = 0
                step = 0
                while not stop.is_set():
                    step += 1
                    if not attempt:
                        response = session.post(
                            f"{app.url}/quizzes/{quiz.code}/start/",
                            allow_redirects=False,
                            timeout=30,
                        )
                        found = re.search(
                            r"/attempt/(\d+)/", response.headers.get("Location", "")
                        )
                        attempt = int(found.group(1)) if found else 0
                    elif step % 4 == 0:
                        response = session.post(
                            f"{app.url}/quizzes/attempt/{attempt}/submit/",
                            {"shown": questions},  # submitted unanswered
                            allow_redirects=False,
                            timeout=30,
                        )
                        if response.status_code == 302:
                            submitted[language].append(attempt)
                            attempt = 0
                    elif step % 2:
                        question, option = answers[step % len(answers)]
                        response = session.post(
                            f"{app.url}/quizzes/attempt/{attempt}/answer/",
                            json={
                                "question_id": question,
                                "response": {"option_ids": [option]},
                            },
                            timeout=30,
                        )
                    else:
                        response = session.get(app.url + tree.reading.url, timeout=30)
                    seen[language][response.status_code] += 1
                    if response.status_code not in (200, 302):
                        refused.append((language, response.status_code, response.text))
                    time.sleep(0.1)

            threads = [
                threading.Thread(target=browse, args=(language,))
                for language in LEARNERS
            ]
            for thread in threads:
                thread.start()
            try:
                time.sleep(3)
                cluster.stop("fast")
                time.sleep(DOWN_SECONDS)
                cluster.start()
                time.sleep(6)
                before = {k: sum(v.values()) for k, v in seen.items()}
                recovered = {k: Counter(v) for k, v in seen.items()}
                time.sleep(4)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)
            pid = app.process.pid
            assert app.process.poll() is None  # the same app served throughout
            log = app.log_text()

        # During the restart: only the site's 503 page, in the learner's language.
        assert refused, "no request was sent while the database was down"
        for language, status, body in refused:
            assert status == 503, (status, body[:500])
            assert LEARNERS[language] in body
            assert "Traceback" not in body and "OperationalError" not in body
        assert "database unreachable" in log  # told in the log, once a request
        # Afterwards (without restarting the app, pid unchanged): everything served.
        for language in LEARNERS:
            later = seen[language] - recovered[language]
            assert sum(later.values()) > 0 and set(later) <= {200, 302}, (
                language,
                later,
                before,
                pid,
            )
            assert submitted[language]

        # No half-written rows: an attempt is submitted with every answer graded,
        # or open with none graded.
        with psycopg.connect(database) as connection:
            attempts = connection.execute(
                f"SELECT a.id, a.status, count(x.id), count(x.score) "
                f"FROM {Attempt._meta.db_table} a LEFT JOIN "
                f"{AttemptAnswer._meta.db_table} x ON x.attempt_id = a.id "
                "GROUP BY a.id, a.status"
            ).fetchall()
    by_id = {row[0]: row[1:] for row in attempts}
    for status, answers, graded in by_id.values():
        if status == Attempt.Status.SUBMITTED:
            assert answers == graded == len(questions)
        else:
            assert graded == 0
    for ids in submitted.values():
        assert all(by_id[pk][0] == Attempt.Status.SUBMITTED for pk in ids)
