"""gap_counts (SQL + pandas over units and positions) against a plain per-person
recomputation (targets_for_profile and each person's levels), on randomised
organisations: units three deep, several positions, county-wide targets and
department overrides at every depth, levels and expired levels at random."""

from __future__ import annotations

import datetime
import random
from collections import Counter

import pytest
from django.utils import timezone

from analytics.gaps import gap_counts
from assessments.models import Competency, CompetencyLevel
from assessments.services.frameworks import framework_load_defaults
from learning.models import LearnerProfile
from learning.targets.models import CompetencyTarget
from learning.targets.selectors import targets_for_profile
from tests import factories

pytestmark = pytest.mark.django_db


def _organisation(rng: random.Random):
    root = factories.DepartmentFactory(code="R", name="县")
    units = [root]
    for i in range(3):
        bureau = factories.DepartmentFactory(code=f"R-{i}", parent=root)
        units.append(bureau)
        for j in range(rng.randint(1, 3)):
            units.append(factories.DepartmentFactory(code=f"R-{i}-{j}", parent=bureau))
    positions = [factories.PositionFactory(code=f"P{k}") for k in range(3)]
    framework_load_defaults()
    competencies = list(Competency.objects.filter(code__startswith="EG-")[:5])
    for position in positions:
        for competency in rng.sample(competencies, 3):
            CompetencyTarget.objects.create(
                position=position,
                competency=competency,
                required_level=rng.randint(1, 4),
            )
        for _ in range(rng.randint(2, 5)):
            CompetencyTarget.objects.get_or_create(
                position=position,
                competency=rng.choice(competencies),
                department=rng.choice(units),
                defaults={"required_level": rng.randint(1, 4)},
            )
    now = timezone.now()
    for _ in range(40):
        person = factories.person_in(
            rng.choice(units),
            position=rng.choice(positions + [None]),
            is_active=rng.random() > 0.1,
        )
        for competency in rng.sample(competencies, rng.randint(0, 4)):
            expired = rng.random() < 0.2
            CompetencyLevel.objects.create(
                learner=person.user,
                competency=competency,
                level=rng.randint(1, 4),
                valid_until=now - datetime.timedelta(days=1) if expired else None,
            )
    return root


def _target_by_hand(profile) -> dict[int, int]:
    """The rule written out plainly: the position's county-wide target, replaced by
    the target of the nearest department at or above the person's."""
    chosen: dict[int, tuple[int, int]] = {}
    for target in CompetencyTarget.objects.filter(
        position_id=profile.position_id
    ).select_related("department"):
        if target.department is None:
            depth = 0
        elif profile.department.path.startswith(target.department.path):
            depth = target.department.depth
        else:
            continue
        held = chosen.get(target.competency_id)
        if held is None or depth > held[1]:
            chosen[target.competency_id] = (target.required_level, depth)
    return {cid: level for cid, (level, _depth) in chosen.items()}


def _by_hand(root, now) -> Counter:
    counts: Counter = Counter()
    people = LearnerProfile.objects.filter(
        is_active=True, position__isnull=False, department__path__startswith=root.path
    )
    for profile in people:
        levels = {
            row.competency_id: row.level
            for row in CompetencyLevel.objects.filter(learner=profile.user)
            if row.valid_until is None or row.valid_until > now
        }
        assert targets_for_profile(profile) == _target_by_hand(profile)
        for cid, target in _target_by_hand(profile).items():
            level = levels.get(cid, 0)
            key = (profile.department_id, cid)
            counts[key + ("people",)] += 1
            counts[key + ("met",)] += level >= target
            counts[key + ("shortfall",)] += max(target - level, 0)
    return counts


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_gap_counts_equal_a_per_person_recomputation(seed):
    root = _organisation(random.Random(seed))
    now = timezone.now()
    frame = gap_counts(root, now=now)
    counted: Counter = Counter()
    for row in frame.itertuples():
        for name in ("people", "met", "shortfall"):
            counted[(row.department_id, row.competency_id, name)] += int(
                getattr(row, name)
            )
    expected = _by_hand(root, now)
    assert +counted == +expected
    assert sum(v for k, v in expected.items() if k[2] == "people") > 10
