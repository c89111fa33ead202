"""The leadership report: one department and one month, in the viewer's language.

The figures are the dashboard's own (analytics.gaps, analytics.hours and learning's
compliance summary), taken as at the end of the month (today for the month under
way), over the viewer's scope and with the same small-cell suppression. The plain
sentences are gettext templates filled from those numbers, so they read in the
active language.

Refusals a person can cause (`ReportUnavailable`, with a message saying what to do):
a month that is malformed, in the future or before the organisation's first record,
and a department with nobody in it.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Min
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from analytics.gaps import (
    BY_AREA,
    BY_COMPETENCY,
    GapCell,
    Heatmap,
    LargestGap,
    gap_counts,
    heatmap,
    largest_gaps,
)
from analytics.hours import hours_report
from analytics.scope import DashboardScope, single_param
from analytics.trends import trend_series
from assessments.models import Competency, Evidence
from courses.models import CourseCompetency, CoursePage
from courses.selectors import pages_by_key
from learning import policy
from learning.curricula.compliance import compliance_summary
from learning.hours.models import StudyHourEntry
from learning.journey.models import Enrollment
from learning.organisation.models import Department

# The organisation's first record moves only when history is back-filled.
FIRST_RECORD_CACHE_KEY = "analytics:report:first-record"
FIRST_RECORD_CACHE_SECONDS = 3600
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")
GAPS_SHOWN = 3
COURSES_PER_GAP = 2
OVERDUE_UNITS_SHOWN = 5


class ReportUnavailable(Exception):
    """The report cannot be made; `message` tells the viewer why, in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def first_record_on() -> datetime.date | None:
    """The local date of the organisation's first learning record (evidence, study
    hours or an enrolment), or None before there is any. Three queries, cached."""
    cached = cache.get(FIRST_RECORD_CACHE_KEY)
    if cached is not None:
        return cached
    candidates = [
        Evidence.objects.aggregate(first=Min("observed_at"))["first"],
        StudyHourEntry.objects.aggregate(first=Min("earned_at"))["first"],
        Enrollment.objects.aggregate(first=Min("enrolled_at"))["first"],
    ]
    moments = [moment for moment in candidates if moment is not None]
    if not moments:
        return None  # not cached: the first record may come any minute
    first = timezone.localdate(min(moments))
    cache.set(FIRST_RECORD_CACHE_KEY, first, FIRST_RECORD_CACHE_SECONDS)
    return first


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before the one `day` falls in."""
    return month_start(month_start(day) - datetime.timedelta(days=1))


def month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def report_month_check(month: datetime.date, *, today: datetime.date) -> None:
    """Refuse a month after `today`'s or before the organisation's first record."""
    if month > month_start(today):
        raise ReportUnavailable(
            _("%(month)s has not begun yet. Choose this month or an earlier one.")
            % {"month": month.strftime("%Y-%m")}
        )
    first = first_record_on()
    if first is None:
        raise ReportUnavailable(
            _(
                "There are no learning records yet, so there is nothing to report. "
                "Try again once people have started learning."
            )
        )
    if month < month_start(first):
        raise ReportUnavailable(
            _(
                "%(month)s is before the first learning record (%(first)s). "
                "Choose %(first_month)s or a later month."
            )
            % {
                "month": month.strftime("%Y-%m"),
                "first": first.isoformat(),
                "first_month": first.strftime("%Y-%m"),
            }
        )


def report_month(params: QueryDict, *, today: datetime.date) -> datetime.date:
    """The month of `?month=YYYY-MM` (default: the month before `today`'s, the last
    complete one), checked by report_month_check."""
    value = single_param(params, "month")
    if value is None:
        month = previous_month(today)
        first = first_record_on()
        if first is not None and month < month_start(first):
            month = month_start(today)  # a first month under way: report on it
    else:
        match = MONTH_RE.match(value)
        if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise ReportUnavailable(
                _("“%(value)s” is not a month. Write it as YYYY-MM, e.g. %(example)s.")
                % {
                    "value": value[:20],
                    "example": previous_month(today).strftime("%Y-%m"),
                }
            )
        month = datetime.date(int(match[1]), int(match[2]), 1)
    report_month_check(month, today=today)
    return month


@dataclass(frozen=True)
class Headline:
    staff: int
    compliance_percent: int | None
    overdue: int
    hours_median: float | None
    hours_required: float
    on_pace_percent: int | None
    at_risk: int
    targets_met_percent: int | None


@dataclass(frozen=True)
class RecommendedCourse:
    title: str
    level: int


@dataclass(frozen=True)
class GapLine:
    competency: Competency
    cell: GapCell
    courses: list[RecommendedCourse]


@dataclass(frozen=True)
class OverdueUnit:
    department: Department
    unit_only: bool
    assigned: int
    overdue: int
    completion_percent: int | None


@dataclass(frozen=True)
class TrendPoint:
    """The department's month-end figures (None: no figure, or too few people)."""

    month: datetime.date
    staff: int
    compliance_percent: float | None
    targets_met_percent: float | None
    hours_per_person: float | None


