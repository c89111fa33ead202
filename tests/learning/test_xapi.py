"""The xAPI statement store at /xapi/statements and the H5P results built from it.

Statements are checked against real published lessons: the course below holds the
activities a learner may record (the authorisation under test is not stubbed). A
result counts only with a launch the server issued (see tests/learning/xapi/ for the
launch rule, the LRS API and tools' credentials)."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Evidence
from courses.h5p.activities import site_activity_base, site_base_url
from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.services import h5p_package_store
from courses.models import LessonPage
from learning.journey.services import course_enroll
from learning.models import H5PResult, LessonProgress, XAPIStatement
from learning.xapi import services as xapi_services
from learning.xapi.models import Credit
from learning.xapi.services import (
    Writer,
    launches_issue,
    learner_actor,
    statements_store,
)
from learning.xapi.statements import MAX_BODY_BYTES
from tests.assessments.test_quiz_attempts import run_together
from tests.courses.builders import course_tree, publish
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/xapi/statements"
# Messages are asserted in English (the site default is Chinese).
VERSION = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3", "HTTP_ACCEPT_LANGUAGE": "en"}
BASE = site_activity_base().rstrip("/")
LESSON_KEY = uuid.UUID("11111111-1111-4111-8111-111111111111")
ADL = "http://adlnet.gov/expapi/verbs/"
USERNAME = "liwei"
# The signed-in learner as the actor (their account on the site's configured URL).
ACTOR = {
    "objectType": "Agent",
    "account": {"homePage": site_base_url(), "name": USERNAME},
}


def _iri(block: int) -> str:
    return f"{BASE}/{LESSON_KEY}/{uuid.UUID(int=block)}"


QUIZ = _iri(1)  # required, pass at 60 %
OPTIONAL = _iri(2)  # not required, pass at 80 %, evidence of T-1.1 at level 2
UNKNOWN = _iri(99)


def _h5p_block(block: int, *, package, **value) -> dict:
    return {
        "type": "h5p",
        "id": str(uuid.UUID(int=block)),
        "value": {"package": package.pk, **value},
    }


@pytest.fixture
def activities():
    """A published course whose reading lesson (translation key LESSON_KEY, both
    languages) holds the activities QUIZ and OPTIONAL; anything else is unknown."""
    tree = course_tree()
    package, _new = h5p_package_store(
        upload=ContentFile(
            civiccheck_package(
                title="材料缺一份时怎么办？",
                language="zh-hans",
                question="材料缺一份时怎么办？",
                options=["一次性告知", "回去补齐再来"],
                correct=0,
            ),
            name="check.h5p",
        )
    )
    LessonPage.objects.filter(translation_key=tree.reading.translation_key).update(
        translation_key=LESSON_KEY
    )
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        _h5p_block(1, package=package, required=True, pass_percent=60),
        _h5p_block(
            2,
            package=package,
            required=False,
            pass_percent=80,
            competency=tree.framework.c1.code,
            level=2,
        ),
    ]
    publish(lesson)
    tree.reading = LessonPage.objects.get(pk=lesson.pk)
    return tree


@pytest.fixture
def learner(client):
    user = UserFactory(username=USERNAME, first_name="Li Wei", last_name="")
    client.force_login(user)
    return user


@pytest.fixture
def launches(learner, activities):
    """The learner enrolled, with a launch of each activity issued a minute ago (as
    rendering the lesson does: see tests/learning/xapi/test_launch.py)."""
    course_enroll(
        learner=learner,
        course=activities.course,
        now=timezone.now() - datetime.timedelta(minutes=2),
    )
    issued = launches_issue(
        learner=learner,
        activity_iris=[QUIZ, OPTIONAL],
        now=timezone.now() - datetime.timedelta(minutes=1),
    )
    return {iri: str(registration) for iri, registration in issued.items()}


def statement(verb="answered", activity=QUIZ, registration=None, **extra) -> dict:
    body = {
        "actor": ACTOR,
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": activity},
    }
    if registration:
        body["context"] = {"registration": registration}
    body.update(extra)
    return body


def scored(scaled=None, verb="answered", activity=QUIZ, score=None, **extra) -> dict:
    score = dict(score or {})
    if scaled is not None:
        score["scaled"] = scaled
    return statement(
        verb, activity, result={"score": score, "completion": True}, **extra
    )


def post(client, payload, **headers):
    data = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(
        URL, data, content_type="application/json", **{**VERSION, **headers}
    )


def get(client, **params):
    return client.get(URL, params, **VERSION)


# Posting ------------------------------------------------------------------------------


def test_url_name():
    assert reverse("learning:xapi_statements") == URL


def test_single_statement_is_stored_verbatim_with_what_the_lrs_adds(
    client, learner, activities
):
    sent = statement(id="0b8c1b1e-7a4c-4a52-9b1e-2f3c4d5e6f70")
    response = post(client, sent)

    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response["X-Experience-API-Consistent-Through"]
    assert response.json() == ["0b8c1b1e-7a4c-4a52-9b1e-2f3c4d5e6f70"]
    row = XAPIStatement.objects.get()
    assert str(row.statement_id) == "0b8c1b1e-7a4c-4a52-9b1e-2f3c4d5e6f70"
    assert row.learner == learner
    assert row.verb == ADL + "answered" and row.activity_iri == QUIZ
    assert row.body["actor"] == ACTOR  # as sent, never rewritten
    assert row.body["authority"] == learner_actor(learner=learner)
    assert row.body["verb"] == sent["verb"]
    assert row.body["stored"] == row.stored.isoformat()
    assert row.body["version"] == "1.0.0"
    assert row.body["timestamp"]  # filled in when absent


def test_list_of_statements_gets_ids_in_order(client, learner, activities):
    given = str(uuid.uuid4())
    response = post(
        client,
        [statement("attempted"), statement("interacted", id=given), statement()],
    )

    assert response.status_code == 200
    ids = response.json()
    assert len(ids) == 3 and ids[1] == given
    assert all(uuid.UUID(value) for value in ids)
    assert set(
        str(s) for s in XAPIStatement.objects.values_list("statement_id", flat=True)
    ) == set(ids)


def test_timestamp_and_registration_are_kept(client, learner, activities):
    registration = str(uuid.uuid4())
    post(
        client,
        statement(
            timestamp="2026-03-01T08:30:00Z",
            context={"registration": registration},
        ),
    )

    row = XAPIStatement.objects.get()
    assert row.timestamp == datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.UTC)
    assert str(row.registration) == registration
    assert row.body["timestamp"] == "2026-03-01T08:30:00Z"


@pytest.mark.parametrize("header", [None, "0.95", "2.0.0", "", "1.0abc", "1.1.0"])
def test_version_header_is_required(client, learner, activities, header):
    headers = {} if header is None else {"HTTP_X_EXPERIENCE_API_VERSION": header}
    response = client.post(
        URL, json.dumps(statement()), content_type="application/json", **headers
    )

    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Version" in response.json()["error"]
    assert not XAPIStatement.objects.exists()


def test_anonymous_gets_401_json(client, activities):
    response = post(client, statement())

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    assert get(client).status_code == 401


def test_csrf_token_in_header_is_accepted(activities):
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")  # the sign-in form sets the CSRF cookie
    browser.force_login(user)
    own = statement(actor=learner_actor(learner=user))

    refused = post(browser, own)
    token = browser.cookies["csrftoken"].value
    accepted = post(browser, own, HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert XAPIStatement.objects.count() == 1


@pytest.mark.parametrize("payload", ["{not json", '{"verb": NaN}', b"\xff\xfe", ""])
def test_bad_json_is_400_with_a_message(client, learner, activities, payload):
    response = post(client, payload)

    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_other_content_type_is_400(client, learner, activities):
    response = client.post(
        URL, json.dumps(statement()), content_type="text/plain", **VERSION
    )

    assert response.status_code == 400


def test_body_over_1_mb_is_413(client, learner, activities):
    padding = "x" * (MAX_BODY_BYTES + 10)
    response = post(client, statement(context={"extensions": {"urn:pad": padding}}))

    assert response.status_code == 413
    assert not XAPIStatement.objects.exists()


def test_more_than_100_statements_is_413(client, learner, activities):
    response = post(client, [statement() for _ in range(101)])

    assert response.status_code == 413
    assert not XAPIStatement.objects.exists()


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        ({"verb": None}, "verb"),
        ({"verb": {"display": {"en-US": "did"}}}, "verb.id"),
        ({"verb": {"id": "not an iri"}}, "verb.id"),
        ({"object": {"objectType": "Activity"}}, "object.id"),
        ({"object": {"objectType": "Place", "id": QUIZ}}, "object.objectType"),
        ({"id": "not-a-uuid"}, "id"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"result": {"success": "yes"}}, "result.success"),
        ({"result": {"duration": "10 minutes"}}, "result.duration"),
        ({"context": {"registration": "nope"}}, "context.registration"),
    ],
)
def test_invalid_statement_rejects_the_batch(
    client, learner, activities, broken, field
):
    bad = {**statement(), **broken}
    if broken.get("verb") is None and "verb" in broken:
        del bad["verb"]
    response = post(client, [statement(), bad])

    assert response.status_code == 400
    message = response.json()["error"]
    assert "Statement 1" in message and field in message
    assert not XAPIStatement.objects.exists()


@pytest.mark.parametrize(
    ("score", "field"),
    [
        ({"scaled": 1.5}, "result.score.scaled"),
        ({"scaled": -1.01}, "result.score.scaled"),
        ({"raw": 11, "min": 0, "max": 10}, "result.score.raw"),
        ({"raw": -1, "min": 0, "max": 10}, "result.score.raw"),
        ({"raw": 5, "min": 10, "max": 10}, "result.score.min"),
        ({"raw": 5, "min": 12, "max": 10}, "result.score.min"),
        ({"raw": "5"}, "result.score.raw"),
        ({"scaled": True}, "result.score.scaled"),
        ({"max": [10]}, "result.score.max"),
    ],
)
def test_score_out_of_bounds_is_400_and_nothing_stored(
    client, learner, activities, score, field
):
    response = post(client, [scored(0.5), statement(result={"score": score})])

    assert response.status_code == 400
    message = response.json()["error"]
    assert "Statement 1" in message and field in message
    assert not XAPIStatement.objects.exists()
    assert not H5PResult.objects.exists()


def test_raw_without_bounds_is_allowed(client, learner, activities):
    response = post(client, statement("attempted", result={"score": {"raw": 1234}}))

    assert response.status_code == 200


def test_unknown_activity_is_stored_and_counts_for_nothing(client, learner, launches):
    response = post(
        client, [scored(1.0, activity=UNKNOWN, registration=launches[QUIZ])]
    )

    assert response.status_code == 200
    assert XAPIStatement.objects.get().credit == Credit.UNKNOWN_ACTIVITY
    assert not H5PResult.objects.exists()


# Idempotency --------------------------------------------------------------------------


def test_same_id_twice_is_stored_once(client, learner, launches):
    sent = scored(0.9, id=str(uuid.uuid4()), registration=launches[QUIZ])

    first = post(client, sent)
    second = post(client, sent)

    assert first.status_code == second.status_code == 200
    assert second.json() == [sent["id"]]
    assert XAPIStatement.objects.count() == 1
    # A replay is not a second attempt.
    assert H5PResult.objects.get().attempts == 1


def test_same_id_twice_in_one_batch_is_400(client, learner, activities):
    statement_id = str(uuid.uuid4())
    same = scored(0.5, id=statement_id)
    for batch in ([same, same], [same, scored(0.9, id=statement_id)]):
        response = post(client, batch)

        assert response.status_code == 400
        assert "Statement 1" in response.json()["error"]
    assert not XAPIStatement.objects.exists()


def test_same_id_other_body_is_409_and_nothing_from_the_batch(
    client, learner, activities
):
    statement_id = str(uuid.uuid4())
    post(client, scored(0.5, id=statement_id))

    response = post(client, [statement("attempted"), scored(0.9, id=statement_id)])

    assert response.status_code == 409
    assert "Statement 1" in response.json()["error"]
    assert XAPIStatement.objects.count() == 1
    assert XAPIStatement.objects.get().score_scaled == Decimal("0.5")


def test_another_users_id_is_409(client, learner, activities):
    statement_id = str(uuid.uuid4())
    someone = UserFactory()
    other = Client()
    other.force_login(someone)
    theirs = statement(id=statement_id, actor=learner_actor(learner=someone))
    assert post(other, theirs).status_code == 200

    response = post(client, [statement(), statement(id=statement_id)])

    assert response.status_code == 409
    assert XAPIStatement.objects.count() == 1
    assert not XAPIStatement.objects.filter(learner=learner).exists()


# Query budget -------------------------------------------------------------------------

# Session and user; the replay look-up, the day's quota; the activities, their
# courses and competencies, the enrollments; the store (in a savepoint: a parallel
# request may store the same id first; SQLite splits the insert in two), the launches
# used and the results; then the lesson's journey for the required activity finished
# in the batch. It does not grow with the batch.
QUERY_BUDGET = 31


def test_batch_of_50_runs_a_bounded_number_of_queries(client, learner, launches):
    assert post(client, statement("attempted")).status_code == 200  # warm-up
    batch = [
        statement("attempted")
        if n % 5
        else scored(
            n / 100,
            activity=[QUIZ, OPTIONAL][n % 2],
            registration=launches[[QUIZ, OPTIONAL][n % 2]],
        )
        for n in range(50)
    ]

    with CaptureQueriesContext(connection) as queries:
        response = post(client, batch)

    assert response.status_code == 200
    assert XAPIStatement.objects.count() == 51
    assert H5PResult.objects.get(activity_iri=QUIZ).attempts == 5
    print(f"POST of 50 statements: {len(queries)} queries")
    assert len(queries) <= QUERY_BUDGET, "\n".join(q["sql"][:150] for q in queries)


# Reading ------------------------------------------------------------------------------


def _store_as(user, statements):
    """Store directly through the service, as `user`'s own statements."""
    own = [{**s, "actor": learner_actor(learner=user)} for s in statements]
    return statements_store(writer=Writer(learner=user), payload=own)


