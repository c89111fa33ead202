"""Reads of the organisation, already scoped by the policy and with their joins."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, Subquery
from django.utils import timezone

from assessments.models import Competency, CompetencyLevel
from assessments.selectors import AreaProfile, CompetenceProfile
from learning.organisation.models import Department, LearnerProfile
from learning.targets.models import CompetencyTarget


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

    profile: CompetenceProfile
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
    area: AreaProfile
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
