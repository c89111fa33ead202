"""What each dashboard page shows, with the tables its exports hold. The figures
come from analytics.gaps / hours / effect and learning's compliance selectors;
this module only arranges them per page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from analytics.charts import LineChart, line_chart
from analytics.effect import CourseEffect, course_effects
from analytics.gaps import (
    BY_AREA,
    BY_COMPETENCY,
    Heatmap,
    LargestGap,
    PersonGap,
    gap_counts,
    gap_people,
    heatmap,
    largest_gaps,
)
from analytics.hours import HoursReport, hours_report
from analytics.models import DepartmentSnapshot
from analytics.scope import DashboardScope, id_param, single_param
from analytics.tables import Table, rounded, shown
from analytics.trends import first_month, trend_series
from assessments.models import Competency
from courses.models import CourseCompetency
from learning.curricula.compliance import (
    ComplianceCounts,
    ComplianceSummary,
    compliance_curricula,
    compliance_summary,
)
from learning.curricula.models import Curriculum
from learning.organisation.models import Department
from learning.organisation.selectors import department_paths


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# Overview ---------------------------------------------------------------------------


@dataclass
class Overview:
    staff: int
    hidden: bool
    compliance: ComplianceCounts
    hours: HoursReport
    areas: Heatmap
    gaps: list[LargestGap]
    tables: list[Table] = field(default_factory=list)
    # Change since a month ago per headline ("compliance", "hours", "targets"):
    # (delta, direction) from the daily snapshots, absent without history.
    changes: dict = field(default_factory=dict)
    targets_percent: int | None = None
    # The months a leadership report can be asked for (latest first).
    report_months: list[datetime.date] = field(default_factory=list)

    @property
    def area_cells(self) -> list:
        return list(zip(self.areas.columns, self.areas.total, strict=True))

    @property
    def on_pace_percent(self) -> int | None:
        return self.hours.total.on_pace_percent


def overview(scope: DashboardScope) -> Overview:
    frame = gap_counts(scope.department, now=scope.now)
    hours_result = hours_report(scope)
    staff = hours_result.total.people
    summary = compliance_summary(
        user=scope.user, today=scope.today, department=scope.department
    )
    result = Overview(
        staff=staff,
        hidden=scope.suppressed(scope.department, staff),
        compliance=summary.total,
        hours=hours_result,
        areas=heatmap(scope, by=BY_AREA, frame=frame),
        gaps=largest_gaps(heatmap(scope, by=BY_COMPETENCY, frame=frame)),
    )
    result.report_months = [first_month(scope.today, n) for n in range(1, 13)]
    hide = result.hidden
    targets = sum(cell.people for cell in result.areas.total)
    met = sum(cell.met for cell in result.areas.total)
    result.targets_percent = None if hide or not targets else round(100 * met / targets)
    if not hide:
        result.changes = _changes(
            scope,
            {
                "compliance": summary.total.completion_rate,
                "targets": met / targets if targets else None,
                "on_pace": (hours_result.total.on_pace / staff if staff else None),
            },
        )
    table = Table("overview", _("Overview"), [_("Figure"), _("Value")])
    table.add(_("Staff"), staff)
    table.add(
        _("Mandatory curricula completed (%)"),
        shown(summary.total.completion_percent, hide),
    )
    table.add(_("Overdue assignments"), shown(summary.total.overdue, hide))
    table.add(_("Competency targets met (%)"), shown(result.targets_percent, hide))
    table.add(
        _("Median study hours this year"),
        shown(rounded(hours_result.total.median), hide),
    )
    table.add(
        _("On pace for the annual requirement (%)"), shown(result.on_pace_percent, hide)
    )
    table.add(
        _("At risk of missing the requirement"), shown(hours_result.total.at_risk, hide)
    )
    for area, cell in zip(result.areas.columns, result.areas.total, strict=True):
        table.add(
            _("Targets met (%%): %(area)s") % {"area": area.display_name},
            shown(cell.percent, hide or cell.hidden),
        )
    result.tables = [table, _heatmap_table(scope, result.areas, "areas")]
    return result


@dataclass(frozen=True)
class Change:
    """A headline's change since about a month ago (percentage points)."""

    delta: float

    @property
    def direction(self) -> str:
        if abs(self.delta) < 0.5:
            return "same"
        return "up" if self.delta > 0 else "down"

    @property
    def delta_text(self) -> str:
        return f"{self.delta:+.0f}"