def test_get_returns_only_own_statements_newest_first(client, learner, activities):
    _store_as(UserFactory(), [statement()])
    first = _store_as(learner, [statement("attempted")])
    second = _store_as(learner, [statement()])

    response = get(client)

    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == "1.0.3"
    data = response.json()
    assert [s["id"] for s in data["statements"]] == second + first
    assert data["more"] == ""


def test_get_filters(client, learner, activities):
    old = _store_as(learner, [statement("attempted"), scored(0.5)])
    XAPIStatement.objects.update(stored=timezone.now() - datetime.timedelta(hours=2))
    new = _store_as(learner, [statement("attempted", activity=OPTIONAL)])
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

    def ids(**params):
        return [s["id"] for s in get(client, **params).json()["statements"]]

    assert ids(verb=ADL + "attempted") == new + old[:1]
    assert ids(activity=QUIZ) == [old[1], old[0]]
    assert ids(activity=OPTIONAL, verb=ADL + "answered") == []
    assert ids(since=since) == new
    assert ids(limit=1) == new
    assert len(ids(limit=500)) == 3
    assert get(client, since="soon").status_code == 400
    assert get(client, limit="many").status_code == 400
    assert get(client, cursor="!!").status_code == 400


def test_paging_visits_every_statement_once(client, learner, activities):
    stored = _store_as(learner, [statement("attempted") for _ in range(7)])
    stored += _store_as(learner, [statement("interacted") for _ in range(4)])
    _store_as(learner, [statement(activity=OPTIONAL)])
    seen = []

    response = get(client, limit=3, activity=QUIZ)
    while True:
        data = response.json()
        assert len(data["statements"]) <= 3
        seen += [s["id"] for s in data["statements"]]
        if not data["more"]:
            break
        assert data["more"].startswith(URL + "?")
        response = client.get(data["more"], **VERSION)

    assert sorted(seen) == sorted(stored)
    assert len(seen) == len(set(seen)) == 11


