"""The embedded default (SQLite, `make run`'s threaded server) holds a classroom
(issue #16 part 1): twenty learners' browsers beat, save H5P state, autosave and
submit quizzes and post statements while an editor publishes the lesson, for 30 s,
over real HTTP. Before WAL and IMMEDIATE transactions this gave "database is
locked" 500s within seconds; now no request may fail and every write must be in the
database afterwards."""

import json
import logging
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from assessments.models import Attempt, AttemptAnswer
from learning.models import H5PActivityState, LessonProgress, XAPIStatement
from tests.reliability.processes import (
    ROOT,
    app_environment,
    app_server,
    manage,
    signed_in,
)

logger = logging.getLogger(__name__)
LEARNERS = 20
SECONDS = 30
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A migrated SQLite file with the classroom in it, and the app serving it."""
    folder = tmp_path_factory.mktemp("classroom")
    env = app_environment(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        H5P_ROOT=str(folder / "h5p"),
        MEDIA_ROOT=str(folder / "media"),
        # The browsers here beat many times a second, a page twice a minute.
        LESSON_BEATS_PER_MINUTE="100000",
        LESSON_BEATS_PER_MINUTE_PER_ADDRESS="100000",
        # Twenty learners behind one address post statements faster than the
        # per-address limit allows; this test is about the database, not limits.
        XAPI_POSTS_PER_MINUTE="100000",
        XAPI_POSTS_PER_MINUTE_PER_ADDRESS="100000",
    )
    manage(env, "migrate", "--noinput")
    built = subprocess.run(
        [sys.executable, "-m", "tests.reliability.classroom", str(LEARNERS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    data = json.loads(built.stdout)
    with app_server(env, folder / "server.log") as app:
        yield app, data, folder / "db.sqlite3"


@dataclass
class Learner:
    """What one learner's browser did, and what it was told was saved."""

    username: str
    actor: dict
    registration: str
    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    last_state: str = ""
    statements: list = field(default_factory=list)
    submitted: list = field(default_factory=list)
    open_attempt: int = 0
    open_answers: dict = field(default_factory=dict)
    beats: int = 0


def lesson_view_of(session: requests.Session, lesson_url: str) -> str:
    """Open the lesson page; the proof it carries that the server rendered it to
    this session (its beats count only with it)."""
    response = session.get(lesson_url, timeout=60)
    response.raise_for_status()
    found = re.search(r'data-lesson-view="([^"]+)"', response.text)
    assert found, response.text[:300]
    return found.group(1)


def _check(learner: Learner, kind: str, response, expected=(200,)) -> bool:
    learner.statuses[(kind, response.status_code)] += 1
    if response.status_code not in expected:
        learner.failures.append((kind, response.status_code, response.text[:300]))
        return False
    return True


def _start_attempt(session, url, data, learner: Learner) -> None:
    response = session.post(
        f"{url}/quizzes/{data['quiz']}/start/", allow_redirects=False, timeout=60
    )
    if _check(learner, "quiz start", response, (302,)):
        found = re.search(r"/attempt/(\d+)/", response.headers["Location"])
        assert found, response.headers["Location"]
        learner.open_attempt = int(found.group(1))
        learner.open_answers = {}


def learner_session(url: str, data: dict, learner: Learner, until: float) -> None:
    session = signed_in(url, learner.username, data["password"])
    lesson, questions = data["lesson"], data["questions"]
    rng = random.Random(learner.username)
    heartbeat = f"{url}/learn/lessons/{lesson}/heartbeat/"
    state_url = f"{url}/h5p/state/{data['lesson_key']}/{data['block_id']}/"
    view = lesson_view_of(session, f"{url}{data['lesson_url']}")
    _check(
        learner,
        "open",
        session.post(heartbeat, {"open": "1", "view": view}, timeout=60),
    )
    _start_attempt(session, url, data, learner)
    step = 0
    while time.monotonic() < until:
        step += 1
        action = step % 5
        if action == 0:
            if _check(
                learner,
                "heartbeat",
                session.post(heartbeat, {"seconds": "3", "view": view}, timeout=60),
            ):
                learner.beats += 1
        elif action == 1:
            state = json.dumps({"progress": step, "who": learner.username})
            if _check(
                learner,
                "h5p state",
                session.post(state_url, json={"state": state}, timeout=60),
            ):
                learner.last_state = state
        elif action == 2 and learner.open_attempt:
            question = rng.choice(questions)
            option = rng.choice(question["options"])
            if _check(
                learner,
                "autosave",
                session.post(
                    f"{url}/quizzes/attempt/{learner.open_attempt}/answer/",
                    json={
                        "question_id": question["id"],
                        "response": {"option_ids": [option]},
                    },
                    timeout=60,
                ),
            ):
                learner.open_answers[question["id"]] = option
        elif action == 3:
            statement_id = str(uuid.uuid4())
            statement = {
                "id": statement_id,
                "actor": learner.actor,
                "verb": {"id": ADL + "answered", "display": {"en-US": "answered"}},
                "object": {"objectType": "Activity", "id": data["iri"]},
                "result": {"score": {"scaled": rng.random()}, "completion": True},
                "context": {"registration": learner.registration},
            }
            if _check(
                learner,
                "statement",
                session.post(
                    f"{url}/xapi/statements",
                    json=statement,
                    headers={"X-Experience-API-Version": "1.0.3"},
                    timeout=60,
                ),
            ):
                learner.statements.append(statement_id)
        elif action == 4 and step % 15 == 4 and learner.open_attempt:
            # Submit with what the page shows, then start the next attempt.
            form = {
                f"q-{qid}": str(option) for qid, option in learner.open_answers.items()
            }
            response = session.post(
                f"{url}/quizzes/attempt/{learner.open_attempt}/submit/",
                data=form,
                allow_redirects=False,
                timeout=60,
            )
            if _check(learner, "submit", response, (302,)):
                learner.submitted.append(learner.open_attempt)
                _start_attempt(session, url, data, learner)


