"""Hostile input to the LRS gets a clear 4xx and writes nothing (issue #15): times
that overflow once in UTC, in statements, `since`, `until` and cursors; JSON nested
deep enough to exhaust the parser or the store; a learner storing more than the
day's bytes; more statement requests a minute than a person or an address may
send."""

import base64
import json

import pytest
from django.core.cache import cache
from django.test import Client

from learning.models import XAPIStatement
from learning.xapi.services import learner_actor
from learning.xapi.statements import MAX_DEPTH
from tests.factories import UserFactory
from tests.learning.test_xapi import URL, VERSION, get, post, statement

pytestmark = pytest.mark.django_db

OVERFLOW = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("moment", OVERFLOW)
def test_a_timestamp_that_overflows_is_400(client, learner, activities, moment):
    response = post(client, [statement(), statement(timestamp=moment)])

    assert response.status_code == 400
    assert response.json()["error"].startswith("Statement 1, timestamp:")
    assert not XAPIStatement.objects.exists()


@pytest.mark.parametrize("moment", OVERFLOW)
@pytest.mark.parametrize("name", ["since", "until"])
def test_since_and_until_that_overflow_are_400(
    client, learner, activities, moment, name
):
    response = get(client, **{name: moment})

    assert response.status_code == 400
    assert name in response.json()["error"]


@pytest.mark.parametrize(
    "raw",
    [
        "9999-12-31T23:59:59-23:59|1",
        "2026-01-01T00:00:00+00:00|99999999999999999999999",
        "2026-01-01T00:00:00+00:00|0",
        "2026-01-01T00:00:00|1",
        "\udcff|1",
    ],
)
def test_a_forged_cursor_is_400(client, learner, activities, raw):
    cursor = base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode()

    response = get(client, cursor=cursor.rstrip("="))

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_400(client, learner, activities, depth):
    nested = "[" * depth + "]" * depth
    payload = json.dumps(statement(context={"extensions": {"urn:x": "HOLE"}}))
    body = payload.replace('"HOLE"', nested)

    response = post(client, body)

    assert response.status_code == 400
    assert "nest" in response.json()["error"]
    assert not XAPIStatement.objects.exists()


def test_nesting_within_the_limit_is_stored(client, learner, activities):
    # statement → context → extensions → value: three levels are the statement's.
    depth = MAX_DEPTH - 4
    value = json.loads("[" * depth + "]" * depth)

    response = post(client, statement(context={"extensions": {"urn:x": value}}))

    assert response.status_code == 200


def test_a_learner_stores_at_most_the_days_bytes(client, learner, activities, settings):
    settings.XAPI_DAILY_BYTES = 3000
    padded = statement(result={"response": "x" * 1000})  # about 1,400 bytes stored
    assert post(client, padded).status_code == 200
    assert post(client, padded).status_code == 200

    refused = post(client, [statement(), padded])

    assert refused.status_code == 429
    assert "per day" in refused.json()["error"]
    assert XAPIStatement.objects.count() == 2
    # Another learner has their own allowance.
    other = UserFactory()
    browser = Client()
    browser.force_login(other)
    assert (
        post(browser, {**padded, "actor": learner_actor(learner=other)}).status_code
        == 200
    )


def test_statement_requests_per_minute_are_limited_per_person(
    client, learner, activities, settings
):
    settings.XAPI_POSTS_PER_MINUTE = 3
    answers = [post(client, statement()).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert XAPIStatement.objects.count() == 3
    assert get(client).status_code == 200  # reading is not limited


def test_statement_requests_per_minute_are_limited_per_address(activities, settings):
    settings.XAPI_POSTS_PER_MINUTE_PER_ADDRESS = 4
    answers = []
    for _ in range(5):
        user = UserFactory()
        browser = Client(REMOTE_ADDR="203.0.113.9")
        browser.force_login(user)
        answers.append(
            browser.post(
                URL,
                json.dumps(statement(actor=learner_actor(learner=user))),
                content_type="application/json",
                **VERSION,
            ).status_code
        )

    assert answers == [200, 200, 200, 200, 429]
    assert XAPIStatement.objects.count() == 4