def test_statement_id_lookup(client, learner, activities):
    (own,) = _store_as(learner, [statement()])
    (theirs,) = _store_as(UserFactory(), [statement()])

    found = get(client, statementId=own)

    assert found.status_code == 200 and found.json()["id"] == own
    assert get(client, statementId=theirs).status_code == 404
    assert get(client, statementId="nonsense").status_code == 404


# Results ------------------------------------------------------------------------------


def test_only_top_level_final_statements_count(client, learner, launches):
    registration = launches[QUIZ]
    parent = {
        "registration": registration,
        "contextActivities": {"parent": [{"id": QUIZ}]},
    }
    response = post(
        client,
        [
            statement("attempted", registration=registration),
            statement(
                "interacted",
                result={"score": {"scaled": 1}},
                registration=registration,
            ),
            # A question inside the activity reports with the activity as parent.
            statement("answered", result={"score": {"scaled": 1}}, context=parent),
        ],
    )
    assert response.status_code == 200
    assert not H5PResult.objects.exists()
    assert not XAPIStatement.objects.filter(is_final=True).exists()

    post(client, statement("completed", registration=registration))

    result = H5PResult.objects.get()
    assert result.activity_iri == QUIZ and result.attempts == 1
    assert XAPIStatement.objects.filter(credit=Credit.COUNTED).count() == 1


