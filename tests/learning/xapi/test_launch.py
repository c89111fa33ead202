"""No evidence without a real attempt: a result counts only for an enrolled learner
whose statement carries a launch registration the server issued when it rendered
that activity to that learner, at a plausible time. Everything else is stored and
flagged with the reason, and changes no result, evidence or progress.

The attack of issue #13 is replayed as it happened: an HR officer who never
enrolled posts one hand-made "passed" statement for an activity with evidence."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from assessments.models import CompetencyLevel, Evidence
from learning.journey.models import Enrollment
from learning.journey.services import course_enroll
from learning.models import H5PResult, LessonProgress, XAPIStatement
from learning.xapi.models import Credit, LaunchRegistration
from learning.xapi.services import (
    Writer,
    launches_issue,
    learner_actor,
    statements_store,
)
from tests.factories import UserFactory
from tests.learning.test_xapi import (
    ACTOR,
    OPTIONAL,
    QUIZ,
    post,
    scored,
    statement,
)

pytestmark = pytest.mark.django_db


def _nothing_counted(user) -> None:
    assert not H5PResult.objects.filter(learner=user).exists()
    assert not Evidence.objects.filter(learner=user).exists()
    assert not CompetencyLevel.objects.filter(learner=user).exists()
    assert not LessonProgress.objects.filter(enrollment__learner=user).exists()


def test_a_hand_made_passed_statement_gives_no_evidence(client, activities):
    hr = UserFactory(username="hr-officer")
    client.force_login(hr)
    forged = statement(
        "passed",
        activity=OPTIONAL,  # the activity that gives evidence at level 2
        actor=learner_actor(learner=hr),
        result={"score": {"scaled": 1.0}, "success": True, "completion": True},
    )

    response = post(client, forged)

    assert response.status_code == 200  # stored: it is a learning record
    assert XAPIStatement.objects.get().credit == Credit.NO_REGISTRATION
    _nothing_counted(hr)


def test_a_made_up_registration_counts_for_nothing(client, learner, launches):
    made_up = str(uuid.uuid4())
    # Even one shaped like the server's (the issue time in its first bits).
    shaped = uuid.UUID(
        int=(int(timezone.now().timestamp()) - 60) << 96 | 12345, version=4
    )
    for registration in (made_up, str(shaped)):
        post(client, scored(1.0, activity=OPTIONAL, registration=registration))

    assert set(XAPIStatement.objects.values_list("credit", flat=True)) == {
        Credit.BAD_REGISTRATION
    }
    _nothing_counted(learner)


def test_another_learners_launch_counts_for_nothing(client, learner, launches):
    other = UserFactory()
    course_enroll(learner=other, course=learner_course(launches))
    theirs = launches_issue(
        learner=other,
        activity_iris=[OPTIONAL],
        now=timezone.now() - datetime.timedelta(minutes=1),
    )[OPTIONAL]

    post(client, scored(1.0, activity=OPTIONAL, registration=str(theirs)))

    assert XAPIStatement.objects.get().credit == Credit.BAD_REGISTRATION
    _nothing_counted(learner)


def learner_course(launches):
    return Enrollment.objects.first().course


def test_a_launch_of_another_activity_counts_for_nothing(client, learner, launches):
    post(client, scored(1.0, activity=OPTIONAL, registration=launches[QUIZ]))

    assert XAPIStatement.objects.get().credit == Credit.BAD_REGISTRATION
    assert not Evidence.objects.filter(learner=learner).exists()


def _store(learner, body, *, now):
    return statements_store(
        writer=Writer(learner=learner), payload={**body, "actor": ACTOR}, now=now
    )


def test_a_pass_sooner_than_the_minimum_counts_for_nothing(
    learner, activities, settings
):
    settings.XAPI_MIN_ATTEMPT_SECONDS = 20
    issued = timezone.now().replace(microsecond=0)
    course_enroll(learner=learner, course=activities.course, now=issued)
    registration = str(
        launches_issue(learner=learner, activity_iris=[OPTIONAL], now=issued)[OPTIONAL]
    )
    answer = scored(1.0, activity=OPTIONAL, registration=registration)

    _store(learner, answer, now=issued + datetime.timedelta(seconds=19))
    assert XAPIStatement.objects.get().credit == Credit.TOO_FAST
    _nothing_counted(learner)

    _store(
        learner,
        answer | {"id": str(uuid.uuid4())},
        now=issued + datetime.timedelta(seconds=21),
    )
    assert Evidence.objects.filter(learner=learner, kind="h5p").count() == 1
    launch = LaunchRegistration.objects.get()
    assert (str(launch.registration), launch.learner, launch.activity_iri) == (
        registration,
        learner,
        OPTIONAL,
    )
    assert launch.issued_at == issued
    assert launch.enrollment.learner == learner


def test_an_old_launch_counts_for_nothing(learner, activities, settings):
    settings.XAPI_LAUNCH_VALID_HOURS = 2
    issued = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    course_enroll(learner=learner, course=activities.course, now=issued)
    registration = str(
        launches_issue(learner=learner, activity_iris=[QUIZ], now=issued)[QUIZ]
    )

    _store(learner, scored(1.0, registration=registration), now=timezone.now())

    assert XAPIStatement.objects.get().credit == Credit.EXPIRED
    _nothing_counted(learner)


def test_a_launch_from_before_enrolling_counts_for_nothing(learner, activities):
    issued = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    registration = str(
        launches_issue(learner=learner, activity_iris=[QUIZ], now=issued)[QUIZ]
    )
    course_enroll(learner=learner, course=activities.course)

    _store(learner, scored(1.0, registration=registration), now=timezone.now())

    assert XAPIStatement.objects.get().credit == Credit.NOT_ENROLLED
    assert not H5PResult.objects.exists()


def test_the_lesson_page_issues_launches_to_the_enrolled_only_and_writes_nothing(
    client, learner, activities
):
    def registrations():
        page = client.get(activities.reading.url).content.decode()
        return re.findall(r'data-h5p-registration="([^"]*)"', page)

    assert registrations() == ["", ""]  # not enrolled: nothing to count

    course_enroll(learner=learner, course=activities.course)
    before = (LaunchRegistration.objects.count(), XAPIStatement.objects.count())
    issued = registrations()

    assert len(issued) == 2 and all(uuid.UUID(value) for value in issued)
    assert (LaunchRegistration.objects.count(), XAPIStatement.objects.count()) == before
    config = client.get(activities.reading.url).context["h5p_config"]
    assert config["actor"] == learner_actor(learner=learner)


def test_the_player_flow_counts_once_the_minimum_has_passed(
    client, learner, activities, settings
):
    """The page hands out the launch; the player sends it with the learner's actor."""
    settings.XAPI_MIN_ATTEMPT_SECONDS = 0
    course_enroll(
        learner=learner,
        course=activities.course,
        now=timezone.now() - datetime.timedelta(seconds=5),
    )
    response = client.get(activities.reading.url)
    page = response.content.decode()
    block = re.search(
        rf'data-h5p-iri="{re.escape(OPTIONAL)}" data-h5p-registration="([^"]+)"', page
    )
    actor = response.context["h5p_config"]["actor"]

    sent = post(
        client,
        scored(1.0, activity=OPTIONAL, registration=block[1]) | {"actor": actor},
    )

    assert sent.status_code == 200
    assert XAPIStatement.objects.get().credit == Credit.COUNTED
    assert Evidence.objects.get(learner=learner).level == 2


def test_the_player_sends_too_fast_by_default(client, learner, activities):
    course_enroll(learner=learner, course=activities.course)
    page = client.get(activities.reading.url).content.decode()
    registration = re.findall(r'data-h5p-registration="([^"]+)"', page)[1]

    post(client, scored(1.0, activity=OPTIONAL, registration=registration))

    assert XAPIStatement.objects.get().credit == Credit.TOO_FAST
    _nothing_counted(learner)
