"""Reads of the organisation, already scoped by the policy and with their joins."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.db.models import Subquery
from django.utils import timezone

from assessments.models import Competency, CompetencyLevel
from assessments.selectors import AreaProfile, CompetenceProfile, level_in_force_q
from learning.organisation.models import Department, LearnerProfile
from learning.targets.models import CompetencyTarget

_TARGET_COLUMNS = ["position_id", "competency_id", "required_level", "target_path"]
_RESOLVED_COLUMNS = ["path", "position_id", "competency_id", "required_level"]


def targets_resolved(pairs: pd.DataFrame) -> pd.DataFrame:
    """THE target rule, for many people at once. `pairs` has one row per distinct
    (department `path`, `position_id`); the answer has a row per pair and
    competency with its `required_level`: the position's county-wide target,
    overridden by a target set for the department or one above it (the nearest
    department wins). One query over the targets of those positions; matching is a
    join per length of department path, so it grows with the pairs and the targets
    that reach them, not with their product."""
    positions = [int(p) for p in pairs["position_id"].dropna().unique()]
    if not positions:
        return pd.DataFrame(columns=_RESOLVED_COLUMNS)
    targets = pd.DataFrame(
        CompetencyTarget.objects.filter(position_id__in=positions).values_list(
            "position_id", "competency_id", "required_level", "department__path"
        ),
        columns=_TARGET_COLUMNS,
    )
    return _resolve(pairs, targets)


def _resolve(pairs: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    if targets.empty:
        return pd.DataFrame(columns=_RESOLVED_COLUMNS)
    pairs = pairs[["path", "position_id"]].dropna().drop_duplicates()
    pairs = pairs.astype({"position_id": "int64"})
    targets = targets.assign(target_path=targets["target_path"].fillna(""))
    # County-wide targets reach every pair of their position (rank 0); a
    # department's reaches the pairs whose path starts with its own, found by
    # joining on the path's prefix of that length (no pair × target product).
    found = [
        pairs.merge(
            targets[targets["target_path"] == ""].drop(columns="target_path"),
            on="position_id",
        ).assign(rank=0)
    ]
    overrides = targets[targets["target_path"] != ""]
    for size, group in overrides.groupby(overrides["target_path"].str.len()):
        found.append(
            pairs.assign(target_path=pairs["path"].str.slice(0, int(size)))
            .merge(group, on=["position_id", "target_path"])
            .drop(columns="target_path")
            .assign(rank=int(size))
        )
    candidates = pd.concat(found, ignore_index=True)
    chosen = candidates.sort_values("rank", kind="stable").drop_duplicates(
        ["path", "position_id", "competency_id"], keep="last"
    )
    return chosen[_RESOLVED_COLUMNS].reset_index(drop=True)


def targets_for_profile(profile: LearnerProfile) -> dict[int, int]:
    """Required level per competency id for this person (the rule of
    `targets_resolved`). One query: the position's targets, each carrying the
    person's department path."""
    if profile.position_id is None:
        return {}
    rows = list(
        CompetencyTarget.objects.filter(position_id=profile.position_id)
        .annotate(
            person_path=Subquery(
                Department.objects.filter(pk=profile.department_id).values("path")[:1]
            )
        )
        .values_list(
            "position_id",
            "competency_id",
            "required_level",
            "department__path",
            "person_path",
        )
    )
    if not rows:
        return {}
    pairs = pd.DataFrame({"path": [rows[0][4]], "position_id": [profile.position_id]})
    targets = pd.DataFrame([row[:4] for row in rows], columns=_TARGET_COLUMNS)
    chosen = _resolve(pairs, targets)
    return {
        int(cid): int(level)
        for cid, level in zip(
            chosen["competency_id"], chosen["required_level"], strict=True
        )
    }


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
        .filter(level_in_force_q(now))
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
