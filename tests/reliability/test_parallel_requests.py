"""The same first write sent by several browsers (or a player's retries) at the same
moment, over real HTTP to a live server on PostgreSQL (issue #16 part 1): each is
created once and every request gets the answer a second request gets — no 500 from
a unique constraint (a statement id posted in parallel gave seven)."""

import datetime
import threading
import uuid

import pytest
import requests
from django.utils import timezone

from assessments.models import Attempt
from courses.h5p.activities import activity_iri
from learning.models import (
    Enrollment,
    H5PActivityState,
    LessonProgress,
    XAPIStatement,
)
from learning.xapi.services import launches_issue, learner_actor
from tests.courses.builders import course_tree, h5p_activity_add
from tests.factories import PASSWORD, UserFactory
from tests.reliability.processes import signed_in
from tests.reliability.test_sqlite_classroom import lesson_view_of

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
BROWSERS = 8
BLOCK_ID = "0d15ea5e-0000-4000-8000-00000000c0de"


@pytest.fixture
def lesson(require_postgres):
    tree = course_tree()
    page = h5p_activity_add(tree.reading, block_id=BLOCK_ID)
    return tree, page


def all_at_once(sessions, send) -> list[int]:
    """Each session sends its request at the same moment; their status codes."""
    barrier = threading.Barrier(len(sessions))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(session):
        try:
            barrier.wait()
            statuses.append(send(session).status_code)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


def test_first_writes_sent_in_parallel_are_made_once(live_server, lesson, settings):
    # The live server speaks plain HTTP, where a browser sends no secure cookie.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    tree, page = lesson
    learner = UserFactory(username="parallel")
    url = live_server.url
    browsers = [signed_in(url, learner.username, PASSWORD) for _ in range(BROWSERS)]

    enroll = f"{url}/learn/courses/{tree.course.pk}/enroll/"
    statuses = all_at_once(
        browsers, lambda s: s.post(enroll, allow_redirects=False, timeout=60)
    )
    assert statuses == [302] * BROWSERS
    assert Enrollment.objects.filter(learner=learner).count() == 1

    beat = f"{url}/learn/lessons/{page.pk}/heartbeat/"
    # Each browser's page carries the proof that the server rendered it.
    views = {id(s): lesson_view_of(s, f"{url}{page.url}") for s in browsers}
    statuses = all_at_once(
        browsers,
        lambda s: s.post(beat, {"open": 1, "view": views[id(s)]}, timeout=60),
    )
    assert statuses == [200] * BROWSERS
    assert LessonProgress.objects.filter(enrollment__learner=learner).count() == 1

    state = f"{url}/h5p/state/{page.translation_key}/{BLOCK_ID}/"
    statuses = all_at_once(
        browsers, lambda s: s.post(state, json={"state": '{"at": 3}'}, timeout=60)
    )
    assert statuses == [200] * BROWSERS
    assert H5PActivityState.objects.get(learner=learner).state == '{"at": 3}'

    start = f"{url}/quizzes/{tree.quiz.code}/start/"
    statuses = all_at_once(
        browsers, lambda s: s.post(start, allow_redirects=False, timeout=60)
    )
    assert statuses == [302] * BROWSERS
    assert Attempt.objects.filter(learner=learner).count() == 1

    iri = activity_iri(lesson_key=page.translation_key, block_id=BLOCK_ID)
    registration = launches_issue(
        learner=learner,
        activity_iris=[iri],
        now=timezone.now() - datetime.timedelta(minutes=1),
    )[iri]
    statement_id = str(uuid.uuid4())
    statement = {
        "id": statement_id,
        "actor": learner_actor(learner=learner),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"objectType": "Activity", "id": iri},
        "result": {"score": {"scaled": 0.9}, "completion": True},
        "context": {"registration": str(registration)},
    }

    def post(session: requests.Session):
        return session.post(
            f"{url}/xapi/statements",
            json=statement,
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=60,
        )

    assert all_at_once(browsers, post) == [200] * BROWSERS
    assert XAPIStatement.objects.filter(statement_id=statement_id).count() == 1
