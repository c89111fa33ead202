"""Daily department snapshots: exact figures on two days of a hand-computed year,
one row per department and day however often the task runs, a backfill that gives
the rows the daily task wrote, the backfill command's refusals, the as-of rules
agreeing with the live ones today, and the month-end trend points."""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import DepartmentSnapshot
from analytics.snapshots import on_staff_q, snapshot_backfill, snapshot_day
from analytics.tasks import snapshot_daily_task
from analytics.trends import COLUMNS, trend_series
from assessments.models import CompetencyLevel, Evidence
from assessments.selectors import level_in_force_q, levels_at
from assessments.services.evidence import (
    competency_levels_expire,
    evidence_record,
    evidence_revoke,
)
from learning.curricula.models import Assignment, Curriculum
from learning.curricula.services import assignment_exempt
from learning.curricula.status import (
    counted,
    counted_on,
    status_expression,
    status_expression_on,
)
from learning.curricula.sync import assignments_sync
from learning.hours.services import (
    study_hours_adjust,
    study_hours_earn,
    study_hours_revoke,
)
from learning.organisation.models import Department, LearnerProfile
from learning.people.services import person_deactivate
from learning.targets.services import target_set
from tests import factories
from tests.assessments.factories import CompetencyFactory
from tests.learning.curricula.test_status import TODAYS, cases
from tests.learning.test_curricula import complete, keys, make_curriculum

pytestmark = pytest.mark.django_db

D1 = datetime.date(2026, 3, 31)
D2 = datetime.date(2026, 6, 15)
AFTER = datetime.date(2026, 6, 30)  # when the past is rebuilt
FIGURES = [
    "staff",
    "assigned",
    "completed",
    "completed_late",
    "overdue",
    "exempt",
    "targets",
    "targets_met",
    "hours",
    "on_pace",
]


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour, minute))
    )


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@dataclass
class Year:
    """The hand-computed county and the events of its year, in time order."""

    tree: factories.CountyTree
    events: list

    def play(self, *, daily: set[datetime.date] = frozenset(), until=AFTER):
        """Run every event at its moment; for each day in `daily`, the beat task
        at 01:15 the next morning (before that morning's events)."""
        timeline = [(moment, 1, action) for moment, action in self.events]
        timeline += [
            (at(d + datetime.timedelta(days=1), 1, 15), 0, snapshot_daily_task)
            for d in daily
        ]
        for moment, _order, action in sorted(timeline, key=lambda e: e[:2]):
            with time_machine.travel(moment, tick=False):
                action()
        with time_machine.travel(at(until), tick=False):
            pass


