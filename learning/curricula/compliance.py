"""Reads for the HR compliance screens: who is assigned which mandatory curriculum and
how far they are, counted in SQL inside the viewer's scope (learning.policy).

Only the cycle in force counts (learning.curricula.status: `counted`, the current
cycle kept by the sync), unless it is closed or expired. Leavers (inactive
profiles) and draft curricula are left out. The status of a cycle is
`status_expression`, the same rule /me/, /team/, reminders and digests use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr

from learning import policy
from learning.curricula.models import Assignment, AssignmentReminder, Curriculum
from learning.curricula.status import (
    COMPLIANCE_STATUSES,
    OPEN_STATUSES,
    completed_late_q,
    counted,
    status_expression,
)
from learning.organisation.models import Department


def current_assignments(*, user, today: datetime.date) -> QuerySet[Assignment]:
    """Current cycles of active people the user may see (none for plain learners),
    annotated with `compliance_status` (learning.curricula.status)."""
    if not policy.can_use_dashboard(user):
        return Assignment.objects.none()
    rows = Assignment.objects.filter(counted()).exclude(
        state__in=[Assignment.State.CLOSED, Assignment.State.EXPIRED]
    )
    if not policy.is_site_admin(user):
        rows = rows.filter(profile__in=policy.visible_profiles(user))
    return rows.annotate(compliance_status=status_expression(today))


def compliance_departments(*, user) -> list[Department]:
    """Active departments in the user's scope, in tree order (for the filter)."""
    return list(
        policy.visible_departments(user).filter(is_active=True).order_by("path")
    )


def _scope_roots(departments: list[Department]) -> list[Department]:
    """The departments of a path-ordered list that have no ancestor in the list."""
    roots: list[Department] = []
    for department in departments:
        if not any(department.path.startswith(root.path) for root in roots):
            roots.append(department)
    return roots


def compliance_curricula(*, user) -> list[Curriculum]:
    """Non-draft curricula that can reach people in the user's scope (learning.policy
    decides which owners those are). One query."""
    if not policy.can_use_dashboard(user):
        return []
    owners = policy.curriculum_owner_departments(user)
    rows = Curriculum.objects.exclude(status=Curriculum.Status.DRAFT).filter(
        owner_department__in=owners
    )
    return list(rows.order_by("status", "name", "pk"))


@dataclass
class ComplianceCounts:
    assigned: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    exempt: int = 0
    # Of `completed`, those finished after their due date.
    completed_late: int = 0

    def add(self, other: ComplianceCounts) -> None:
        for name in _COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def completion_rate(self) -> float | None:
        """Completed share of those who must complete (exempt people left out)."""
        required = self.assigned - self.exempt
        return None if required <= 0 else self.completed / required

    @property
    def completed_on_time(self) -> int:
        return self.completed - self.completed_late

    @property
    def completion_percent(self) -> int | None:
        rate = self.completion_rate
        return None if rate is None else round(rate * 100)

    def attention_key(self) -> tuple:
        """Sorts what needs attention first: the most people overdue, then the
        lowest completion, then the most not started; units with nobody to
        complete anything last."""
        rate = self.completion_rate
        return (rate is None, -self.overdue, rate or 0.0, -self.not_started)


_COUNT_FIELDS = (
    "assigned",
    "completed",
    "in_progress",
    "not_started",
    "overdue",
    "exempt",
    "completed_late",
)


@dataclass
class SummaryRow:
    """One table row: a curriculum, or a department (its subtree, or only the unit
    itself when `unit_only`)."""

    counts: ComplianceCounts
    department: Department | None = None
    curriculum: Curriculum | None = None
    unit_only: bool = False
    has_children: bool = False


@dataclass
class ComplianceSummary:
    department: Department | None
    curriculum: Curriculum | None
    by_curriculum: list[SummaryRow] = field(default_factory=list)
    by_department: list[SummaryRow] = field(default_factory=list)
    total: ComplianceCounts = field(default_factory=ComplianceCounts)
    # Counts per (curriculum id, department path of a by_department row).
    cells: dict[tuple[int, str], ComplianceCounts] = field(default_factory=dict)


def _count_aggregates() -> dict[str, Any]:
    return (
        {"assigned": Count("pk")}
        | {
            status.value: Count("pk", filter=Q(compliance_status=status))
            for status in COMPLIANCE_STATUSES
        }
        | {"completed_late": Count("pk", filter=completed_late_q())}
    )


def _filtered(
    rows: QuerySet[Assignment],
    *,
    curriculum: Curriculum | None,
    department: Department | None,
    status: str | None,
    unit_only: bool = False,
) -> QuerySet[Assignment]:
    if curriculum is not None:
        rows = rows.filter(curriculum=curriculum)
    if department is not None and unit_only:
        rows = rows.filter(profile__department=department)
    elif department is not None:
        rows = rows.filter(Department.subtree_q([department], "profile__department__"))
    if status:
        rows = rows.filter(compliance_status=status)
    return rows


