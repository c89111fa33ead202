"""THE assignment status rule: the Python function and the SQL expression agree on
every case (stored state × dates × current or not × exemption × renewal window)."""

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.utils import timezone

from learning.curricula.models import Assignment, Curriculum
from learning.curricula.status import (
    AssignmentStatus,
    current_cycle,
    status_expression,
    status_of,
)
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
BASE = datetime.date(2026, 6, 1)

# Where the cycle stands against the renewal window: a one-off cycle; a yearly
# cycle in force whose successor has opened (its end is near); the successor
# itself, opened early and starting when the other ends; a cycle already past its
# end that the sync has not expired yet.
LAYOUTS = {
    "one_off": (BASE - 60 * DAY, None),
    "in_force_in_window": (BASE - 335 * DAY, BASE + 30 * DAY),
    "next_opened_early": (BASE + 30 * DAY, BASE + 395 * DAY),
    "past_its_end": (BASE - 400 * DAY, BASE - 35 * DAY),
}
DUE = [BASE - 10 * DAY, BASE, BASE + 10 * DAY, BASE + 40 * DAY]
GRACE = [0, 5]
PROGRESS = [
    {"started_at": None, "courses_done": 0},
    {
        "started_at": timezone.make_aware(datetime.datetime(2026, 5, 1)),
        "courses_done": 0,
    },
    {"started_at": None, "courses_done": 1},
]
TODAYS = sorted(
    {BASE + offset * DAY for offset in (-400, -36, -35, -11, -10, -9, -1, 0, 1)}
    | {BASE + offset * DAY for offset in (5, 6, 10, 11, 16, 29, 30, 31, 40, 41)}
    | {BASE + offset * DAY for offset in (46, 395, 396)}
)


def cases():
    for layout, due_on, grace, progress in itertools.product(
        LAYOUTS, DUE, GRACE, PROGRESS
    ):
        starts_on, expires_on = LAYOUTS[layout]
        yield {
            "starts_on": starts_on,
            "expires_on": expires_on,
            "due_on": due_on,
            "overdue_on": due_on + (grace + 1) * DAY,
            **progress,
        }


@pytest.mark.parametrize("is_current", [True, False])
@pytest.mark.parametrize("state", list(Assignment.State))
def test_python_and_sql_give_the_same_status(county, state, is_current):
    person = factories.person_in(county.section_a1)
    curriculum = Curriculum.objects.create(
        name="规则", owner_department=county.county, status=Curriculum.Status.ACTIVE
    )
    rows = Assignment.objects.bulk_create(
        Assignment(
            curriculum=curriculum,
            learner=person.user,
            profile=person,
            cycle=number,
            state=state,
            is_current=is_current,
            assigned_at=timezone.now(),
            exempt_reason="病假" if state == Assignment.State.EXEMPT else "",
            **fields,
        )
        for number, fields in enumerate(cases(), start=1)
    )
    by_pk = {row.pk: row for row in Assignment.objects.filter(curriculum=curriculum)}
    assert len(by_pk) == len(rows)
    for today in TODAYS:
        in_sql = dict(
            Assignment.objects.filter(curriculum=curriculum)
            .annotate(status=status_expression(today))
            .values_list("pk", "status")
        )
        in_python = {pk: status_of(row, today).value for pk, row in by_pk.items()}
        assert in_sql == in_python, today


def test_the_cases_reach_every_status():
    seen = {
        status_of(SimpleNamespace(state=state, **fields), today)
        for state in Assignment.State
        for fields in cases()
        for today in TODAYS
    }
    assert seen == set(AssignmentStatus)


def test_in_the_renewal_window_the_old_cycle_stays_in_force():
    old = SimpleNamespace(starts_on=BASE - 335 * DAY)
    new = SimpleNamespace(starts_on=BASE + 30 * DAY)
    assert current_cycle([old, new], BASE) is old
    assert current_cycle([old, new], BASE + 30 * DAY) is new
    assert current_cycle([new], BASE) is new  # nothing started yet: the first
    assert current_cycle([], BASE) is None