def test_questions_inside_an_activity_are_stored_but_are_not_its_result(
    client, learner, launches
):
    # What the H5P player sends for a question inside the activity.
    question = QUIZ + "?subContentId=5f1c2a9e-0c1d-4e2f-9a3b-4c5d6e7f8091"
    parent = {
        "registration": launches[QUIZ],
        "contextActivities": {"parent": [{"id": QUIZ}]},
    }
    response = post(
        client,
        [
            statement(
                "answered",
                activity=question,
                result={"score": {"scaled": 1}},
                registration=launches[QUIZ],
            ),
            statement(
                "answered",
                activity=question,
                result={"score": {"scaled": 1}},
                context=parent,
            ),
        ],
    )

    assert response.status_code == 200
    assert XAPIStatement.objects.filter(activity_iri=question).count() == 2
    assert not H5PResult.objects.exists()
    assert not XAPIStatement.objects.filter(credit=Credit.COUNTED).exists()


def test_statements_about_a_withdrawn_lesson_count_for_nothing(
    client, learner, launches, activities
):
    activities.reading.unpublish()
    activities.reading_en.unpublish()

    response = post(client, scored(1.0, registration=launches[QUIZ]))

    assert response.status_code == 200
    assert XAPIStatement.objects.get().credit == Credit.UNKNOWN_ACTIVITY
    assert not H5PResult.objects.exists()