def month_ago_snapshot(
    department: Department, *, today: datetime.date
) -> DepartmentSnapshot | None:
    """The department's last daily snapshot at least 30 days before `today`."""
    return (
        DepartmentSnapshot.objects.filter(
            department=department, day__lte=today - datetime.timedelta(days=30)
        )
        .order_by("-day")
        .first()
    )


def _changes(scope: DashboardScope, now: dict[str, float | None]) -> dict[str, Change]:
    """Each headline's change against the department's last snapshot at least 30
    days old (none without one)."""
    past = month_ago_snapshot(scope.department, today=scope.today)
    if past is None:
        return {}
    then = {
        "compliance": ComplianceCounts(
            assigned=past.assigned, completed=past.completed, exempt=past.exempt
        ).completion_rate,
        "targets": past.targets_met / past.targets if past.targets else None,
        "on_pace": past.on_pace / past.staff if past.staff else None,
    }
    changes = {}
    for key, value in now.items():
        before = then.get(key)
        if value is not None and before is not None:
            changes[key] = Change(round(100 * (value - before), 1))
    return changes


# Gaps ---------------------------------------------------------------------------------


@dataclass
class GapsPage:
    heatmap: Heatmap
    tables: list[Table]
    # Competencies with people below target here that no published course
    # develops (for course editors), with how many are below.
    uncovered: list[LargestGap] = field(default_factory=list)


def _heatmap_table(scope: DashboardScope, result: Heatmap, name: str) -> Table:
    names = department_paths([row.department for row in result.rows])
    columns = [_("Department")]
    for column in result.columns:
        columns += [
            _("%(name)s: targets met (%%)") % {"name": column.display_name},
            _("%(name)s: mean shortfall") % {"name": column.display_name},
            _("%(name)s: people with a target") % {"name": column.display_name},
        ]
    table = Table(name, _("Competency gaps"), columns)
    for row in result.rows:
        label = names[row.department.path]
        if row.unit_only:
            label = _("%(name)s (own staff)") % {"name": label}
        values: list = [label]
        for cell in row.cells:
            values += [
                shown(cell.percent, cell.hidden),
                shown(rounded(cell.mean_shortfall, 2), cell.hidden),
                shown(cell.people, cell.hidden),
            ]
        table.rows.append(values)
    return table


def gaps(scope: DashboardScope, *, by: str) -> GapsPage:
    if by not in (BY_COMPETENCY, BY_AREA):
        raise Http404(_("Unknown breakdown."))
    frame = gap_counts(scope.department, now=scope.now)
    result = heatmap(scope, by=by, frame=frame)
    detail = result if by == BY_COMPETENCY else heatmap(scope, frame=frame)
    below = {
        column.pk: LargestGap(column, cell)
        for column, cell in zip(detail.columns, detail.total, strict=True)
        if cell.below
    }
    covered = set(
        CourseCompetency.objects.filter(
            course__live=True, competency_id__in=list(below)
        ).values_list("competency_id", flat=True)
    )
    uncovered = [gap for cid, gap in below.items() if cid not in covered]
    return GapsPage(result, [_heatmap_table(scope, result, "gaps")], uncovered)


@dataclass(frozen=True)
class Cell:
    """A heatmap cell named in a URL: a department in the scope (its subtree, or
    only its own staff) and a competency or area."""

    department: Department
    unit_only: bool
    competency: Competency

    def query(self, scope: DashboardScope) -> str:
        params = QueryDict(mutable=True)
        params["department"] = str(scope.department.pk)
        params["cell"] = str(self.department.pk)
        params["competency"] = str(self.competency.pk)
        if self.unit_only:
            params["unit"] = "1"
        return params.urlencode()


def cell_from(scope: DashboardScope, params: QueryDict) -> Cell:
    """The cell a drill-down or action URL names; 404 when the competency does not
    exist or the cell's department is not the chosen one or below it."""
    competency_id = id_param(params, "competency")
    competency = (
        Competency.objects.filter(pk=competency_id).first() if competency_id else None
    )
    if competency is None:
        raise Http404(_("No such competency."))
    cell_id = id_param(params, "cell")
    department: Department | None = scope.department
    if cell_id is not None and cell_id != scope.department.pk:
        # Any active unit below the chosen department (which is in the scope).
        department = Department.objects.filter(
            pk=cell_id, is_active=True, path__startswith=scope.department.path
        ).first()
    if department is None:
        raise Http404(_("No such department in your scope."))
    unit = single_param(params, "unit")
    if unit not in (None, "1"):
        raise Http404(_("The address has a malformed %(name)s.") % {"name": "unit"})
    return Cell(department, unit == "1", competency)