@pytest.fixture
def year(db) -> Year:
    """county → bureau A (A1, A2), bureau B (B1), township T (T1). Position 科员
    must reach level 2 in competency C (evidence valid 12 months), level 3 in
    bureau B (the department's override). Curriculum K for the whole county, due
    15 March (overdue from the 16th); the study-hour requirement is 50.

    - p1 (A1): K done 10 Mar; C 2 on 2025-06-01, expires 2026-06-01; 15 h (10 Feb).
    - p2 (A1): K done 20 Apr (late); C 1 (Jan), self-assessed 3 (Feb, never
      counts), 2 (1 May); 8 h (20 Mar) and 20 h (10 May).
    - p3 (A): K exempt; C 4 by the manager (Feb), withdrawn 1 May; 30 h (Jan),
      revoked 1 May, +5 h by HR on 20 Jun (after 15 Jun).
    - p4 (B): K done 1 Mar; C 3 (1 Mar); 12.5 h at 23:30 on 31 Mar; leaves 10 Apr.
    - p5 (B1): hired 5 Apr, K assigned then (due 5 May, never done); C 2 (1 Jun,
      B needs 3); 25 h (1 Jun).
    - p6 (T1): no position (no target); K never done; no hours.
    A2, B1 before April, and the township itself have nobody.
    """
    tree = factories.county_tree()
    admin = factories.UserFactory(username="snapshot-admin", is_superuser=True)
    position = factories.PositionFactory(code="KY", title="科员")
    competency = CompetencyFactory(code="C-DATA", validity_months=12)
    target_set(actor=admin, position=position, competency=competency, required_level=2)
    target_set(
        actor=admin,
        position=position,
        competency=competency,
        required_level=3,
        department=tree.bureau_b,
    )
    people: dict[str, LearnerProfile] = {
        "p1": factories.person_in(tree.section_a1, position=position),
        "p2": factories.person_in(tree.section_a1, position=position),
        "p3": factories.person_in(tree.bureau_a, position=position),
        "p4": factories.person_in(tree.bureau_b, position=position),
        "p6": factories.person_in(tree.township_office, position=None),
    }
    curriculum = make_curriculum(
        tree.county,
        status=Curriculum.Status.ACTIVE,
        departments=[tree.county],
        due_kind=Curriculum.DueKind.FIXED,
        due_date=day("2026-03-15"),
        due_days=30,
    )
    (course_key,) = keys(curriculum)
    revocable: dict[str, Evidence] = {}

    def evidence(who, level, kind=Evidence.Kind.QUIZ):
        def record():
            revocable[who] = evidence_record(
                learner=people[who].user,
                competency=competency,
                level=level,
                kind=kind,
                observed_at=timezone.now(),
            )

        return record

    def hours(who, amount, source):
        return lambda: study_hours_earn(
            learner=people[who].user,
            hours=Decimal(amount),
            source_type="course",
            source_id=source,
            earned_at=timezone.now(),
        )

    def completes(who):
        def act():
            complete(people[who].user, course_key, when=timezone.now())
            assignments_sync()

        return act

    def exempt_p3():
        assignment_exempt(
            actor=admin,
            assignment=Assignment.objects.get(profile=people["p3"]),
            reason="长期病假",
        )

    def hire_p5():
        people["p5"] = factories.person_in(
            tree.section_b1, position=position, hire_date=day("2026-04-05")
        )
        assignments_sync()

    def p4_leaves():
        person_deactivate(actor=admin, profile=people["p4"], left_on=day("2026-04-10"))

    def p3_withdrawn():
        evidence_revoke(evidence=revocable["p3"], now=timezone.now())
        study_hours_revoke(
            actor=admin,
            learner=people["p3"].user,
            source_type="course",
            source_id="h-p3",
            cycle="2026",
            reason="证书撤销",
            now=timezone.now(),
        )

    def p3_adjusted():
        study_hours_adjust(
            actor=admin,
            profile=people["p3"],
            hours=Decimal(5),
            note="线下培训",
            year=2026,
            now=timezone.now(),
        )

    events = [
        (at(day("2025-06-01")), evidence("p1", 2)),
        (at(day("2025-12-20")), hours("p1", 10, "h-p1-2025")),
        (at(day("2026-01-05")), assignments_sync),
        (at(day("2026-01-06")), exempt_p3),
        (at(day("2026-01-10")), evidence("p2", 1)),
        (at(day("2026-01-15")), hours("p3", 30, "h-p3")),
        (at(day("2026-02-01")), evidence("p3", 4, Evidence.Kind.MANAGER)),
        (at(day("2026-02-01"), 11), evidence("p2", 3, Evidence.Kind.SELF)),
        (at(day("2026-02-10")), hours("p1", 15, "h-p1")),
        (at(day("2026-03-01")), completes("p4")),
        (at(day("2026-03-01"), 11), evidence("p4", 3)),
        (at(day("2026-03-10")), completes("p1")),
        (at(day("2026-03-20")), hours("p2", 8, "h-p2-a")),
        (at(day("2026-03-31"), 23, 30), hours("p4", Decimal("12.5"), "h-p4")),
        (at(day("2026-04-05")), hire_p5),
        (at(day("2026-04-10")), p4_leaves),
        (at(day("2026-04-20")), completes("p2")),
        (at(day("2026-05-01")), p3_withdrawn),
        (at(day("2026-05-01"), 11), evidence("p2", 2)),
        (at(day("2026-05-10")), hours("p2", 20, "h-p2-b")),
        (at(day("2026-06-01"), 12), hours("p5", 25, "h-p5")),
        (at(day("2026-06-01"), 13), evidence("p5", 2)),
        (at(day("2026-06-20")), p3_adjusted),
    ]
    return Year(tree=tree, events=events)


