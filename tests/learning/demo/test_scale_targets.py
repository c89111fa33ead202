"""seed_scale's analytics data: targets with overrides, levels that follow the level
rule, study hours and curricula, all idempotent."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from assessments.models import Competency, CompetencyLevel, Evidence
from assessments.services.evidence import competency_levels_recompute_many
from assessments.services.frameworks import framework_load_defaults
from learning.curricula.models import Assignment
from learning.curricula.status import completed_late_q
from learning.hours.models import StudyHourEntry
from learning.organisation.models import LearnerProfile, Position
from learning.targets.models import CompetencyTarget
from learning.targets.selectors import targets_for_profile

pytestmark = pytest.mark.django_db

OPTIONS = {
    "learners": 150,
    "evidence_per_person": 12,
    "hours_per_person": 3,
    "curricula": 2,
    "verbosity": 0,
}


@pytest.fixture
def province():
    framework_load_defaults()
    call_command("seed_scale", **OPTIONS)


def sizes():
    return (
        CompetencyTarget.objects.count(),
        Evidence.objects.count(),
        CompetencyLevel.objects.count(),
        StudyHourEntry.objects.count(),
        Assignment.objects.count(),
    )


def test_every_seeded_level_is_what_the_level_rule_gives(province):
    stored = {
        (row.learner_id, row.competency_id): (
            row.level,
            row.evidence_id,
            row.valid_until,
            row.self_level,
        )
        for row in CompetencyLevel.objects.all()
    }
    # Every (person, competency) with evidence has its level row.
    pairs = set(Evidence.objects.values_list("learner_id", "competency_id"))
    assert set(stored) == pairs
    # The mix exercises the rule: expired, revoked and self-assessed evidence.
    assert Evidence.objects.exclude(revoked_at=None).exists()
    assert Evidence.objects.filter(kind=Evidence.Kind.SELF).exists()
    assert any(level == 0 for level, *_ in stored.values())
    by_learner: dict[int, list[int]] = {}
    for learner_id, competency_id in stored:
        by_learner.setdefault(learner_id, []).append(competency_id)
    with transaction.atomic():
        for learner_id, competency_ids in by_learner.items():
            competency_levels_recompute_many(
                learner_id=learner_id, competency_ids=competency_ids
            )
    recomputed = {
        (row.learner_id, row.competency_id): (
            row.level,
            row.evidence_id,
            row.valid_until,
            row.self_level,
        )
        for row in CompetencyLevel.objects.all()
    }
    assert recomputed == stored


def test_targets_resolve_county_wide_with_the_nearest_override(province):
    window = Position.objects.get(code="CKRY")
    assert CompetencyTarget.objects.filter(department=None).count() >= 25

    competency = Competency.objects.get(code="EG-1.1")

    def target(unit_code: str) -> int:
        person = LearnerProfile.objects.filter(
            position=window, department__code__startswith=unit_code
        ).first()
        assert person is not None, unit_code
        return targets_for_profile(person)[competency.pk]

    county = "SC-C01-K01"
    # The approval bureau asks more, township 1 less than the city's level.
    assert target(f"{county}-XZSP-") == 4
    assert target(f"{county}-T1-") == 2
    assert target(f"{county}-CZJ-") == 3


def test_curricula_cycles_are_completed_late_exempt_and_overdue(province):
    states = dict(
        Assignment.objects.values_list("state").annotate(n=Count("pk")).order_by()
    )
    people = LearnerProfile.objects.count()
    assert sum(states.values()) == 2 * people
    assert states[Assignment.State.COMPLETED] > 0
    assert states[Assignment.State.EXEMPT] > 0
    late = Assignment.objects.filter(completed_late_q())
    assert late.exists()
    assert Assignment.objects.filter(
        state=Assignment.State.OPEN, overdue_on__lte=timezone.localdate()
    ).exists()
    assert StudyHourEntry.objects.values("learner").distinct().count() == people


def test_seeding_again_adds_nothing(province):
    first = sizes()
    assert all(first)
    call_command("seed_scale", **OPTIONS)
    assert sizes() == first