@dataclass
class CellPeople:
    people: list[PersonGap]
    tables: list[Table]


def cell_hidden(scope: DashboardScope, cell: Cell) -> bool:
    """Is the heatmap's figure for this cell hidden from the viewer (small cells
    and the figures hidden with them)? Then so are its people."""
    by = BY_AREA if cell.competency.depth == 1 else BY_COMPETENCY
    result = heatmap(scope, by=by)
    index = next(
        (i for i, c in enumerate(result.columns) if c.pk == cell.competency.pk), None
    )
    if cell.department == scope.department and not cell.unit_only:
        return index is not None and result.total[index].hidden
    row = next(
        (
            r
            for r in result.rows
            if r.department == cell.department and r.unit_only == cell.unit_only
        ),
        None,
    )
    if row is not None:
        return index is not None and row.cells[index].hidden
    # A unit further down: its own figure decides.
    frame = gap_counts(cell.department, now=scope.now, past=scope.past)
    competences = set(
        Competency.objects.filter(path__startswith=cell.competency.path).values_list(
            "pk", flat=True
        )
    )
    if cell.unit_only:
        frame = frame[frame["department_id"] == cell.department.pk]
    people = frame[frame["competency_id"].isin(list(competences))]["people"].sum()
    return scope.suppressed(cell.department, int(people))


def require_cell_shown(scope: DashboardScope, cell: Cell) -> None:
    """404 for a cell whose figure the viewer sees as "—": its people and the
    plan to close its gap would give the figure away."""
    if cell_hidden(scope, cell):
        raise Http404(
            _(
                "This figure covers fewer than 3 people; only the unit's HR "
                "officers and its own leader see it."
            )
        )


def cell_people(scope: DashboardScope, cell: Cell) -> CellPeople:
    require_cell_shown(scope, cell)
    people = gap_people(
        scope,
        department=cell.department,
        unit_only=cell.unit_only,
        competency=cell.competency,
    )
    return CellPeople(people, [people_table(people)])


def people_table(people: list[PersonGap]) -> Table:
    """The people below target as an exportable table."""
    names = department_paths({p.profile.department for p in people})
    table = Table(
        "people",
        _("People below target"),
        [
            _("Employee number"),
            _("Name"),
            _("Department"),
            _("Position"),
            _("Competency"),
            _("Level"),
            _("Target"),
            _("Gap"),
            _("Evidence date"),
        ],
    )
    for gap in people:
        table.add(
            gap.profile.employee_number,
            gap.profile.full_name,
            names[gap.profile.department.path],
            str(gap.profile.position) if gap.profile.position_id else "",
            f"{gap.competency.code} {gap.competency.display_name}",
            gap.level,
            gap.target,
            gap.gap,
            gap.evidence_at.date().isoformat() if gap.evidence_at else "",
        )
    return table


# Compliance ---------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    department: Department
    unit_only: bool
    counts: ComplianceCounts
    hidden: bool
    rank: int | None = None

    @property
    def overdue_percent(self) -> int | None:
        required = self.counts.assigned - self.counts.exempt
        return None if self.hidden else _percent(self.counts.overdue, required)


def _count_cells(counts: ComplianceCounts, hide: bool) -> list:
    """A compliance table's figures in column order ("—" when hidden)."""
    return [
        shown(value, hide)
        for value in (
            counts.assigned,
            counts.completed_on_time,
            counts.completed_late,
            counts.in_progress,
            counts.not_started,
            counts.overdue,
            counts.exempt,
            counts.completion_percent,
        )
    ]


@dataclass
class CompliancePage:
    summary: ComplianceSummary
    curriculum: Curriculum | None
    rows: list[ComplianceRow]
    by_curriculum: list
    tables: list[Table]
    # The headline's figures cover too few people for this viewer.
    hidden: bool = False