def test_best_and_last_scores(client, learner, launches):
    registration = launches[QUIZ]
    post(
        client,
        [
            scored(0.4, timestamp="2026-03-01T08:00:00Z", registration=registration),
            # Sent first, happened last: results follow the timestamps.
            scored(
                score={"raw": 3, "max": 10},
                timestamp="2026-03-01T10:00:00Z",
                registration=registration,
            ),
            scored(0.9, timestamp="2026-03-01T09:00:00Z", registration=registration),
        ][::-1],
    )

    result = H5PResult.objects.get(learner=learner)
    assert result.attempts == 3
    assert result.best_scaled == Decimal("0.9")
    assert result.last_scaled == Decimal("0.3")
    assert result.lesson_key == LESSON_KEY
    assert result.block_id == str(uuid.UUID(int=1))
    assert result.completed_at is not None and result.passed_at is not None


def test_pass_at_threshold_writes_evidence_once(client, learner, launches, activities):
    registration = launches[OPTIONAL]
    post(client, scored(0.79, activity=OPTIONAL, registration=registration))
    result = H5PResult.objects.get()
    assert result.completed_at is not None and result.passed_at is None
    assert not Evidence.objects.filter(kind="h5p").exists()

    post(
        client,
        scored(
            score={"raw": 8, "min": 0, "max": 10},
            activity=OPTIONAL,
            registration=registration,
        ),
    )
    post(client, scored(1, activity=OPTIONAL, registration=registration))

    result.refresh_from_db()
    assert result.passed_at is not None and result.attempts == 3
    evidence = Evidence.objects.get(kind="h5p")
    assert evidence.learner == learner
    assert evidence.competency == activities.framework.c1 and evidence.level == 2
    assert evidence.source_type == "h5p"
    # Not a required activity: the lesson is not completed by it.
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_success_counts_when_there_is_no_score(client, learner, launches):
    registration = launches[OPTIONAL]
    post(
        client,
        statement(
            "completed",
            activity=OPTIONAL,
            result={"success": False},
            registration=registration,
        ),
    )
    assert H5PResult.objects.get().passed_at is None

    post(
        client,
        statement(
            "passed",
            activity=OPTIONAL,
            result={"success": True},
            registration=registration,
        ),
    )
    assert H5PResult.objects.get().passed_at is not None


