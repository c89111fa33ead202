"""Study hours (学时) of a department's people against the annual requirement.

Sums come from the ledger (learning.hours: earned, adjusted and revoked lines are
all summed, as on /me/); the requirement is the site setting. Pace and risk:

- on pace: hours so far ≥ the requirement × the share of the year gone by;
- at risk: still short, and their hours of the last RECENT_DAYS, kept up until
  31 December, would not close the gap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from analytics.scope import DashboardScope
from learning.hours.models import StudyHourEntry
from learning.hours.selectors import annual_requirement
from learning.organisation.models import Department, LearnerProfile

RECENT_DAYS = 90


def year_fraction(today: datetime.date) -> float:
    """Share of the calendar year gone by at the end of `today`."""
    start = datetime.date(today.year, 1, 1)
    days = (datetime.date(today.year + 1, 1, 1) - start).days
    return ((today - start).days + 1) / days


def hours_frame(
    department: Department, *, today: datetime.date, now: datetime.datetime
) -> pd.DataFrame:
    """One row per active person in the subtree: `user_id`, `path`, `hours` this
    year and `recent` hours of the last RECENT_DAYS. Two queries."""
    people = pd.DataFrame(
        list(
            LearnerProfile.objects.filter(is_active=True)
            .filter(Department.subtree_q([department], "department__"))
            .values_list("user_id", "department__path")
        ),
        columns=["user_id", "path"],
    )
    since = now - datetime.timedelta(days=RECENT_DAYS)
    prefix = "learner__learner_profile__"
    sums = pd.DataFrame(
        list(
            StudyHourEntry.objects.filter(
                year=today.year,
                earned_at__lte=now,
                **{f"{prefix}is_active": True},
            )
            .filter(Department.subtree_q([department], f"{prefix}department__"))
            .values("learner_id")
            .annotate(
                year_total=Sum("hours"),
                recent_total=Sum("hours", filter=Q(earned_at__gte=since)),
            )
            .values_list("learner_id", "year_total", "recent_total")
            .order_by()
        ),
        columns=["user_id", "hours", "recent"],
    )
    frame = people.merge(sums, on="user_id", how="left")
    for column in ("hours", "recent"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
    return frame


def pace_columns(
    frame: pd.DataFrame, *, today: datetime.date, required: float
) -> pd.DataFrame:
    """Add `on_pace`, `met` and `at_risk` to an hours frame."""
    gone = year_fraction(today)
    days_left = (datetime.date(today.year, 12, 31) - today).days
    elapsed = min(RECENT_DAYS, (today - datetime.date(today.year, 1, 1)).days + 1)
    rate = frame["recent"].clip(lower=0) / elapsed
    projected = frame["hours"] + rate * days_left
    return frame.assign(
        on_pace=frame["hours"] >= required * gone,
        met=frame["hours"] >= required,
        at_risk=(frame["hours"] < required) & (projected < required),
    )


@dataclass
class HoursRow:
    department: Department
    unit_only: bool
    people: int
    median: float | None
    mean: float | None
    on_pace: int
    met: int
    at_risk: int
    hidden: bool = False
    # People per band of the requirement: <25 %, 25–50 %, 50–75 %, 75–100 %, met.
    bands: list[int] = field(default_factory=list)

    @property
    def on_pace_percent(self) -> int | None:
        if self.hidden or not self.people:
            return None
        return round(100 * self.on_pace / self.people)


BAND_EDGES = (0.25, 0.5, 0.75, 1.0)


def _row(department, unit_only, part: pd.DataFrame, required: float, hidden: bool):
    people = len(part)
    shares = part["hours"] / required if required else part["hours"] * 0 + 1
    bands = []
    low = float("-inf")
    for edge in BAND_EDGES:
        bands.append(int(((shares >= low) & (shares < edge)).sum()))
        low = edge
    bands.append(int((shares >= 1.0).sum()))
    return HoursRow(
        department=department,
        unit_only=unit_only,
        people=people,
        median=float(part["hours"].median()) if people else None,
        mean=float(part["hours"].mean()) if people else None,
        on_pace=int(part["on_pace"].sum()),
        met=int(part["met"].sum()),
        at_risk=int(part["at_risk"].sum()),
        hidden=hidden,
        bands=bands,
    )


@dataclass
class HoursReport:
    required: float
    year: int
    expected_now: float
    total: HoursRow
    rows: list[HoursRow]
    sources: list[dict]


def hours_report(scope: DashboardScope) -> HoursReport:
    """The scope's hours: the whole subtree, each breakdown row (slowest on-pace
    share first), and where the hours came from. Four queries."""
    required = float(annual_requirement())
    frame = pace_columns(
        hours_frame(scope.department, today=scope.today, now=scope.now),
        today=scope.today,
        required=required,
    )
    frame = frame.assign(bucket=frame["path"].map(scope.bucket_of))
    rows = []
    for department, unit_only in scope.rows:
        part = frame[frame["bucket"] == department.path]
        if unit_only and part.empty:
            continue
        hidden = scope.suppressed(department, len(part))
        rows.append(_row(department, unit_only, part, required, hidden))
    rows.sort(
        key=lambda r: (
            2 if r.on_pace_percent is None else r.on_pace / r.people,
            r.department.path,
        )
    )
    total = _row(scope.department, False, frame, required, False)
    return HoursReport(
        required=required,
        year=scope.today.year,
        expected_now=required * year_fraction(scope.today),
        total=total,
        rows=rows,
        sources=hour_sources(scope),
    )


def hour_sources(scope: DashboardScope) -> list[dict]:
    """Hours this year by kind of ledger line and source (course, activity, HR
    adjustment, revocation), largest first. One query."""
    prefix = "learner__learner_profile__"
    rows = (
        StudyHourEntry.objects.filter(
            year=scope.today.year, **{f"{prefix}is_active": True}
        )
        .filter(Department.subtree_q([scope.department], f"{prefix}department__"))
        .values("kind", "source_type")
        .annotate(total=Sum("hours"), lines=Count("pk"))
        .order_by("-total")
    )
    labels = dict(StudyHourEntry.Kind.choices)
    sources = {
        "course": _("Courses"),
        "h5p": _("Interactive activities"),
        "hr": _("HR adjustments"),
    }
    return [
        {
            "kind": row["kind"],
            "kind_label": labels.get(row["kind"], row["kind"]),
            "source_type": row["source_type"] or "",
            "source_label": str(sources.get(row["source_type"], row["source_type"])),
            "hours": float(row["total"] or 0),
            "lines": int(row["lines"] or 0),
        }
        for row in rows
    ]