def compliance(scope: DashboardScope, *, curriculum_id: int | None) -> CompliancePage:
    curriculum = None
    if curriculum_id is not None:
        curriculum = next(
            (c for c in compliance_curricula(user=scope.user) if c.pk == curriculum_id),
            None,
        )
        if curriculum is None:
            raise Http404(_("No such curriculum in your scope."))
    summary = compliance_summary(
        user=scope.user,
        today=scope.today,
        department=scope.department,
        curriculum=curriculum,
        departments=scope.departments,
    )
    rows = [
        ComplianceRow(
            row.department,
            row.unit_only,
            row.counts,
            scope.suppressed(row.department, row.counts.assigned),
        )
        for row in summary.by_department
        if row.department is not None and (row.counts.assigned or not row.unit_only)
    ]

    def slowest(row: ComplianceRow):
        rate = row.counts.completion_rate
        return (
            row.hidden or rate is None,
            rate if rate is not None else 2,
            row.department.path,
        )

    rows.sort(key=slowest)
    ranked = sorted(
        (r for r in rows if not r.hidden and r.counts.completion_rate is not None),
        key=lambda r: (-(r.counts.completion_rate or 0), r.counts.overdue),
    )
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    names = department_paths([r.department for r in rows])
    columns = [
        pgettext("position in a league table", "Rank"),
        _("Department"),
        _("Assigned"),
        _("Completed on time"),
        _("Completed late"),
        _("In progress"),
        _("Not started"),
        _("Overdue"),
        _("Exempt"),
        _("Completion rate (%)"),
    ]
    by_unit = Table("units", _("Compliance by unit"), columns)
    for row in rows:
        c, hide = row.counts, row.hidden
        label = names[row.department.path]
        if row.unit_only:
            label = _("%(name)s (own staff)") % {"name": label}
        by_unit.add(shown(row.rank, hide), label, *_count_cells(c, hide))
    by_course = Table(
        "curricula",
        _("Compliance by curriculum and unit"),
        [_("Curriculum"), *columns[1:]],
    )
    for item in summary.by_curriculum:
        if item.curriculum is None:
            continue
        for row in rows:
            counts = summary.cells.get((item.curriculum.pk, row.department.path))
            if counts is None or not counts.assigned:
                continue
            hide = scope.suppressed(row.department, counts.assigned)
            label = names[row.department.path]
            if row.unit_only:
                label = _("%(name)s (own staff)") % {"name": label}
            by_course.add(
                item.curriculum.display_name, label, *_count_cells(counts, hide)
            )
    per_curriculum = Table(
        "by_curriculum", _("Compliance by curriculum"), [_("Curriculum"), *columns[2:]]
    )
    for item in summary.by_curriculum:
        if item.curriculum is None:
            continue
        c = item.counts
        hide = scope.suppressed(scope.department, c.assigned)
        per_curriculum.add(item.curriculum.display_name, *_count_cells(c, hide))
    return CompliancePage(
        summary,
        curriculum,
        rows,
        summary.by_curriculum,
        [by_unit, per_curriculum, by_course],
        hidden=scope.suppressed(scope.department, summary.total.assigned),
    )


# Hours --------------------------------------------------------------------------------


@dataclass
class HoursPage:
    report: HoursReport
    tables: list[Table]


def hours(scope: DashboardScope) -> HoursPage:
    report = hours_report(scope)
    names = department_paths([r.department for r in report.rows])
    table = Table(
        "hours",
        _("Study hours by unit"),
        [
            _("Department"),
            _("People"),
            _("Median hours"),
            _("Mean hours"),
            _("On pace (%)"),
            _("Requirement met"),
            _("At risk"),
            _("Under 25 %"),
            _("25–50 %"),
            _("50–75 %"),
            _("75–100 %"),
            _("Met"),
        ],
    )
    for row in report.rows:
        hide = row.hidden
        label = names[row.department.path]
        if row.unit_only:
            label = _("%(name)s (own staff)") % {"name": label}
        table.add(
            label,
            row.people,
            shown(rounded(row.median), hide),
            shown(rounded(row.mean), hide),
            shown(row.on_pace_percent, hide),
            shown(row.met, hide),
            shown(row.at_risk, hide),
            *(shown(n, hide) for n in row.bands),
        )
    sources = Table(
        "sources",
        _("Sources of study hours"),
        [_("Kind"), _("Source"), _("Hours"), _("Entries")],
    )
    for source in report.sources:
        sources.add(
            str(source["kind_label"]),
            source["source_label"],
            rounded(source["hours"]),
            source["lines"],
        )
    return HoursPage(report, [table, sources])