@dataclass
class LeadershipReport:
    department: Department
    month: datetime.date
    as_of: datetime.date
    generated_at: datetime.datetime
    language: str
    headline: Headline
    heatmap: Heatmap
    gaps: list[GapLine]
    overdue_units: list[OverdueUnit]
    trends: list[TrendPoint] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    @property
    def month_label(self) -> str:
        return self.month.strftime("%Y-%m")


def report_filename(department: Department, month_label: str) -> str:
    """The PDF's file name: ASCII that no header or file system can misread."""
    code = _UNSAFE_IN_FILENAME.sub("-", department.code).strip("-")[:40]
    return f"leadership-report-{code or department.pk}-{month_label}.pdf"


def _as_of(scope: DashboardScope, month: datetime.date) -> DashboardScope:
    """The scope seen at the end of `month` (now, for the month under way)."""
    end = month_end(month)
    if end >= scope.today:
        return scope
    moment = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
    ) - datetime.timedelta(microseconds=1)
    return dataclasses.replace(scope, today=end, now=moment, past=True)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def recommended_courses(
    competencies: list[Competency], *, limit: int = COURSES_PER_GAP
) -> dict[int, list[RecommendedCourse]]:
    """Per competency, the live courses that develop it, the highest level first,
    each in the active language where it has a version in it. Two queries."""
    rows = CourseCompetency.objects.filter(
        competency__in=competencies, course__live=True
    ).values_list("competency_id", "course__translation_key", "level")
    best: dict[int, dict] = {}
    for competency_id, key, level in rows:
        per_key = best.setdefault(competency_id, {})
        per_key[key] = max(level, per_key.get(key, 0))
    pages = pages_by_key(CoursePage, list({k for keys in best.values() for k in keys}))
    result: dict[int, list[RecommendedCourse]] = {}
    for competency_id, keys in best.items():
        courses = [
            RecommendedCourse(pages[key].title, level)
            for key, level in keys.items()
            if key in pages
        ]
        courses.sort(key=lambda c: (-c.level, c.title))
        result[competency_id] = courses[:limit]
    return result


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def report_trends(scope: DashboardScope) -> list[TrendPoint]:
    """The scope department's line over the twelve months up to the report's day
    (from the daily snapshots), hidden where it is a unit of 1–2 people the viewer
    may not see."""
    frame = trend_series(scope.department, until=scope.today)
    if frame.empty:
        return []
    own = frame[frame["is_scope"]]
    points = []
    for row in own.itertuples():
        hidden = scope.suppressed(scope.department, int(row.staff))
        points.append(
            TrendPoint(
                month=row.month,
                staff=int(row.staff),
                compliance_percent=None if hidden else _number(row.compliance_pct),
                targets_met_percent=None if hidden else _number(row.target_pct),
                hours_per_person=None if hidden else _number(row.hours_per_person),
            )
        )
    return points


def _change_sentence(trends: list[TrendPoint]) -> str | None:
    """What moved since the month before, from the last two points."""
    if len(trends) < 2:
        return None
    before, after = trends[-2], trends[-1]
    parts = []
    if before.compliance_percent is not None and after.compliance_percent is not None:
        parts.append(
            _("mandatory training complete %(before)s%% → %(after)s%%")
            % {
                "before": f"{before.compliance_percent:g}",
                "after": f"{after.compliance_percent:g}",
            }
        )
    if before.targets_met_percent is not None and after.targets_met_percent is not None:
        parts.append(
            _("competency targets met %(before)s%% → %(after)s%%")
            % {
                "before": f"{before.targets_met_percent:g}",
                "after": f"{after.targets_met_percent:g}",
            }
        )
    if not parts:
        return None
    return _("Since %(month)s: %(changes)s.") % {
        "month": before.month.strftime("%Y-%m"),
        "changes": _("; ").join(parts),
    }


