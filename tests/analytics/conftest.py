"""A small county with hand-computed figures for the dashboards (see
`dashboard_county`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from assessments.models import Competency
from assessments.services.evidence import evidence_record
from assessments.services.frameworks import framework_load_defaults
from learning.hours.services import study_hours_earn
from learning.models import RoleScope
from learning.people.services import person_update
from learning.targets.services import target_set
from tests import factories

# The dashboards are read on this day (the middle of the year: 182 of 365 days).
TODAY = datetime.date(2026, 7, 1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class DashboardCounty:
    tree: factories.CountyTree
    position: object
    eg11: Competency
    eg41: Competency
    people: dict
    county_hr: object
    county_leader: object
    leader_a: object
    leader_b: object


@pytest.fixture(scope="module")
def dashboard_county(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction rolled back at its end; each
    test's own changes roll back with the test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _county()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _county() -> DashboardCounty:
    """county → A (A1, A2), B (B1), T (T1). Targets for position 科员: EG-1.1 ≥ 3 and
    EG-4.1 ≥ 2 county-wide, EG-1.1 ≥ 2 in bureau A (nearest wins).

    | person | unit | EG-1.1 level / target | EG-4.1 level / target |
    | a1p1   | A1   | 3 / 2 met             | 2 / 2 met             |
    | a1p2   | A1   | 1 / 2 short 1         | 0 / 2 short 2         |
    | a1p3   | A1   | 4 expired → 0 / 2 s 2 | 1 / 2 short 1         |
    | a2p1   | A2   | 0 / 2 short 2         | 0 / 2 short 2         |
    | moved  | B1→A2| 2 / 2 met             | 3 / 2 met             |
    | b1p1   | B1   | 2 / 3 short 1         | 3 / 2 met             |
    | b1p2   | B1   | 3 / 3 met             | 2 / 2 met             |
    | t1p1   | T1   | 0 / 3 short 3         | 0 / 2 short 2         |
    The leaders and HR hold other positions (no targets). Hours this year (to
    1 July, requirement 50, on pace ≥ 24.93): a1p1 30 (May: on pace), a1p2 20
    (February: not on pace, nothing recent → at risk), a1p3 20 (June: not on
    pace, recent pace closes it → not at risk), everyone else 0."""
    tree = factories.county_tree()
    framework_load_defaults()
    competencies = {c.code: c for c in Competency.objects.all()}
    eg11, eg41 = competencies["EG-1.1"], competencies["EG-4.1"]
    position = factories.PositionFactory(code="KY", title="科员", title_en="Clerk")
    county_hr = factories.scoped_user(RoleScope.Role.HR, tree.county)
    county_leader = factories.scoped_user(RoleScope.Role.LEADER, tree.county)
    leader_a = factories.scoped_user(RoleScope.Role.LEADER, tree.bureau_a)
    leader_b = factories.scoped_user(RoleScope.Role.LEADER, tree.bureau_b)
    with time_machine.travel(at(TODAY) - datetime.timedelta(days=400), tick=False):
        old = timezone.now()
    target_set(
        actor=county_hr.user, position=position, competency=eg11, required_level=3
    )
    target_set(
        actor=county_hr.user, position=position, competency=eg41, required_level=2
    )
    target_set(
        actor=county_hr.user,
        position=position,
        competency=eg11,
        required_level=2,
        department=tree.bureau_a,
    )
    people = {}
    for name, unit in [
        ("a1p1", tree.section_a1),
        ("a1p2", tree.section_a1),
        ("a1p3", tree.section_a1),
        ("a2p1", tree.section_a2),
        ("moved", tree.section_b1),
        ("b1p1", tree.section_b1),
        ("b1p2", tree.section_b1),
        ("t1p1", tree.township_office),
    ]:
        people[name] = factories.person_in(
            unit, position=position, full_name=f"测试{name}", employee_number=name
        )
    person_update(actor=None, profile=people["moved"], department=tree.section_a2)

    def level(name, competency, value, when=None, validity=None):
        evidence_record(
            learner=people[name].user,
            competency=competency,
            level=value,
            kind="prior",
            observed_at=when or at(TODAY - datetime.timedelta(days=30)),
            validity_months=validity,
        )

    level("a1p1", eg11, 3)
    level("a1p1", eg41, 2)
    level("a1p2", eg11, 1)
    level("a1p3", eg41, 1)
    level("moved", eg11, 2)
    level("moved", eg41, 3)
    level("b1p1", eg11, 2)
    level("b1p1", eg41, 3)
    level("b1p2", eg11, 3)
    level("b1p2", eg41, 2)
    # Valid when recorded, expired by TODAY (the hourly recompute has not run).
    with time_machine.travel(old, tick=False):
        level("a1p3", eg11, 4, when=old, validity=12)

    def hours(name, amount, day):
        study_hours_earn(
            learner=people[name].user,
            hours=Decimal(amount),
            source_type="course",
            source_id=f"{name}-{day}",
            earned_at=at(day),
        )

    hours("a1p1", 30, datetime.date(2026, 5, 10))
    hours("a1p2", 20, datetime.date(2026, 2, 10))
    hours("a1p3", 20, datetime.date(2026, 6, 10))
    return DashboardCounty(
        tree,
        position,
        eg11,
        eg41,
        people,
        county_hr.user,
        county_leader.user,
        leader_a.user,
        leader_b.user,
    )


@pytest.fixture
def on_today():
    with time_machine.travel(at(TODAY), tick=False):
        yield
