"""The Statement resource as xAPI 1.0.3 describes it, through HTTP as a tool or the
player calls it: about, PUT, voiding, the query parameters and formats, and the
validation that names the offending field (Data 2.4, Communication 2.1)."""

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from learning.models import XAPIStatement
from learning.xapi.services import learner_actor
from tests.factories import UserFactory
from tests.learning.test_xapi import (
    ACTOR,
    ADL,
    QUIZ,
    URL,
    VERSION,
    get,
    post,
    statement,
)

pytestmark = pytest.mark.django_db


def put(client, statement_id, body):
    return client.put(
        f"{URL}?statementId={statement_id}",
        json.dumps(body),
        content_type="application/json",
        **VERSION,
    )


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


def void(target: str) -> dict:
    return statement("voided", object={"objectType": "StatementRef", "id": target})


# About and versions ----------------------------------------------------------------


def test_about_lists_the_versions_without_sign_in(client):
    response = client.get("/xapi/about")

    assert response.status_code == 200
    assert "1.0.3" in response.json()["version"]
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_consistent_through_is_on_every_statements_answer(client, learner, activities):
    for response in (get(client), post(client, statement()), get(client, colour="x")):
        moment = datetime.datetime.fromisoformat(
            response["X-Experience-API-Consistent-Through"]
        )
        assert abs(timezone.now() - moment) < datetime.timedelta(minutes=1)


# PUT ----------------------------------------------------------------------------------


def test_put_stores_under_the_statement_id(client, learner, activities):
    given = str(uuid.uuid4())

    response = put(client, given, statement())

    assert response.status_code == 204 and not response.content
    assert get(client, statementId=given).json()["id"] == given
    assert put(client, given, statement()).status_code == 204  # the same again
    assert put(client, given, statement("attempted")).status_code == 409
    assert XAPIStatement.objects.count() == 1


def test_put_refuses_a_missing_or_other_id(client, learner, activities):
    missing = client.put(
        URL, json.dumps(statement()), content_type="application/json", **VERSION
    )
    other = put(client, uuid.uuid4(), statement(id=str(uuid.uuid4())))
    listed = put(client, uuid.uuid4(), [statement()])

    assert (missing.status_code, other.status_code, listed.status_code) == (
        400,
        400,
        400,
    )
    assert "statementId" in missing.json()["error"]
    assert not XAPIStatement.objects.exists()


# Voiding ----------------------------------------------------------------------------


def test_a_voided_statement_is_found_only_by_voided_statement_id(
    client, learner, activities
):
    (target,) = post(client, statement()).json()
    (voiding,) = post(client, void(target)).json()

    assert get(client, statementId=target).status_code == 404
    assert get(client, voidedStatementId=target).json()["id"] == target
    assert get(client, voidedStatementId=voiding).status_code == 404
    # Hidden from queries; the voiding statement itself is listed.
    assert ids(get(client)) == [voiding]
    # A statement targeting a matching statement matches (the voiding one too).
    assert ids(get(client, activity=QUIZ)) == [voiding]


def test_a_voiding_statement_cannot_be_voided(client, learner, activities):
    (target,) = post(client, statement()).json()
    (voiding,) = post(client, void(target)).json()

    response = post(client, void(voiding))

    assert response.status_code == 400
    assert "object.id" in response.json()["error"]
    assert XAPIStatement.objects.count() == 2
    assert not XAPIStatement.objects.get(statement_id=voiding).voided


def test_a_learner_cannot_void_someone_elses_statement(client, learner, activities):
    someone = UserFactory()
    other = Client()
    other.force_login(someone)
    (theirs,) = post(other, statement(actor=learner_actor(learner=someone))).json()

    response = post(client, void(theirs))

    assert response.status_code == 403
    assert not XAPIStatement.objects.get(statement_id=theirs).voided


def test_voiding_a_statement_the_lrs_does_not_hold_is_accepted(
    client, learner, activities
):
    assert post(client, void(str(uuid.uuid4()))).status_code == 200


def test_a_voiding_statement_needs_a_statement_ref(client, learner, activities):
    response = post(client, statement("voided"))

    assert response.status_code == 400
    assert "object.objectType" in response.json()["error"]


# Queries ------------------------------------------------------------------------------