def _sentences(
    department: Department,
    headline: Headline,
    gaps: list[GapLine],
    area_map: Heatmap,
    overdue_units: list[OverdueUnit],
    trends: list[TrendPoint],
) -> list[str]:
    """A few plain sentences, each from one figure of the report."""
    name = department.display_name
    said = []
    if gaps:
        top = gaps[0]
        said.append(
            _(
                '%(department)s has its largest gap in "%(competency)s": '
                "%(below)s of %(people)s people are below target."
            )
            % {
                "department": name,
                "competency": top.competency.display_name,
                "below": top.cell.below,
                "people": top.cell.people,
            }
        )
    elif headline.targets_met_percent is not None:
        said.append(
            _("Everyone in %(department)s meets every competency target.")
            % {"department": name}
        )
    if headline.compliance_percent is not None:
        said.append(
            ngettext(
                "%(percent)s%% of mandatory training is complete; %(count)s "
                "assignment is overdue.",
                "%(percent)s%% of mandatory training is complete; %(count)s "
                "assignments are overdue.",
                headline.overdue,
            )
            % {"percent": headline.compliance_percent, "count": headline.overdue}
        )
    if overdue_units:
        worst = overdue_units[0]
        said.append(
            _("%(unit)s has the most overdue assignments: %(count)s.")
            % {"unit": worst.department.display_name, "count": worst.overdue}
        )
    if headline.hours_median is not None and headline.on_pace_percent is not None:
        said.append(
            _(
                "The median study time this year is %(median)s of the %(required)s "
                "hours required; %(percent)s%% of staff are on pace, and "
                "%(at_risk)s are at risk of missing the requirement."
            )
            % {
                "median": f"{headline.hours_median:g}",
                "required": f"{headline.hours_required:g}",
                "percent": headline.on_pace_percent,
                "at_risk": headline.at_risk,
            }
        )
    ranked = [
        row
        for row in area_map.rows
        if not row.unit_only and row.total.percent is not None
    ]
    if len(ranked) > 1:
        low = ranked[0]  # rows come worst first
        said.append(
            _("Of the units, %(unit)s meets the fewest targets: %(percent)s%% met.")
            % {"unit": low.department.display_name, "percent": low.total.percent}
        )
    change = _change_sentence(trends)
    if change:
        said.append(change)
    return said


def leadership_report(
    scope: DashboardScope, *, month: datetime.date
) -> LeadershipReport:
    """The report on `scope.department` for `month` (checked by the caller with
    report_month). ReportUnavailable when the department has no active people, or
    so few that the viewer may not see their figures."""
    scope = _as_of(scope, month)
    hours = hours_report(scope)
    if not hours.total.people:
        raise ReportUnavailable(
            _(
                "%(department)s has no active staff, so there is nothing to report. "
                "Choose a department with people in it."
            )
            % {"department": scope.department.display_name}
        )
    if scope.suppressed(scope.department, hours.total.people):
        raise ReportUnavailable(
            _(
                "%(department)s has fewer than %(minimum)s people: its figures would "
                "identify them, so only its own leader and HR see them. Choose the "
                "unit above it."
            )
            % {
                "department": scope.department.display_name,
                "minimum": policy.SMALL_CELL,
            }
        )
    frame = gap_counts(scope.department, now=scope.now, past=scope.past)
    by_competency = heatmap(scope, by=BY_COMPETENCY, frame=frame)
    by_area = heatmap(scope, by=BY_AREA, frame=frame)
    largest: list[LargestGap] = largest_gaps(by_competency, limit=GAPS_SHOWN)
    courses = recommended_courses([gap.competency for gap in largest])
    gaps = [
        GapLine(gap.competency, gap.cell, courses.get(gap.competency.pk, []))
        for gap in largest
    ]
    summary = compliance_summary(
        user=scope.user,
        today=scope.today,
        department=scope.department,
        departments=scope.departments,
    )
    overdue_units = sorted(
        (
            OverdueUnit(
                row.department,
                row.unit_only,
                row.counts.assigned,
                row.counts.overdue,
                row.counts.completion_percent,
            )
            for row in summary.by_department
            if row.department is not None
            and row.counts.overdue
            and not scope.suppressed(row.department, row.counts.assigned)
        ),
        key=lambda unit: (-unit.overdue, unit.department.path),
    )[:OVERDUE_UNITS_SHOWN]
    people = sum(cell.people for cell in by_competency.total)
    met = sum(cell.met for cell in by_competency.total)
    headline = Headline(
        staff=hours.total.people,
        compliance_percent=summary.total.completion_percent,
        overdue=summary.total.overdue,
        hours_median=(
            round(hours.total.median, 1) if hours.total.median is not None else None
        ),
        hours_required=hours.required,
        on_pace_percent=_percent(hours.total.on_pace, hours.total.people),
        at_risk=hours.total.at_risk,
        targets_met_percent=_percent(met, people),
    )
    trends = report_trends(scope)
    return LeadershipReport(
        department=scope.department,
        month=month,
        as_of=scope.today,
        generated_at=timezone.now(),
        language=get_language() or "",
        headline=headline,
        heatmap=by_area,
        gaps=gaps,
        overdue_units=overdue_units,
        trends=trends,
        sentences=_sentences(
            scope.department, headline, gaps, by_area, overdue_units, trends
        ),
    )