def compliance_summary(
    *,
    user,
    today: datetime.date,
    curriculum: Curriculum | None = None,
    department: Department | None = None,
    status: str | None = None,
    departments: list[Department] | None = None,
    curricula: list[Curriculum] | None = None,
) -> ComplianceSummary:
    """Counts per curriculum and per department for the drill-down table.

    With a department (or a single scope root): a row for the people directly in it
    and one per direct child (each over its whole subtree). Without one: a row per
    scope root. Counted in a
    single grouped query over current cycles, whatever the number of people; the
    caller may pass the scope's `departments` and `curricula` it already loaded. The
    caller checks that `department` is in scope (compliance_departments)."""
    summary = ComplianceSummary(department=department, curriculum=curriculum)
    if not policy.can_use_dashboard(user):
        return summary
    if departments is None:
        departments = compliance_departments(user=user)
    if curricula is None:
        curricula = compliance_curricula(user=user)
    rows = _filtered(
        current_assignments(user=user, today=today),
        curriculum=curriculum,
        department=department,
        status=status,
    )

    roots = _scope_roots(departments)
    if department is None and len(roots) == 1:
        # One scope root: start the drill-down at its units.
        department = summary.department = roots[0]
    if department is not None:
        step = department.steplen
        children = [
            d
            for d in departments
            if d.depth == department.depth + 1 and d.path.startswith(department.path)
        ]
        bucket = Substr("profile__department__path", 1, (department.depth + 1) * step)
        groups = [(department, True)] + [(child, False) for child in children]
    else:
        bucket = Case(
            *[
                When(
                    Department.subtree_q([root], "profile__department__"),
                    then=Value(root.path),
                )
                for root in roots
            ],
            default=Value(""),
            output_field=CharField(),
        )
        groups = [(root, False) for root in roots]

    grouped = (
        rows.annotate(bucket=bucket)
        .values("curriculum_id", "bucket")
        .annotate(**_count_aggregates())
        .order_by()
    )
    per_curriculum: dict[int, ComplianceCounts] = {}
    per_bucket: dict[str, ComplianceCounts] = {}
    for row in grouped:
        counts = ComplianceCounts(**{name: row[name] for name in _COUNT_FIELDS})
        per_curriculum.setdefault(row["curriculum_id"], ComplianceCounts()).add(counts)
        per_bucket.setdefault(row["bucket"], ComplianceCounts()).add(counts)
        key = (row["curriculum_id"], row["bucket"])
        summary.cells.setdefault(key, ComplianceCounts()).add(counts)
        summary.total.add(counts)

    shown = [curriculum] if curriculum is not None else curricula
    summary.by_curriculum = [
        SummaryRow(counts=per_curriculum.get(c.pk, ComplianceCounts()), curriculum=c)
        for c in shown
        if c.pk in per_curriculum or c.status == Curriculum.Status.ACTIVE
    ]
    parents = {d.path[: -d.steplen] for d in departments if d.depth > 1}
    summary.by_department = [
        SummaryRow(
            counts=per_bucket.get(group.path, ComplianceCounts()),
            department=group,
            unit_only=unit_only,
            has_children=not unit_only and group.path in parents,
        )
        for group, unit_only in groups
    ]
    # Units that need attention first (not the tree's alphabetical zero rows);
    # the tree order breaks ties. sort() is stable.
    summary.by_department.sort(key=lambda row: row.counts.attention_key())
    return summary


def _last_reminder() -> Subquery:
    return Subquery(
        AssignmentReminder.objects.filter(assignment_id=OuterRef("pk"))
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )


def compliance_people(
    *,
    user,
    today: datetime.date,
    curriculum: Curriculum | None = None,
    department: Department | None = None,
    status: str | None = None,
    unit_only: bool = False,
    search: str = "",
) -> QuerySet[Assignment]:
    """Current cycles in scope matching the filters, one row per person and
    curriculum, with what the list shows already loaded (`compliance_status`,
    `last_reminded_at`), ordered by employee number. `unit_only` keeps the people
    directly in `department` (not its subtree). Paginate it; it stays a fixed number
    of queries per page."""
    rows = _filtered(
        current_assignments(user=user, today=today),
        curriculum=curriculum,
        department=department,
        status=status,
        unit_only=unit_only,
    )
    search = (search or "").strip()
    if search:
        rows = rows.filter(
            Q(profile__full_name__icontains=search)
            | Q(profile__employee_number__icontains=search)
        )
    return (
        rows.annotate(last_reminded_at=_last_reminder())
        .select_related(
            "curriculum",
            "profile__department",
            "profile__position",
            "learner__learner_profile",
        )
        .order_by("profile__employee_number", "curriculum__name", "pk")
    )


def compliance_remindable(
    *, user, people: QuerySet[Assignment]
) -> QuerySet[Assignment]:
    """The open cycles in `people` whose person the user (HR) manages: what a "remind
    now" over that list may reach."""
    if not policy.has_role(user, policy.HR):
        return people.none()
    rows = people.filter(compliance_status__in=OPEN_STATUSES)
    if not policy.is_site_admin(user):
        rows = rows.filter(profile__in=policy.managed_profiles(user))
    return rows


def compliance_reminded_today(
    *, assignments: QuerySet[Assignment], today: datetime.date
) -> int:
    """How many of `assignments` had their manual reminder for `today` already."""
    return AssignmentReminder.objects.filter(
        assignment__in=assignments.values("pk"), kind=f"manual_{today.isoformat()}"
    ).count()