# Effect -------------------------------------------------------------------------------


@dataclass
class EffectPage:
    courses: list[CourseEffect]
    tables: list[Table]


def effect(scope: DashboardScope) -> EffectPage:
    courses = course_effects(scope)
    table = Table(
        "effect",
        _("Training effect by course"),
        [
            _("Course"),
            _("Enrolled"),
            _("Completed"),
            _("Completion rate (%)"),
            _("Median days to complete"),
            _("Satisfaction (1–5)"),
            _("Satisfaction responses"),
            _("Learning gain (mean)"),
            _("Learning gain 95% CI low"),
            _("Learning gain 95% CI high"),
            _("Pre/post pairs"),
            _("Leader rating change (mean)"),
            _("Rating pairs"),
        ],
    )
    for item in courses:
        hide = item.hidden
        table.add(
            item.course.title,
            shown(item.enrolled, hide),
            shown(item.completed, hide),
            shown(item.completion_percent, hide),
            shown(rounded(item.median_days), hide),
            shown(rounded(item.satisfaction, 2), hide),
            shown(item.responses, hide),
            shown(rounded(item.gain.mean, 3), hide),
            shown(rounded(item.gain.low, 3), hide),
            shown(rounded(item.gain.high, 3), hide),
            shown(item.gain.n, hide),
            shown(rounded(item.rating_change.mean, 2), hide),
            shown(item.rating_change.n, hide),
        )
    return EffectPage(courses, [table])


# Trends -------------------------------------------------------------------------------

MEASURES = (
    ("compliance_pct", gettext_lazy("Mandatory training completed (%)"), 100.0, "%"),
    ("target_pct", gettext_lazy("Competency targets met (%)"), 100.0, "%"),
    ("hours_per_person", gettext_lazy("Study hours per person this year"), None, ""),
)


@dataclass
class TrendsPage:
    charts: list[LineChart]
    months: list[str]
    tables: list[Table]


def trends(scope: DashboardScope, *, months: int = 12) -> TrendsPage:
    """Month-end lines of the scope and, in the tables, of each sub-unit (a unit
    whose staff is too small for this viewer shows "—")."""
    frame = trend_series(scope.department, until=scope.today, months=months)
    first = first_month(scope.today, months)
    month_days = [
        datetime.date(
            first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1
        )
        for i in range(months)
    ]
    labels = [f"{day:%Y-%m}" for day in month_days]
    departments = {scope.department.pk: scope.department} | {
        child.pk: child for child in scope.children
    }
    names = department_paths(departments.values())
    charts = []
    tables = []
    own = frame[frame["is_scope"]] if len(frame) else frame
    for column, title, maximum, unit in MEASURES:
        by_month = dict(zip(own["month"], own[column], strict=True)) if len(own) else {}
        own_staff = (
            dict(zip(own["month"], own["staff"], strict=True)) if len(own) else {}
        )
        values = [
            None
            if scope.suppressed(scope.department, int(own_staff.get(day) or 0))
            else _number(by_month.get(day))
            for day in month_days
        ]
        charts.append(
            line_chart(
                str(title),
                labels,
                [(scope.department.display_name, values)],
                maximum=maximum,
                unit=unit,
            )
        )
        table = Table(
            column.replace("_pct", ""), str(title), [_("Department"), *labels]
        )
        for department_id, department in departments.items():
            rows = (
                frame[frame["department_id"] == department_id] if len(frame) else frame
            )
            if department_id != scope.department.pk and rows.empty:
                continue
            by_day = (
                dict(zip(rows["month"], rows[column], strict=True)) if len(rows) else {}
            )
            staff = (
                dict(zip(rows["month"], rows["staff"], strict=True))
                if len(rows)
                else {}
            )
            table.rows.append(
                [names[department.path]]
                + [
                    shown(
                        rounded(_number(by_day.get(day))),
                        scope.suppressed(department, int(staff.get(day) or 0)),
                    )
                    for day in month_days
                ]
            )
        tables.append(table)
    return TrendsPage(charts, labels, tables)


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value  # NaN: no figure that month