def test_registration_agent_and_related_filters(client, learner, activities):
    registration = str(uuid.uuid4())
    teacher = {"objectType": "Agent", "mbox": "mailto:teacher@example.org"}
    grouping = "http://example.org/courses/intake"
    (plain,) = post(client, statement()).json()
    (rich,) = post(
        client,
        statement(
            context={
                "registration": registration,
                "instructor": teacher,
                "contextActivities": {"grouping": [{"id": grouping}]},
            }
        ),
    ).json()
    (about_teacher,) = post(client, statement(object=teacher)).json()

    assert ids(get(client, registration=registration)) == [rich]
    assert ids(get(client, agent=json.dumps(ACTOR))) == [about_teacher, rich, plain]
    assert ids(get(client, agent=json.dumps(teacher))) == [about_teacher]
    assert ids(get(client, agent=json.dumps(teacher), related_agents="true")) == [
        about_teacher,
        rich,
    ]
    assert ids(get(client, activity=grouping)) == []
    assert ids(get(client, activity=grouping, related_activities="true")) == [rich]
    assert get(client, agent="{").status_code == 400
    assert get(client, agent=json.dumps({"name": "nobody"})).status_code == 400
    assert get(client, registration="nope").status_code == 400
    assert get(client, related_agents="yes").status_code == 400


def test_a_statement_about_a_matching_statement_matches(client, learner, activities):
    registration = str(uuid.uuid4())
    (target,) = post(client, statement(context={"registration": registration})).json()
    (reference,) = post(
        client,
        statement("attended", object={"objectType": "StatementRef", "id": target}),
    ).json()

    assert ids(get(client, registration=registration)) == [reference, target]


def test_until_ascending_and_limit_zero(client, learner, activities):
    first = post(client, statement()).json()
    XAPIStatement.objects.update(stored=timezone.now() - datetime.timedelta(hours=2))
    second = post(client, statement()).json()
    until = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

    assert ids(get(client, until=until)) == first
    assert ids(get(client, ascending="true")) == first + second
    assert ids(get(client, limit=0)) == second + first
    assert get(client, limit=-1).status_code == 400


def test_formats(client, learner, activities):
    activity = {
        "objectType": "Activity",
        "id": QUIZ,
        "definition": {
            "name": {"en-US": "Check", "zh-Hans": "核对"},
            "description": {"en-US": "A check", "zh-Hans": "一个核对"},
        },
    }
    sent = statement(object=activity)
    sent["verb"] = {
        "id": ADL + "answered",
        "display": {"en-US": "answered", "zh-Hans": "回答"},
    }
    (given,) = post(client, sent).json()

    exact = get(client, statementId=given).json()
    only_ids = get(client, statementId=given, format="ids").json()
    canonical = client.get(
        URL,
        {"statementId": given, "format": "canonical"},
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        HTTP_ACCEPT_LANGUAGE="zh-Hans;q=0.9, en;q=0.5",
    ).json()

    assert exact["object"] == activity
    assert only_ids["object"] == {"objectType": "Activity", "id": QUIZ}
    assert only_ids["verb"] == {"id": ADL + "answered"}
    assert only_ids["actor"] == {"objectType": "Agent", "account": ACTOR["account"]}
    assert canonical["object"]["definition"]["name"] == {"zh-Hans": "核对"}
    assert canonical["verb"]["display"] == {"zh-Hans": "回答"}
    assert canonical["actor"] == exact["actor"]
    assert get(client, format="full").status_code == 400


def test_attachments_true_answers_multipart(client, learner, activities):
    (given,) = post(client, statement()).json()

    plain = get(client, statementId=given, attachments="false")
    parts = get(client, statementId=given, attachments="true")

    assert plain["Content-Type"] == "application/json"
    assert parts["Content-Type"].startswith("multipart/mixed; boundary=")
    boundary = parts["Content-Type"].split("boundary=")[1]
    body = parts.content.decode()
    assert body.startswith(f"--{boundary}\r\nContent-Type: application/json")
    assert given in body and body.rstrip().endswith(f"--{boundary}--")


@pytest.mark.parametrize(
    "params",
    [
        {"colour": "blue"},
        {"statementId": str(uuid.uuid4()), "verb": ADL + "answered"},
        {"statementId": str(uuid.uuid4()), "voidedStatementId": str(uuid.uuid4())},
        {"since": "2026-01-01T00:00:00-00:00"},
    ],
)
def test_bad_query_parameters_are_400(client, learner, activities, params):
    response = get(client, **params)

    assert response.status_code == 400
    assert response.json()["error"]


# Validation with the field's path -----------------------------------------------------

