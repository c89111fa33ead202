"""The daily department snapshots behind the trends: the engine.

`snapshot_day(day)` writes one DepartmentSnapshot per active department for the end
of `day` (its whole subtree); `snapshot_backfill(since, until)` rebuilds past days.
Both compute every figure "as of" the day from the records' own dates, never from
their state now, so a day rebuilt later gives the row the daily task wrote on it:

- staff: people on staff that day — hired by then (no hire date: always) and not
  yet gone (active with no leaving date, or a leaving date after the day);
- mandatory curricula: the cycles in force that day
  (learning.curricula.status.counted_on: assigned, or started, by then) of people
  on staff, with their status that day (status_expression_on): `assigned` (every
  such cycle but closed and expired ones, as compliance counts), `completed`,
  `completed_late` (of those, after the due day), `overdue`, `exempt`;
  compliance = completed / (assigned − exempt);
- competency targets: for each person on staff with a position, one per
  competency their position targets (learning.targets.selectors.targets_resolved);
  `targets_met` where the level that day (assessments.selectors.levels_at's
  rule: the highest evidence observed by then, not yet withdrawn or expired)
  reaches the target. The live dashboard reads the stored current level, which
  counts 0 from the moment its evidence expires until the hourly recompute; the
  snapshot falls back to the next evidence at once;
- study hours: the ledger lines of the day's calendar year earned by the end of
  the day (`hours`, summed over people on staff) and the people `on_pace`
  (analytics.hours.pace_columns: hours ≥ the requirement × the share of the year
  gone by).

What cannot be known as of a past day, so today's value is used for every day:
people's department and position (moves are not dated: a person counts where they
are now), the department tree and which departments are active, the targets, the
annual requirement, a curriculum's status (draft or not), when an exemption was
granted or withdrawn (an exempt cycle is exempt from its assignment on), when a
person left a curriculum's audience with a finished cycle (left out on every day),
and when a person who left without a leaving date did so (not on staff on any day).
A rebuilt day therefore differs from the row written on it only where such undated
changes happened since.

Each day costs a fixed number of grouped queries whatever the size of the
organisation (people, assignments, evidence, hours, targets and departments);
figures are counted per person's own department in SQL and rolled up to every
ancestor in pandas.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pandas as pd
from django.db import transaction
from django.db.models import Count, Q, Sum

from analytics.hours import pace_columns
from analytics.models import DepartmentSnapshot
from assessments.models import Evidence
from assessments.selectors import evidence_counts_at_q
from learning.curricula.models import Assignment
from learning.curricula.status import (
    AssignmentStatus,
    completed_late_q,
    counted_on,
    day_end,
    status_expression_on,
)
from learning.hours.models import StudyHourEntry
from learning.hours.selectors import annual_requirement
from learning.organisation.models import Department, LearnerProfile
from learning.targets.selectors import targets_resolved

FIGURES = [
    "staff",
    "assigned",
    "completed",
    "completed_late",
    "overdue",
    "exempt",
    "targets",
    "targets_met",
    "hours_cents",
    "on_pace",
]
# Evidence is read as it stood at the last moment of the day.
_TICK = datetime.timedelta(microseconds=1)


def on_staff_q(day: datetime.date, prefix: str = "") -> Q:
    """People on staff at the end of `day` (LearnerProfile, or through `prefix`):
    hired by then, and active with no leaving date or leaving after the day."""
    return (
        Q(**{f"{prefix}hire_date__isnull": True})
        | Q(**{f"{prefix}hire_date__lte": day})
    ) & (
        Q(**{f"{prefix}is_active": True, f"{prefix}left_on__isnull": True})
        | Q(**{f"{prefix}left_on__gt": day})
    )


def _people(day: datetime.date) -> pd.DataFrame:
    """People on staff: `user_id`, `department_id`, `position_id` (0 for none)."""
    rows = LearnerProfile.objects.filter(on_staff_q(day)).values_list(
        "user_id", "department_id", "position_id"
    )
    frame = pd.DataFrame(
        list(rows.order_by()), columns=["user_id", "department_id", "position_id"]
    )
    frame["position_id"] = frame["position_id"].fillna(0).astype("int64")
    return frame


def _compliance(day: datetime.date, today: datetime.date | None) -> pd.DataFrame:
    """Cycles in force that day per person's department, by status. One query."""
    status = {
        name: Count("pk", filter=Q(status_on=value))
        for name, value in (
            ("completed", AssignmentStatus.COMPLETED),
            ("overdue", AssignmentStatus.OVERDUE),
            ("exempt", AssignmentStatus.EXEMPT),
        )
    }
    rows = (
        Assignment.objects.filter(counted_on(day, today=today))
        .filter(on_staff_q(day, "profile__"))
        .annotate(status_on=status_expression_on(day))
        .exclude(
            status_on__in=[AssignmentStatus.CLOSED, AssignmentStatus.EXPIRED],
        )
        .values("profile__department_id")
        .annotate(
            assigned=Count("pk"),
            completed_late=Count(
                "pk",
                filter=Q(status_on=AssignmentStatus.COMPLETED) & completed_late_q(),
            ),
            **status,
        )
        .values_list(
            "profile__department_id",
            "assigned",
            "completed",
            "completed_late",
            "overdue",
            "exempt",
        )
        .order_by()
    )
    return pd.DataFrame(
        list(rows),
        columns=[
            "department_id",
            "assigned",
            "completed",
            "completed_late",
            "overdue",
            "exempt",
        ],
    )