def zeros(**figures) -> dict:
    return {name: 0 for name in FIGURES} | figures


# Hours on pace: ≥ 50 × 90/365 = 12.33 on 31 March, ≥ 50 × 166/365 = 22.74 on 15 June.
EXPECTED = {
    D1: {
        "CTY": zeros(
            staff=5,
            assigned=5,
            completed=2,
            overdue=2,
            exempt=1,
            targets=4,
            targets_met=3,
            hours=Decimal("65.5"),
            on_pace=3,
        ),
        "CTY-A": zeros(
            staff=3,
            assigned=3,
            completed=1,
            overdue=1,
            exempt=1,
            targets=3,
            targets_met=2,
            hours=Decimal(53),
            on_pace=2,
        ),
        "CTY-A-1": zeros(
            staff=2,
            assigned=2,
            completed=1,
            overdue=1,
            targets=2,
            targets_met=1,
            hours=Decimal(23),
            on_pace=1,
        ),
        "CTY-A-2": zeros(),
        "CTY-B": zeros(
            staff=1,
            assigned=1,
            completed=1,
            targets=1,
            targets_met=1,
            hours=Decimal("12.5"),
            on_pace=1,
        ),
        "CTY-B-1": zeros(),
        "CTY-T": zeros(staff=1, assigned=1, overdue=1),
        "CTY-T-1": zeros(staff=1, assigned=1, overdue=1),
    },
    D2: {
        "CTY": zeros(
            staff=5,
            assigned=5,
            completed=2,
            completed_late=1,
            overdue=2,
            exempt=1,
            targets=4,
            targets_met=1,
            hours=Decimal(68),
            on_pace=2,
        ),
        "CTY-A": zeros(
            staff=3,
            assigned=3,
            completed=2,
            completed_late=1,
            exempt=1,
            targets=3,
            targets_met=1,
            hours=Decimal(43),
            on_pace=1,
        ),
        "CTY-A-1": zeros(
            staff=2,
            assigned=2,
            completed=2,
            completed_late=1,
            targets=2,
            targets_met=1,
            hours=Decimal(43),
            on_pace=1,
        ),
        "CTY-A-2": zeros(),
        "CTY-B": zeros(
            staff=1, assigned=1, overdue=1, targets=1, hours=Decimal(25), on_pace=1
        ),
        "CTY-B-1": zeros(
            staff=1, assigned=1, overdue=1, targets=1, hours=Decimal(25), on_pace=1
        ),
        "CTY-T": zeros(staff=1, assigned=1, overdue=1),
        "CTY-T-1": zeros(staff=1, assigned=1, overdue=1),
    },
}


def rows_of(on: datetime.date) -> dict[str, dict]:
    return {
        row["department__code"]: {name: row[name] for name in FIGURES}
        for row in DepartmentSnapshot.objects.filter(day=on).values(
            "department__code", *FIGURES
        )
    }


@pytest.mark.parametrize("on", [D1, D2])
def test_a_rebuilt_day_has_the_hand_computed_figures(year, on):
    year.play()
    with time_machine.travel(at(AFTER), tick=False):
        assert snapshot_day(on) == 8
    assert rows_of(on) == EXPECTED[on]
    assert set(
        DepartmentSnapshot.objects.filter(day=on).values_list(
            "hours_required", flat=True
        )
    ) == {Decimal(50)}