MBOX = {"mbox": "mailto:a@example.org"}
AGENT = {"objectType": "Agent", **MBOX}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"actor": None}, "actor"),
        ({"actor": {"name": "no identifier"}}, "actor"),
        ({"actor": {**MBOX, "openid": "http://id.example.org/a"}}, "actor"),
        ({"actor": {"mbox": "a@example.org"}}, "actor.mbox"),
        ({"actor": {"mbox_sha1sum": "abc"}}, "actor.mbox_sha1sum"),
        ({"actor": {"account": {"homePage": "http://x.org"}}}, "actor.account.name"),
        ({"actor": {"objectType": "Group"}}, "actor.member"),
        (
            {
                "actor": {
                    "objectType": "Group",
                    "member": [{"objectType": "Group", **MBOX}],
                }
            },
            "actor.member[0].objectType",
        ),
        ({"verb": {"id": ADL + "answered", "display": "answered"}}, "verb.display"),
        (
            {"verb": {"id": ADL + "answered", "display": {"en US": "x"}}},
            "verb.display.en US",
        ),
        ({"verb": {"id": "answered"}}, "verb.id"),
        ({"colour": "blue"}, "colour"),
        ({"version": "2.0.0"}, "version"),
        ({"version": 1.0}, "version"),
        (
            {"object": {"id": QUIZ, "definition": {"name": "x"}}},
            "object.definition.name",
        ),
        (
            {"object": {"id": QUIZ, "definition": {"type": "kind"}}},
            "object.definition.type",
        ),
        (
            {"object": {"id": QUIZ, "definition": {"interactionType": "essay"}}},
            "object.definition.interactionType",
        ),
        ({"object": {"objectType": "StatementRef", "id": "x"}}, "object.id"),
        ({"object": {"objectType": "Agent", "name": "x"}}, "object"),
        (
            {"object": {"objectType": "SubStatement", "actor": MBOX}},
            "object.verb",
        ),
        (
            {
                "object": {
                    "objectType": "SubStatement",
                    "id": str(uuid.uuid4()),
                    "actor": MBOX,
                    "verb": {"id": ADL + "answered"},
                    "object": {"id": QUIZ},
                }
            },
            "object.id",
        ),
        (
            {
                "object": {
                    "objectType": "SubStatement",
                    "actor": MBOX,
                    "verb": {"id": ADL + "answered"},
                    "object": {
                        "objectType": "SubStatement",
                        "actor": MBOX,
                        "verb": {"id": ADL + "answered"},
                        "object": {"id": QUIZ},
                    },
                }
            },
            "object.object.objectType",
        ),
        ({"object": AGENT, "context": {"platform": "web"}}, "context.platform"),
        ({"context": {"team": MBOX}}, "context.team.objectType"),
        ({"context": {"language": "english!"}}, "context.language"),
        (
            {"context": {"contextActivities": {"sibling": []}}},
            "context.contextActivities.sibling",
        ),
        ({"context": {"extensions": {"not iri": 1}}}, "context.extensions.not iri"),
        ({"result": {"score": {"scaled": 0.5, "grade": "A"}}}, "result.score.grade"),
        ({"timestamp": "2026-01-01"}, "timestamp"),
        ({"timestamp": "2026-01-01T08:00:00"}, "timestamp"),
        ({"timestamp": "2026-01-01T08:00:00-00:00"}, "timestamp"),
        ({"attachments": [{"usageType": "http://x.org/u"}]}, "attachments[0].display"),
    ],
)
def test_invalid_statements_name_the_field(client, learner, activities, change, path):
    bad = {**statement(), **change}
    if change.get("actor", ACTOR) is None:
        del bad["actor"]

    response = post(client, bad)

    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith(f"Statement 0, {path}:"), message
    assert not XAPIStatement.objects.exists()


def test_statements_the_specification_allows_are_stored(client, learner, activities):
    group = {"objectType": "Group", "name": "Window staff", "member": [ACTOR, MBOX]}
    sub = {
        "objectType": "SubStatement",
        "actor": MBOX,
        "verb": {"id": ADL + "experienced"},
        "object": {
            "id": QUIZ,
            "definition": {
                "interactionType": "choice",
                "choices": [{"id": "a", "description": {"en-US": "A"}}],
            },
        },
        "context": {"platform": "web"},
    }
    allowed = [
        statement(object=AGENT),
        statement(object={"objectType": "Group", "openid": "http://id.example.org/g"}),
        statement(object={"objectType": "StatementRef", "id": str(uuid.uuid4())}),
        statement(object=sub),
        statement(
            context={
                "instructor": MBOX,
                "team": {"objectType": "Group", "member": [MBOX]},
                "contextActivities": {"parent": {"id": QUIZ}, "other": [{"id": QUIZ}]},
                "revision": "2",
                "platform": "H5P",
                "language": "zh-Hans-CN",
                "statement": {"objectType": "StatementRef", "id": str(uuid.uuid4())},
                "extensions": {"http://h5p.org/x-api/h5p-local-content-id": 1},
            },
            result={
                "response": "a",
                "duration": "PT3.2S",
                "extensions": {"urn:x:y": [1]},
            },
            version="1.0.3",
            attachments=[
                {
                    "usageType": "http://adlnet.gov/expapi/attachments/signature",
                    "display": {"en-US": "Signature"},
                    "contentType": "application/pdf",
                    "length": 10,
                    "sha2": "abc",
                    "fileUrl": "http://example.org/file.pdf",
                }
            ],
        ),
    ]

    response = post(client, allowed)

    assert response.status_code == 200, response.content
    assert XAPIStatement.objects.count() == len(allowed)
    # A group the learner belongs to is not the learner: only their own actor posts.
    assert post(client, statement(actor=group)).status_code == 403
