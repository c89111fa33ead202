"""The level rule: evidence in, each learner's current level out (hand-worked cases)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from assessments.models import CompetencyLevel, Evidence
from assessments.services.evidence import (
    competency_levels_expire,
    evidence_record,
    evidence_revoke,
)
from assessments.tasks import competency_levels_expire_task
from tests.assessments.factories import CompetencyFactory, FrameworkFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC)
Kind = Evidence.Kind


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def framework():
    return FrameworkFactory()  # a 4-level scale, proficient from level 3


@pytest.fixture
def competency(framework):
    area = CompetencyFactory(framework=framework, code="T-1")
    return CompetencyFactory(parent=area, code="T-1.1")


@pytest.fixture
def security(framework):
    """Evidence of security practice counts for 12 months."""
    area = CompetencyFactory(framework=framework, code="T-2")
    return CompetencyFactory(parent=area, code="T-2.1", validity_months=12)


@pytest.fixture
def learner():
    return UserFactory()


def _level(learner, competency) -> CompetencyLevel:
    return CompetencyLevel.objects.get(learner=learner, competency=competency)


def test_highest_valid_level_wins_whatever_the_order(learner, competency):
    evidence_record(learner=learner, competency=competency, level=2, kind=Kind.QUIZ)
    best = evidence_record(
        learner=learner, competency=competency, level=4, kind=Kind.H5P
    )
    evidence_record(learner=learner, competency=competency, level=3, kind=Kind.COURSE)

    current = _level(learner, competency)
    assert current.level == 4
    assert current.evidence == best
    assert current.valid_until is None


def test_a_tie_goes_to_the_most_recent_evidence(learner, competency):
    evidence_record(
        learner=learner,
        competency=competency,
        level=3,
        kind=Kind.QUIZ,
        observed_at=T0,
    )
    later = evidence_record(
        learner=learner,
        competency=competency,
        level=3,
        kind=Kind.COURSE,
        observed_at=T0 + datetime.timedelta(days=1),
    )

    assert _level(learner, competency).evidence == later


def test_levels_are_per_learner_and_per_competency(learner, competency, security):
    other = UserFactory()
    evidence_record(learner=learner, competency=competency, level=3, kind=Kind.QUIZ)

    assert _level(learner, competency).level == 3
    assert not CompetencyLevel.objects.filter(learner=other).exists()
    assert not CompetencyLevel.objects.filter(competency=security).exists()


def test_self_assessment_is_kept_but_never_raises_the_level(learner, competency):
    evidence_record(learner=learner, competency=competency, level=2, kind=Kind.QUIZ)
    evidence_record(learner=learner, competency=competency, level=4, kind=Kind.SELF)

    current = _level(learner, competency)
    assert current.level == 2
    assert current.self_level == 4
    assert Evidence.objects.filter(learner=learner, kind=Kind.SELF).count() == 1


def test_self_assessment_alone_leaves_the_level_at_zero(learner, competency):
    evidence_record(learner=learner, competency=competency, level=3, kind=Kind.SELF)

    current = _level(learner, competency)
    assert (current.level, current.self_level, current.evidence) == (0, 3, None)


def test_a_manager_rating_counts(learner, competency):
    leader = UserFactory()
    evidence_record(learner=learner, competency=competency, level=1, kind=Kind.QUIZ)

    rating = evidence_record(
        learner=learner,
        competency=competency,
        level=3,
        kind=Kind.MANAGER,
        recorded_by=leader,
        note="Runs the window on her own, including unusual cases.",
    )

    current = _level(learner, competency)
    assert current.level == 3
    assert current.evidence == rating
    assert rating.recorded_by == leader


def test_expired_evidence_is_ignored(learner, security):
    with time_machine.travel(T0, tick=False):
        evidence_record(learner=learner, competency=security, level=4, kind=Kind.QUIZ)
    # Thirteen months later the level-4 quiz no longer counts; a new level-2 does.
    with time_machine.travel(T0 + datetime.timedelta(days=396), tick=False):
        fresh = evidence_record(
            learner=learner, competency=security, level=2, kind=Kind.QUIZ
        )

        current = _level(learner, security)
        assert current.level == 2
        assert current.evidence == fresh


def test_evidence_observed_long_ago_already_expired(learner, security):
    evidence_record(
        learner=learner,
        competency=security,
        level=4,
        kind=Kind.QUIZ,
        observed_at=T0 - datetime.timedelta(days=800),
    )

    assert _level(learner, security).level == 0


def test_evidence_with_a_course_defined_validity_expires_then(learner, competency):
    with time_machine.travel(T0, tick=False):
        evidence = evidence_record(
            learner=learner,
            competency=competency,
            level=3,
            kind=Kind.COURSE,
            validity_months=6,
        )

    assert evidence.expires_at == datetime.datetime(
        2026, 7, 10, 9, 0, tzinfo=datetime.UTC
    )
    assert _level(learner, competency).valid_until == evidence.expires_at


def test_revoked_evidence_no_longer_counts(learner, competency):
    evidence_record(learner=learner, competency=competency, level=2, kind=Kind.QUIZ)
    wrong = evidence_record(
        learner=learner, competency=competency, level=4, kind=Kind.MANAGER
    )

    evidence_revoke(evidence=wrong)
    evidence_revoke(evidence=wrong)  # withdrawing twice changes nothing more

    wrong.refresh_from_db()
    assert wrong.revoked_at is not None
    assert _level(learner, competency).level == 2
    assert Evidence.objects.filter(learner=learner).count() == 2


@pytest.mark.parametrize("level", [0, 5, 99])
def test_a_level_outside_the_scale_is_refused_and_nothing_written(
    learner, competency, level
):
    with pytest.raises(ValidationError) as caught:
        evidence_record(
            learner=learner, competency=competency, level=level, kind=Kind.QUIZ
        )

    assert "outside the scale (1–4)" in caught.value.message_dict["level"][0]
    assert not Evidence.objects.exists()
    assert not CompetencyLevel.objects.exists()


def test_an_unknown_kind_is_refused_and_nothing_written(learner, competency):
    with pytest.raises(ValidationError):
        evidence_record(learner=learner, competency=competency, level=2, kind="rumour")

    assert not Evidence.objects.exists()
    assert not CompetencyLevel.objects.exists()


def test_expiry_drops_the_level_and_running_again_changes_nothing(
    learner, competency, security
):
    with time_machine.travel(T0, tick=False):
        evidence_record(learner=learner, competency=security, level=1, kind=Kind.PRIOR)
        evidence_record(learner=learner, competency=security, level=4, kind=Kind.QUIZ)
        evidence_record(learner=learner, competency=competency, level=3, kind=Kind.QUIZ)
    assert _level(learner, security).level == 4

    with time_machine.travel(T0 + datetime.timedelta(days=364), tick=False):
        assert competency_levels_expire() == 0
        assert _level(learner, security).level == 4

    with time_machine.travel(T0 + datetime.timedelta(days=366), tick=False):
        # Until the task runs the stored level is stale; then it is right.
        assert _level(learner, security).level == 4
        assert competency_levels_expire() == 1
        assert _level(learner, security).level == 0
        assert _level(learner, security).valid_until is None
        assert competency_levels_expire() == 0
    assert _level(learner, competency).level == 3


def test_expiry_falls_back_to_evidence_that_still_counts(learner, security):
    with time_machine.travel(T0, tick=False):
        evidence_record(learner=learner, competency=security, level=4, kind=Kind.QUIZ)
    with time_machine.travel(T0 + datetime.timedelta(days=200), tick=False):
        later = evidence_record(
            learner=learner, competency=security, level=2, kind=Kind.H5P
        )

    with time_machine.travel(T0 + datetime.timedelta(days=366), tick=False):
        assert competency_levels_expire_task.delay().get() == 1

        current = _level(learner, security)
        assert (current.level, current.evidence) == (2, later)
        assert current.valid_until == later.expires_at


def test_evidence_and_level_roll_back_with_the_surrounding_transaction(
    learner, competency
):
    with pytest.raises(RuntimeError), transaction.atomic():
        evidence_record(learner=learner, competency=competency, level=3, kind=Kind.QUIZ)
        assert _level(learner, competency).level == 3  # visible inside
        raise RuntimeError("the quiz submit failed after recording evidence")

    assert not Evidence.objects.exists()
    assert not CompetencyLevel.objects.exists()