def test_the_daily_task_writes_what_was_true_that_day(year):
    year.play(daily={D1, D2})
    assert rows_of(D1) == EXPECTED[D1]
    assert rows_of(D2) == EXPECTED[D2]


def test_the_task_run_twice_for_a_day_writes_one_snapshot_per_department(year):
    year.play(until=D1 + datetime.timedelta(days=1))
    with time_machine.travel(at(D1 + datetime.timedelta(days=1), 1, 15), tick=False):
        assert snapshot_daily_task.delay().get() == 8  # yesterday: D1
        first = list(DepartmentSnapshot.objects.order_by("pk").values())
        assert snapshot_daily_task.delay().get() == 0
        assert snapshot_daily_task(D1.isoformat()) == 0
    assert list(DepartmentSnapshot.objects.order_by("pk").values()) == first
    active = Department.objects.filter(is_active=True).count()
    assert DepartmentSnapshot.objects.filter(day=D1).count() == active == 8


def test_a_department_added_later_in_the_day_gets_its_row_on_a_rerun(year):
    year.play(until=D1 + datetime.timedelta(days=1))
    with time_machine.travel(at(AFTER), tick=False):
        assert snapshot_day(D1) == 8
        factories.DepartmentFactory(code="CTY-C", parent=year.tree.county)
        assert snapshot_day(D1) == 1
        assert snapshot_day(D1) == 0
    assert rows_of(D1)["CTY-C"] == zeros()


def test_a_day_costs_the_same_queries_however_many_people_and_units(year):
    year.play()

    def queries_for_d1() -> int:
        DepartmentSnapshot.objects.filter(day=D1).delete()
        with CaptureQueriesContext(connection) as queries:
            snapshot_day(D1)
        return len(queries)

    with time_machine.travel(at(AFTER), tick=False):
        few = queries_for_d1()
        position = LearnerProfile.objects.get(department=year.tree.bureau_a).position
        for n in range(3):
            unit = factories.DepartmentFactory(
                code=f"CTY-N{n}", parent=year.tree.township
            )
            for _ in range(4):
                person = factories.person_in(unit, position=position)
                study_hours_earn(
                    learner=person.user,
                    hours=Decimal(3),
                    source_type="course",
                    source_id=f"n{n}",
                    earned_at=at(day("2026-02-01")),
                )
        many = queries_for_d1()
    assert many == few
    assert rows_of(D1)["CTY-T"]["staff"] == 13


DAILY = (
    {D1 + datetime.timedelta(days=offset) for offset in range(-6, 26)}
    | {datetime.date(2026, 5, 28) + datetime.timedelta(days=n) for n in range(7)}
    | {D2}
)


def test_backfill_equals_the_daily_snapshots_it_replaces(year):
    year.play(daily=DAILY)
    daily = {on: rows_of(on) for on in sorted(DAILY)}
    assert daily[D1] == EXPECTED[D1]
    first, last = min(DAILY), max(DAILY)
    with time_machine.travel(at(AFTER), tick=False):
        written = snapshot_backfill(first, last)
    assert written == 8 * ((last - first).days + 1)
    rebuilt = {on: rows_of(on) for on in sorted(DAILY)}
    assert rebuilt == daily
    # The days in between that had no daily row now have one.
    assert (
        DepartmentSnapshot.objects.filter(day=datetime.date(2026, 5, 10)).count() == 8
    )
    # The daily figures moved over the range (the comparison is not of constants).
    assert len({tuple(d["CTY"].values()) for d in daily.values()}) > 5


def test_the_backfill_command_rebuilds_and_reports_progress(year):
    year.play()
    with time_machine.travel(at(AFTER), tick=False):
        snapshot_day(D1)
        DepartmentSnapshot.objects.filter(day=D1).update(staff=999)
        out = io.StringIO()
        call_command(
            "analytics_backfill",
            "--since",
            "2026-03-30",
            "--until",
            "2026-03-31",
            stdout=out,
        )
    text = out.getvalue()
    assert "2026-03-30: 8 departments (1/2)" in text
    assert "2026-03-31: 8 departments (2/2)" in text
    assert "Wrote 16 snapshots" in text
    assert rows_of(D1) == EXPECTED[D1]


