"""Twelve-month trends of a department and its direct sub-units, read from the daily
snapshots (analytics.snapshots). The trends page and the leadership report draw
their lines from `trend_series`; the viewer's scope and small-cell suppression are
theirs to apply (analytics.scope), with `staff` to decide it."""

from __future__ import annotations

import datetime

import pandas as pd

from analytics.models import DepartmentSnapshot
from learning.curricula.compliance import ComplianceCounts
from learning.organisation.models import Department

COLUMNS = [
    "department_id",
    "path",
    "is_scope",
    "month",
    "day",
    "is_latest",
    "staff",
    "assigned",
    "completed",
    "overdue",
    "exempt",
    "compliance_pct",
    "targets",
    "targets_met",
    "target_pct",
    "hours",
    "hours_per_person",
    "on_pace",
    "on_pace_pct",
]


# The snapshot figures the series reads.
_FIGURES = [
    "staff",
    "assigned",
    "completed",
    "overdue",
    "exempt",
    "targets",
    "targets_met",
    "hours",
    "on_pace",
]


def first_month(until: datetime.date, months: int) -> datetime.date:
    """The first day of the earliest month of a window of `months` ending with
    the month of `until`."""
    index = until.year * 12 + until.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    """100 × part / whole, NaN where whole is 0."""
    whole = whole.astype("float64")
    return (100.0 * part.astype("float64") / whole.where(whole > 0)).round(1)


def trend_series(
    scope_department: Department, *, until: datetime.date, months: int = 12
) -> pd.DataFrame:
    """Month-end points of `scope_department` and each of its direct active
    sub-units over the `months` calendar months ending with the month of `until`:
    for each department and month, the last snapshot written on or before `until`
    (so the current month's point is the latest day). One query. Columns, one row
    per department and month that has a snapshot, ordered by path then month:

    - `department_id`, `path`; `is_scope`: True for `scope_department` itself
      (its whole subtree), False for a sub-unit (its subtree);
    - `month` (first day of the month, a date), `day` (the snapshot's day),
      `is_latest` (the department's last point);
    - `staff`: people on staff that day;
    - `assigned`, `completed`, `overdue`, `exempt` (mandatory-curriculum cycles in
      force) and `compliance_pct` = 100 × completed / (assigned − exempt), as the
      compliance page counts it (NaN when nobody must complete);
    - `targets` (person-competency targets), `targets_met` and `target_pct`
      = 100 × met / targets (NaN without targets);
    - `hours` (study hours of the year so far, summed), `hours_per_person` = hours
      / staff, `on_pace` and `on_pace_pct` = 100 × on_pace / staff (NaN for no
      staff).

    Percentages are rounded to one decimal. No snapshots: an empty frame with
    these columns."""
    if months < 1:
        raise ValueError("months must be at least 1")
    children = list(
        Department.objects.filter(
            depth=scope_department.depth + 1,
            path__startswith=scope_department.path,
            is_active=True,
        ).values_list("pk", flat=True)
    )
    ids = [scope_department.pk, *children]
    rows = DepartmentSnapshot.objects.filter(
        department_id__in=ids,
        day__gte=first_month(until, months),
        day__lte=until,
    ).values_list("department_id", "department__path", "day", *_FIGURES)
    frame = pd.DataFrame(
        list(rows.order_by("department__path", "day")),
        columns=["department_id", "path", "day", *_FIGURES],
    )
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["month"] = frame["day"].map(lambda day: day.replace(day=1))
    frame = frame.groupby(["department_id", "month"], sort=False).tail(1).copy()
    frame["hours"] = frame["hours"].astype("float64")
    frame["is_scope"] = frame["department_id"] == scope_department.pk
    frame["is_latest"] = ~frame.duplicated("department_id", keep="last")
    frame["compliance_pct"] = [
        None if rate is None else round(100 * rate, 1)
        for rate in (
            ComplianceCounts(
                assigned=int(a), completed=int(c), exempt=int(e)
            ).completion_rate
            for a, c, e in zip(
                frame["assigned"], frame["completed"], frame["exempt"], strict=True
            )
        )
    ]
    frame["compliance_pct"] = frame["compliance_pct"].astype("float64")
    frame["target_pct"] = _percent(frame["targets_met"], frame["targets"])
    staff = frame["staff"].astype("float64").where(frame["staff"] > 0)
    frame["hours_per_person"] = (frame["hours"] / staff).round(2)
    frame["on_pace_pct"] = _percent(frame["on_pace"], frame["staff"])
    return frame[COLUMNS].reset_index(drop=True)
