"""Reads of the organisation, already scoped by the policy and with their joins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from assessments.models import Competency, CompetencyLevel

from . import policy
from .models import (
    CompetencyTarget,
    Department,
    LearnerProfile,
    RoleScope,
    StudyHourEntry,
    StudyHourSettings,
)


def profile_get_for_user(user) -> LearnerProfile | None:
    """The signed-in user's own profile with department, position and rank."""
    return (
        LearnerProfile.objects.select_related("department", "position", "rank")
        .filter(user_id=user.pk)
        .first()
    )


def profile_list(user, *, department: Department | None = None) -> QuerySet:
    """People `user` may see, optionally within one department's subtree."""
    queryset = policy.visible_profiles(user).select_related(
        "user", "department", "position", "rank"
    )
    if department is not None:
        queryset = queryset.filter(department__path__startswith=department.path)
    return queryset


def team_filter(
    people: QuerySet,
    *,
    department: Department | None = None,
    query: str = "",
    overdue_only: bool = False,
) -> QuerySet:
    """Narrow an already scoped people list to a department subtree, a name or
    employee number, and/or people overdue with mandatory training."""
    if overdue_only:
        people = people.filter(overdue_count__gt=0)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    query = query.strip()
    if query:
        people = people.filter(
            Q(full_name__icontains=query) | Q(employee_number__icontains=query)
        )
    return people


def with_overdue_counts(people: QuerySet) -> QuerySet:
    """Annotate each person with how many mandatory cycles they are overdue on."""
    today = timezone.localdate()
    return people.annotate(
        overdue_count=Count(
            "assignments",
            filter=Q(
                assignments__state="open",
                assignments__overdue_on__lte=today,
                assignments__curriculum__status="active",
            ),
        )
    )


def role_scope_list(user) -> QuerySet:
    return RoleScope.objects.filter(user_id=user.pk).select_related("department")


def department_ancestors(department: Department) -> list[Department]:
    """The chain from the root down to `department`, in one query."""
    steplen = department.steplen
    paths = [
        department.path[:i] for i in range(steplen, len(department.path) + 1, steplen)
    ]
    return list(Department.objects.filter(path__in=paths).order_by("depth"))


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    depth: int
    active_staff: int
    subtree_staff: int


def department_headcount_rows(
    user, *, max_depth_below_root: int = 2
) -> list[DepartmentRow]:
    """The departments `user` covers down to a few levels below their scope roots, with
    active staff in each department and in its whole subtree. Two queries."""
    departments = list(
        policy.visible_departments(user)
        .filter(is_active=True)
        .annotate(active_staff=Count("members", filter=Q(members__is_active=True)))
        .order_by("path")
    )
    if not departments:
        return []
    # Subtree totals in Python over the path-ordered list: linear, no per-row query.
    totals: dict[str, int] = {d.path: 0 for d in departments}
    for department in departments:
        for i in range(
            department.steplen, len(department.path) + 1, department.steplen
        ):
            prefix = department.path[:i]
            if prefix in totals:
                totals[prefix] += department.active_staff
    root_depth = min(d.depth for d in departments)
    return [
        DepartmentRow(d, d.depth - root_depth, d.active_staff, totals[d.path])
        for d in departments
        if d.depth - root_depth <= max_depth_below_root
    ]


def targets_for_profile(profile: LearnerProfile) -> dict[int, int]:
    """Required level per competency id for this person: their position's county-wide
    targets, overridden by targets set for a department above them (the nearest
    department wins). One query; the profile's department is not loaded."""
    if profile.position_id is None:
        return {}
    learner_path = Subquery(
        Department.objects.filter(pk=profile.department_id).values("path")[:1]
    )
    rows = (
        CompetencyTarget.objects.filter(position_id=profile.position_id)
        .annotate(learner_path=learner_path)
        .filter(
            Q(department__isnull=True)
            | Q(learner_path__startswith=F("department__path"))
        )
        .values_list("competency_id", "required_level", "department__depth")
    )
    chosen: dict[int, tuple[int, int]] = {}
    for competency_id, level, depth in rows:
        rank = depth or 0
        if competency_id not in chosen or rank > chosen[competency_id][1]:
            chosen[competency_id] = (level, rank)
    return {cid: level for cid, (level, _rank) in chosen.items()}