def test_the_backfill_command_defaults_to_yesterday(county):
    with time_machine.travel(at(D1), tick=False):
        out = io.StringIO()
        call_command("analytics_backfill", "--since", "2026-03-29", stdout=out)
    assert "2 day(s)" in out.getvalue()
    assert set(DepartmentSnapshot.objects.values_list("day", flat=True)) == {
        day("2026-03-29"),
        day("2026-03-30"),
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "2026-04-01"], "is in the future"),
        (["--since", "2026-03-01", "--until", "2026-04-02"], "is in the future"),
        (["--since", "2026-03-31"], "is today, which is not over"),
        (["--since", "2026-03-20", "--until", "2026-03-10"], "is after --until"),
        (["--since", "31/03/2026"], "write it as YYYY-MM-DD"),
    ],
)
def test_the_backfill_command_refuses_days_it_cannot_build(county, arguments, message):
    with time_machine.travel(at(D1), tick=False):
        with pytest.raises(CommandError, match=message):
            call_command("analytics_backfill", *arguments, stdout=io.StringIO())
    assert not DepartmentSnapshot.objects.exists()


# The as-of rules agree with the live ones on today --------------------------------


def test_the_status_on_today_is_the_live_status(county):
    """learning.curricula.status: status_expression_on(today) gives what
    status_expression(today) gives, on every case of the status rule's own test
    (every timestamp before today, as records are)."""
    person = factories.person_in(county.section_a1)
    curriculum = Curriculum.objects.create(
        name="规则", owner_department=county.county, status=Curriculum.Status.ACTIVE
    )
    early = timezone.make_aware(datetime.datetime(2025, 1, 1))
    Assignment.objects.bulk_create(
        Assignment(
            curriculum=curriculum,
            learner=person.user,
            profile=person,
            cycle=number,
            state=state,
            assigned_at=early,
            completed_at=early if state == Assignment.State.COMPLETED else None,
            closed_at=early
            if state in (Assignment.State.CLOSED, Assignment.State.EXPIRED)
            else None,
            **fields,
        )
        for number, (state, fields) in enumerate(
            ((s, f) for s in Assignment.State for f in cases()), start=1
        )
    )
    rows = Assignment.objects.filter(curriculum=curriculum)
    checked = 0
    for today in TODAYS:
        if today < datetime.date(2026, 5, 2):  # the cases' start time
            continue
        live = dict(rows.annotate(s=status_expression(today)).values_list("pk", "s"))
        then = dict(rows.annotate(s=status_expression_on(today)).values_list("pk", "s"))
        assert then == live, today
        checked += len(live)
    assert checked > 1000


def test_a_completion_after_a_day_reads_as_open_on_that_day(county):
    person = factories.person_in(county.section_a1)
    curriculum = Curriculum.objects.create(
        name="规则", owner_department=county.county, status=Curriculum.Status.ACTIVE
    )
    row = Assignment.objects.create(
        curriculum=curriculum,
        learner=person.user,
        profile=person,
        starts_on=day("2026-01-05"),
        due_on=day("2026-03-15"),
        overdue_on=day("2026-03-16"),
        assigned_at=at(day("2026-01-05")),
        state=Assignment.State.COMPLETED,
        completed_at=at(day("2026-04-20"), 0, 30),  # just after midnight, local
    )

    def status(on):
        return (
            Assignment.objects.filter(pk=row.pk)
            .annotate(s=status_expression_on(on))
            .values_list("s", flat=True)
            .get()
        )

    assert status(day("2026-03-15")) == "not_started"
    assert status(day("2026-04-19")) == "overdue"
    assert status(day("2026-04-20")) == "completed"