def editor_session(url: str, data: dict, outcome: dict, until: float) -> None:
    """Publishes the lesson again and again through the back office."""
    session = signed_in(url, data["editor"], data["password"])
    action = f"{url}/admin/bulk/wagtailcore/page/publish/?id={data['lesson']}"
    while time.monotonic() < until:
        response = session.post(
            action,
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=60,
        )
        outcome["statuses"][response.status_code] += 1
        if response.status_code == 302:
            outcome["published"] += 1
        else:
            outcome["failures"].append((response.status_code, response.text[:300]))
        time.sleep(0.5)


def test_twenty_learners_and_an_editor_on_sqlite_lose_nothing(classroom):
    app, data, database = classroom
    learners = [
        Learner(p["username"], p["actor"], p["registration"]) for p in data["learners"]
    ]
    editor = {"statuses": Counter(), "published": 0, "failures": []}
    until = time.monotonic() + SECONDS
    errors: list[BaseException] = []

    def run(target, *args):
        try:
            target(*args)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(learner_session, app.url, data, one, until))
        for one in learners
    ]
    threads.append(
        threading.Thread(
            target=run, args=(editor_session, app.url, data, editor, until)
        )
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 240)
    assert not errors, errors
    failures = [(one.username, f) for one in learners for f in one.failures]
    assert not failures, failures[:10]
    assert not editor["failures"], editor["failures"][:3]
    assert editor["published"] >= 3
    assert "database is locked" not in app.log_text()
    logger.info(
        "%s requests: %s; editor published %s times",
        sum(sum(one.statuses.values()) for one in learners),
        sum((one.statuses for one in learners), Counter()),
        editor["published"],
    )

    # Every write the browsers were told about is in the database.
    users = dict(
        _rows(
            database,
            "SELECT username, id FROM auth_user WHERE username LIKE 'learner%'",
        )
    )
    for one in learners:
        user_id = users[one.username]
        assert one.beats and one.last_state and one.statements and one.submitted
        assert _rows(
            database,
            f"SELECT state FROM {H5PActivityState._meta.db_table} WHERE learner_id = ?",
            user_id,
        ) == [(one.last_state,)]
        stored = _rows(
            database,
            f"SELECT COUNT(*) FROM {XAPIStatement._meta.db_table} "
            f"WHERE learner_id = ? AND statement_id IN "
            f"({', '.join('?' * len(one.statements))})",
            user_id,
            *[uuid.UUID(s).hex for s in one.statements],
        )
        assert stored == [(len(one.statements),)], one.username
        attempts = dict(
            _rows(
                database,
                f"SELECT id, status FROM {Attempt._meta.db_table} WHERE learner_id = ?",
                user_id,
            )
        )
        assert all(attempts[pk] == "submitted" for pk in one.submitted)
        if one.open_attempt and one.open_attempt not in one.submitted:
            saved = dict(
                _rows(
                    database,
                    f"SELECT question_id, response FROM "
                    f"{AttemptAnswer._meta.db_table} WHERE attempt_id = ?",
                    one.open_attempt,
                )
            )
            assert {
                qid: json.loads(response)["option_ids"]
                for qid, response in saved.items()
            } == {qid: [option] for qid, option in one.open_answers.items()}
        (seconds,) = _rows(
            database,
            f"SELECT p.active_seconds FROM {LessonProgress._meta.db_table} p "
            "JOIN learning_enrollment e ON e.id = p.enrollment_id "
            "WHERE e.learner_id = ? AND p.lesson_key = ?",
            user_id,
            uuid.UUID(data["lesson_key"]).hex,
        )
        assert 0 < seconds[0] <= SECONDS + 60


def _rows(database, sql: str, *params):
    with sqlite3.connect(database) as connection:
        return connection.execute(sql, params).fetchall()