@dataclass(frozen=True)
class CompetenceRow:
    """One competence on the learner's profile, with the target and gap."""

    profile: object  # assessments.selectors.CompetenceProfile
    target: int | None

    @property
    def gap(self) -> int:
        if self.target is None:
            return 0
        return max(self.target - self.profile.level, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.profile.level / self.profile.scale_max)

    @property
    def target_percent(self) -> int | None:
        if self.target is None:
            return None
        return round(100 * self.target / self.profile.scale_max)


@dataclass(frozen=True)
class AreaRow:
    area: object  # assessments.selectors.AreaProfile
    competences: list[CompetenceRow]

    @property
    def below_target(self) -> int:
        return sum(1 for row in self.competences if row.gap)

    @property
    def focus(self) -> list[CompetenceRow]:
        """Competences with a target or any evidence: shown open."""
        return [r for r in self.competences if r.target or r.profile.evidence]

    @property
    def others(self) -> list[CompetenceRow]:
        return [r for r in self.competences if not (r.target or r.profile.evidence)]


@dataclass(frozen=True)
class ProfileSummary:
    targets: int
    targets_met: int
    below: list[CompetenceRow]
    expiring: list[CompetenceRow]


def competency_summary(areas: list[AreaRow]) -> ProfileSummary:
    rows = [row for area in areas for row in area.competences]
    with_target = [row for row in rows if row.target]
    return ProfileSummary(
        targets=len(with_target),
        targets_met=sum(1 for row in with_target if not row.gap),
        below=[row for row in with_target if row.gap],
        expiring=[row for row in rows if row.profile.expiring_soon],
    )


def competency_rows(areas, targets: dict[int, int]) -> list[AreaRow]:
    """Attach the person's targets to their competency profile (no queries)."""
    return [
        AreaRow(
            area,
            [CompetenceRow(c, targets.get(c.competency.pk)) for c in area.competences],
        )
        for area in areas
    ]


@dataclass(frozen=True)
class StudyHourSummary:
    year: int
    earned: Decimal
    adjusted: Decimal
    required: Decimal

    @property
    def total(self) -> Decimal:
        return self.earned + self.adjusted

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, round(100 * self.total / self.required))

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.total, Decimal(0))


def study_hours_summary(*, user, year: int, site=None) -> StudyHourSummary:
    """The learner's study hours in `year` (earned, and HR adjustments including
    revocations) against the annual requirement. Two queries."""
    rows = dict(
        StudyHourEntry.objects.filter(learner_id=user.pk, year=year)
        .values("kind")
        .annotate(total=Sum("hours"))
        .values_list("kind", "total")
    )
    earned = rows.get(StudyHourEntry.Kind.EARNED) or Decimal(0)
    adjusted = (rows.get(StudyHourEntry.Kind.ADJUSTED) or Decimal(0)) + (
        rows.get(StudyHourEntry.Kind.REVOKED) or Decimal(0)
    )
    settings_row = (
        StudyHourSettings.for_site(site)
        if site is not None
        else StudyHourSettings.objects.first()
    )
    required = settings_row.annual_requirement if settings_row else Decimal(50)
    return StudyHourSummary(year, earned, adjusted, Decimal(required))


def study_hour_entries(*, user, year: int) -> QuerySet:
    return StudyHourEntry.objects.filter(learner_id=user.pk, year=year).order_by(
        "-earned_at", "-pk"
    )


@dataclass(frozen=True)
class TargetGap:
    competency: Competency
    level: int
    target: int


@dataclass(frozen=True)
class TargetSummary:
    targets: int
    targets_met: int
    below: list[TargetGap]


def target_summary(*, user, profile: LearnerProfile) -> TargetSummary:
    """How many of the position's competency targets the person meets, and the gaps
    (biggest first). Three queries; reads current levels only, so a level whose
    evidence expired within the last hour (before the hourly recompute) counts as 0
    here, never as met."""
    targets = targets_for_profile(profile)
    if not targets:
        return TargetSummary(0, 0, [])
    now = timezone.now()
    levels = dict(
        CompetencyLevel.objects.filter(learner=user, competency_id__in=list(targets))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .values_list("competency_id", "level")
    )
    short = {cid: t for cid, t in targets.items() if levels.get(cid, 0) < t}
    competencies = Competency.objects.in_bulk(list(short))
    below = sorted(
        (
            TargetGap(competencies[cid], levels.get(cid, 0), target)
            for cid, target in short.items()
            if cid in competencies
        ),
        key=lambda gap: (gap.level - gap.target, gap.competency.code),
    )
    return TargetSummary(len(targets), len(targets) - len(short), below)