def test_a_cycle_assigned_as_on_a_past_day_counts_from_its_start(county):
    """A cycle written later than it began (the sync run with a past `today`, as
    the demo's history does, or an import) stands from its start date."""
    person = factories.person_in(county.section_a1)
    curriculum = Curriculum.objects.create(
        name="规则", owner_department=county.county, status=Curriculum.Status.ACTIVE
    )
    Assignment.objects.create(
        curriculum=curriculum,
        learner=person.user,
        profile=person,
        starts_on=day("2026-01-05"),
        due_on=day("2026-03-15"),
        overdue_on=day("2026-03-16"),
        assigned_at=at(day("2026-06-01")),
    )
    with time_machine.travel(at(AFTER), tick=False):
        snapshot_day(day("2026-01-04"))
        snapshot_day(D1)
    assert rows_of(day("2026-01-04"))["CTY"]["assigned"] == 0
    assert rows_of(D1)["CTY"] == zeros(staff=1, assigned=1, overdue=1)


def test_the_cycles_in_force_today_are_the_live_counted_ones(year):
    """counted_on(today) with the people on staff today selects exactly the cycles
    counted() selects, on data the sync built (a leaver, an exemption, late and
    on-time completions, a new hire) — and, after renewals, a yearly curriculum
    whose next cycle opened early, started, and one left by a person who moved
    out of its audience with it finished."""
    year.play()
    tree = year.tree
    mover = factories.person_in(tree.bureau_b)
    renewing = factories.person_in(tree.section_a2)
    with time_machine.travel(at(day("2025-01-10")), tick=False):
        yearly = make_curriculum(
            tree.county,
            status=Curriculum.Status.ACTIVE,
            departments=[tree.bureau_b, tree.section_a2],
            recurrence_months=12,
            renewal_window_days=30,
        )
        make_curriculum(
            tree.county, status=Curriculum.Status.DRAFT, departments=[tree.county]
        )
        assignments_sync()
    (key,) = keys(yearly)
    with time_machine.travel(at(day("2025-01-20")), tick=False):
        complete(mover.user, key, when=timezone.now())
        complete(renewing.user, key, when=timezone.now())
        assignments_sync()
    with time_machine.travel(at(day("2025-12-20")), tick=False):
        assignments_sync()  # the next cycle opens early, in the renewal window
    with time_machine.travel(at(day("2025-12-22")), tick=False):
        mover.department = tree.section_a1  # out of the yearly audience
        mover.save(update_fields=["department"])
        assignments_sync()
    for moment in (at(day("2025-12-28")), at(day("2026-01-15")), at(AFTER)):
        with time_machine.travel(moment, tick=False):
            assignments_sync()
            today = timezone.localdate()
            # (The year's rows "from the future" are left out before 2026.)
            live = set(
                Assignment.objects.filter(counted())
                .filter(assigned_at__lte=timezone.now())
                .values_list("pk", flat=True)
            )
            then = set(
                Assignment.objects.filter(
                    counted_on(today), profile__is_active=True
                ).values_list("pk", flat=True)
            )
            assert then == live, today
            assert Assignment.objects.filter(
                ~Q(pk__in=live), curriculum=yearly
            ).exists()


def test_people_on_staff_today_are_the_active_ones(year):
    year.play()
    with time_machine.travel(at(AFTER), tick=False):
        today = timezone.localdate()
        on_staff = set(
            LearnerProfile.objects.filter(on_staff_q(today)).values_list(
                "pk", flat=True
            )
        )
    active = set(
        LearnerProfile.objects.filter(is_active=True).values_list("pk", flat=True)
    )
    assert on_staff == active and len(active) == 5