def _targets(
    day: datetime.date, people: pd.DataFrame, paths: pd.Series
) -> pd.DataFrame:
    """Person-competency targets and those met that day per department. Two
    queries (the targets, and the evidence counted per unit, position,
    competency and target level)."""
    columns = ["department_id", "targets", "targets_met"]
    staffed = people[people["position_id"] > 0]
    if staffed.empty:
        return pd.DataFrame(columns=columns)
    pairs = (
        staffed.groupby(["department_id", "position_id"])
        .size()
        .rename("n")
        .reset_index()
    )
    pairs["path"] = pairs["department_id"].map(paths)
    need = pairs.merge(targets_resolved(pairs), on=["path", "position_id"])
    if need.empty:
        return pd.DataFrame(columns=columns)
    need["required_level"] = need["required_level"].astype("int64")
    # Level that day ≥ L  ⇔  some evidence counting that day is at level ≥ L (the
    # level is the highest such level): one distinct count per target level.
    required = sorted(int(level) for level in need["required_level"].unique())
    at_least = {
        f"ge{level}": Count("learner_id", distinct=True, filter=Q(level__gte=level))
        for level in required
    }
    prefix = "learner__learner_profile__"
    held = pd.DataFrame(
        list(
            Evidence.objects.filter(evidence_counts_at_q(day_end(day) - _TICK))
            .filter(
                competency_id__in=[int(c) for c in need["competency_id"].unique()],
                level__gte=required[0],
                **{f"{prefix}position__isnull": False},
            )
            .filter(on_staff_q(day, prefix))
            .values(f"{prefix}department_id", f"{prefix}position_id", "competency_id")
            .annotate(**at_least)
            .values_list(
                f"{prefix}department_id",
                f"{prefix}position_id",
                "competency_id",
                *at_least,
            )
            .order_by()
        ),
        columns=["department_id", "position_id", "competency_id", *at_least],
    )
    keys = ["department_id", "position_id", "competency_id"]
    need = need.merge(held, on=keys, how="left")
    met = pd.Series(0, index=need.index, dtype="int64")
    for level in required:
        column = need[f"ge{level}"].fillna(0).astype("int64")
        met = met.where(need["required_level"] != level, column)
    need = need.assign(targets=need["n"], targets_met=met)
    return need.groupby("department_id")[["targets", "targets_met"]].sum().reset_index()


def _hours(day: datetime.date, people: pd.DataFrame, required: Decimal) -> pd.DataFrame:
    """Hours of the year up to the day per department, and people on pace. One
    query (each person's sum; exact, in hundredths)."""
    prefix = "learner__learner_profile__"
    sums = pd.DataFrame(
        list(
            StudyHourEntry.objects.filter(year=day.year, earned_at__lt=day_end(day))
            .filter(on_staff_q(day, prefix))
            .values("learner_id")
            .annotate(total=Sum("hours"))
            .values_list("learner_id", "total")
            .order_by()
        ),
        columns=["user_id", "total"],
    )
    frame = people[["user_id", "department_id"]].merge(sums, on="user_id", how="left")
    cents = frame["total"].map(lambda total: 0 if pd.isna(total) else int(total * 100))
    frame = frame.assign(hours=cents / 100.0, recent=0.0, hours_cents=cents)
    frame = pace_columns(frame, today=day, required=float(required))
    frame["on_pace"] = frame["on_pace"].astype("int64")
    return (
        frame.groupby("department_id")[["hours_cents", "on_pace"]].sum().reset_index()
    )