def _lesson_done(learner) -> bool:
    return LessonProgress.objects.filter(
        enrollment__learner=learner,
        lesson_key=LESSON_KEY,
        completed_at__isnull=False,
    ).exists()


def test_passing_the_required_activity_completes_the_lesson(client, learner, launches):
    registration = launches[QUIZ]
    post(client, statement("attempted", registration=registration))
    post(client, scored(0.2, registration=registration))  # finished, not passed
    assert not _lesson_done(learner)

    post(client, scored(0.7, registration=registration))  # passed

    row = LessonProgress.objects.get(enrollment__learner=learner, lesson_key=LESSON_KEY)
    assert row.completed_at is not None
    assert row.completed_via == LessonProgress.Via.ACTIVITIES
    post(client, scored(0.8, registration=registration))  # nothing new
    assert LessonProgress.objects.get(pk=row.pk).completed_at == row.completed_at


def test_a_result_of_a_learner_not_enrolled_counts_for_nothing(
    client, learner, activities
):
    assert post(client, scored(0.9)).status_code == 200

    assert XAPIStatement.objects.get().credit == Credit.NO_REGISTRATION
    assert not H5PResult.objects.exists()
    assert not LessonProgress.objects.exists()


def test_failure_in_results_stores_nothing(client, learner, launches, monkeypatch):
    # A fault injected after the statements were written: the request is one
    # transaction, so nothing of it stays.
    def broken(**kwargs):
        raise RuntimeError("journey down")

    monkeypatch.setattr(xapi_services, "lesson_activity_done", broken)

    with pytest.raises(RuntimeError):
        post(
            client,
            [statement("attempted"), scored(0.9, registration=launches[QUIZ])],
        )

    assert not XAPIStatement.objects.exists()
    assert not H5PResult.objects.exists()


# Real races (PostgreSQL) --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_posts_of_one_new_statement_store_it_once(
    require_postgres, activities
):
    """Eight requests with the same new statement id at the same moment: one stores
    it, the others are replays of it — no IntegrityError (it was a 500)."""
    learner = UserFactory()
    course_enroll(
        learner=learner,
        course=activities.course,
        now=timezone.now() - datetime.timedelta(minutes=2),
    )
    launch = launches_issue(
        learner=learner,
        activity_iris=[QUIZ],
        now=timezone.now() - datetime.timedelta(minutes=1),
    )[QUIZ]
    statement_id = str(uuid.uuid4())
    body = scored(0.9, registration=str(launch)) | {
        "id": statement_id,
        "actor": learner_actor(learner=learner),
    }

    def store():
        return statements_store(writer=Writer(learner=learner), payload=body)

    results = run_together(8, store)
    assert results == [[statement_id]] * 8
    assert XAPIStatement.objects.filter(statement_id=statement_id).count() == 1
    assert H5PResult.objects.get(learner=learner).attempts == 1