def test_the_level_at_a_moment_is_the_stored_level_now(county):
    """assessments.selectors.levels_at(now) gives the current level the evidence
    service stores (its rule, in force), on random evidence with expiries,
    withdrawals and self-assessments."""
    rng = random.Random(12)
    people = [factories.person_in(county.section_a1) for _ in range(6)]
    parent = CompetencyFactory(code="C-AREA")
    competencies = [
        CompetencyFactory(code=f"C-{n}", parent=parent, validity_months=months)
        for n, months in enumerate([None, 6, 12])
    ]
    start = at(day("2025-01-01"))
    recorded = []
    moments = sorted(
        start + datetime.timedelta(days=rng.randint(0, 700), hours=step)
        for step in range(60)
    )
    for moment in moments:  # recorded in time order, as they happen
        kind = rng.choice(list(Evidence.Kind))
        with time_machine.travel(moment, tick=False):
            recorded.append(
                evidence_record(
                    learner=rng.choice(people).user,
                    competency=rng.choice(competencies),
                    level=rng.randint(1, 4),
                    kind=kind,
                    observed_at=moment,
                )
            )
    now = at(day("2026-12-31"))
    with time_machine.travel(now, tick=False):
        for evidence in rng.sample(recorded, 10):
            evidence_revoke(evidence=evidence, now=now - datetime.timedelta(days=1))
        competency_levels_expire(now=now)
    stored = {
        (row.learner_id, row.competency_id): row.level
        for row in CompetencyLevel.objects.filter(level_in_force_q(now), level__gt=0)
    }
    then = {
        (row["learner_id"], row["competency_id"]): row["level"]
        for row in levels_at(now)
    }
    assert then == stored
    assert len(stored) >= 5


# Trends --------------------------------------------------------------------------


def test_trend_points_are_the_last_snapshot_of_each_month(year):
    year.play()
    with time_machine.travel(at(AFTER), tick=False):
        snapshot_backfill(day("2026-03-28"), day("2026-06-15"))
    frame = trend_series(year.tree.county, until=D2, months=4)
    assert list(frame.columns) == COLUMNS
    county = frame[frame["is_scope"]]
    assert list(county["day"]) == [D1, day("2026-04-30"), day("2026-05-31"), D2]
    assert list(county["is_latest"]) == [False, False, False, True]
    first = county.iloc[0]
    assert first["month"] == day("2026-03-01")
    assert first["compliance_pct"] == 50.0  # 2 of 5 − 1 exempt
    assert first["target_pct"] == 75.0
    assert first["hours_per_person"] == 13.1  # 65.5 / 5
    assert first["on_pace_pct"] == 60.0
    last = county.iloc[-1]
    assert (last["staff"], last["target_pct"], last["hours_per_person"]) == (
        5,
        25.0,
        13.6,
    )
    # Each direct sub-unit has its own line; the sections below them do not.
    units = frame[~frame["is_scope"]]
    assert set(units["path"]) == {
        year.tree.bureau_a.path,
        year.tree.bureau_b.path,
        year.tree.township.path,
    }
    bureau_b = units[units["department_id"] == year.tree.bureau_b.pk]
    assert list(bureau_b["staff"]) == [1, 1, 1, 1]
    assert bureau_b.iloc[-1]["compliance_pct"] == 0.0
    assert bureau_b.iloc[0]["target_pct"] == 100.0
    township = units[units["department_id"] == year.tree.township.pk]
    assert township["target_pct"].isna().all()  # nobody there has a target


def test_trends_of_a_department_without_snapshots_are_empty(county):
    frame = trend_series(county.bureau_a, until=D2)
    assert frame.empty and list(frame.columns) == COLUMNS


def test_a_window_of_twelve_months_starts_eleven_months_back(year):
    year.play()
    with time_machine.travel(at(AFTER), tick=False):
        snapshot_backfill(day("2025-06-29"), day("2025-07-01"))
    frame = trend_series(year.tree.county, until=day("2026-06-15"))
    assert list(frame[frame["is_scope"]]["day"]) == [day("2025-07-01")]