def _rolled_up(direct: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    """Figures per department's own people → per department over its subtree,
    for every department in `departments` (zeros where nobody is)."""
    direct = direct.merge(departments[["department_id", "path"]], on="department_id")
    steplen = Department.steplen
    parts = []
    for depth in range(1, int(departments["depth"].max()) + 1):
        size = depth * steplen
        part = direct[direct["path"].str.len() >= size]
        parts.append(part.assign(path=part["path"].str.slice(0, size)))
    if parts:
        totals = pd.concat(parts).groupby("path")[FIGURES].sum()
    else:
        totals = pd.DataFrame(columns=FIGURES)
    rolled = departments.merge(totals, left_on="path", right_index=True, how="left")
    rolled[FIGURES] = rolled[FIGURES].fillna(0).astype("int64")
    return rolled


def snapshot_frame(
    day: datetime.date,
    *,
    required: Decimal,
    today: datetime.date | None = None,
) -> pd.DataFrame:
    """Every active department's figures at the end of `day` (module docstring),
    on pace against the annual `required` hours: `department_id`, `path` and
    FIGURES (hours in hundredths). Six queries."""
    departments = pd.DataFrame(
        list(
            Department.objects.values_list("pk", "path", "depth", "is_active").order_by(
                "path"
            )
        ),
        columns=["department_id", "path", "depth", "is_active"],
    )
    if departments.empty:
        return pd.DataFrame(columns=["department_id", "path", *FIGURES])
    paths = departments.set_index("department_id")["path"]
    people = _people(day)
    staff = people.groupby("department_id").size().rename("staff").reset_index()
    direct = staff
    for part in (
        _compliance(day, today),
        _targets(day, people, paths),
        _hours(day, people, required),
    ):
        direct = direct.merge(part, on="department_id", how="outer")
    for column in FIGURES:
        if column not in direct:
            direct[column] = 0
    direct[FIGURES] = direct[FIGURES].fillna(0).astype("int64")
    rolled = _rolled_up(direct[["department_id", *FIGURES]], departments)
    rolled = rolled[rolled["is_active"].astype(bool)]
    return rolled[["department_id", "path", *FIGURES]].reset_index(drop=True)


def _rows(day: datetime.date, frame: pd.DataFrame, required: Decimal):
    for row in frame.itertuples(index=False):
        yield DepartmentSnapshot(
            department_id=int(row.department_id),
            day=day,
            staff=int(row.staff),
            assigned=int(row.assigned),
            completed=int(row.completed),
            completed_late=int(row.completed_late),
            overdue=int(row.overdue),
            exempt=int(row.exempt),
            targets=int(row.targets),
            targets_met=int(row.targets_met),
            hours=Decimal(int(row.hours_cents)) / 100,
            on_pace=int(row.on_pace),
            hours_required=required,
        )


def snapshot_day(day: datetime.date, *, today: datetime.date | None = None) -> int:
    """Write the snapshot of every active department for `day` that is not written
    yet, and return how many rows were written: a second run for the same day
    writes nothing (nor computes anything once every department has its row), and
    two runs at once cannot write a department twice (the unique constraint)."""
    active = set(Department.objects.filter(is_active=True).values_list("pk", flat=True))
    written = set(
        DepartmentSnapshot.objects.filter(day=day).values_list(
            "department_id", flat=True
        )
    )
    if active <= written:
        return 0
    required = annual_requirement()
    frame = snapshot_frame(day, required=required, today=today)
    frame = frame[~frame["department_id"].isin(written)]
    with transaction.atomic():
        before = DepartmentSnapshot.objects.filter(day=day).count()
        DepartmentSnapshot.objects.bulk_create(
            _rows(day, frame, required), batch_size=1000, ignore_conflicts=True
        )
        return DepartmentSnapshot.objects.filter(day=day).count() - before


def snapshot_backfill(
    since: datetime.date,
    until: datetime.date,
    *,
    progress: Callable[[datetime.date, int], None] | None = None,
) -> int:
    """Rebuild the snapshots of every day from `since` to `until` (inclusive) from
    the records' dates, replacing the rows of those days; each day in its own
    transaction, so an interrupted backfill leaves whole days. Returns the number
    of rows written; `progress(day, rows)` is called after each day."""
    total = 0
    day = since
    while day <= until:
        with transaction.atomic():
            DepartmentSnapshot.objects.filter(day=day).delete()
            rows = snapshot_day(day)
        total += rows
        if progress is not None:
            progress(day, rows)
        day += datetime.timedelta(days=1)
    return total
