"""Reads for competence: a learner's competency profile, their evidence, and the
normalised learning gain of a pre/post-test pair."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Competency, CompetencyLevel, Evidence, Framework, ScaleLevel

EXPIRING_SOON = datetime.timedelta(days=30)


class EvidenceStatus:
    """Why a piece of evidence does or does not count towards the official level."""

    COUNTS = "counts"
    SELF = "self"
    EXPIRED = "expired"
    REVOKED = "revoked"

    labels = {
        COUNTS: _("Counts"),
        SELF: _("Self-assessment, shown apart"),
        EXPIRED: _("Expired"),
        REVOKED: _("Withdrawn"),
    }


@dataclass(frozen=True)
class EvidenceEntry:
    evidence: Evidence
    status: str

    @property
    def counts(self) -> bool:
        return self.status == EvidenceStatus.COUNTS

    @property
    def status_label(self) -> str:
        return str(EvidenceStatus.labels[self.status])


@dataclass
class CompetenceProfile:
    competency: Competency
    level: int
    self_level: int | None
    deciding_evidence: Evidence | None
    valid_until: datetime.datetime | None
    scale_max: int
    proficient_level: int
    expiring_soon: bool
    evidence: list[EvidenceEntry] = field(default_factory=list)

    @property
    def is_proficient(self) -> bool:
        return self.level >= self.proficient_level

    @property
    def levels(self) -> range:
        return range(1, self.scale_max + 1)


@dataclass
class AreaProfile:
    area: Competency
    competences: list[CompetenceProfile]

    @property
    def framework(self) -> Framework:
        return self.area.framework


def _status(evidence: Evidence, now: datetime.datetime) -> str:
    if evidence.revoked_at is not None:
        return EvidenceStatus.REVOKED
    if evidence.expires_at is not None and evidence.expires_at <= now:
        return EvidenceStatus.EXPIRED
    if evidence.kind not in Evidence.OFFICIAL_KINDS:
        return EvidenceStatus.SELF
    return EvidenceStatus.COUNTS


def level_in_force_q(now: datetime.datetime, prefix: str = "") -> Q:
    """Current levels (CompetencyLevel rows, or a relation to them through `prefix`)
    whose deciding evidence has not expired. A level past its date counts as 0 until
    the hourly recompute stores the next one: never as met."""
    return Q(**{f"{prefix}valid_until__isnull": True}) | Q(
        **{f"{prefix}valid_until__gt": now}
    )


def evidence_counts_at_q(at: datetime.datetime, prefix: str = "") -> Q:
    """The level rule's evidence (assessments.services.evidence) as it stood at a
    past moment `at`: of an official kind, observed by then, not yet withdrawn and
    not yet expired. On Evidence rows, or a relation to them through `prefix`."""
    return (
        Q(**{f"{prefix}kind__in": Evidence.OFFICIAL_KINDS})
        & Q(**{f"{prefix}observed_at__lte": at})
        & (
            Q(**{f"{prefix}revoked_at__isnull": True})
            | Q(**{f"{prefix}revoked_at__gt": at})
        )
        & (
            Q(**{f"{prefix}expires_at__isnull": True})
            | Q(**{f"{prefix}expires_at__gt": at})
        )
    )


def levels_at(at: datetime.datetime) -> QuerySet:
    """Each learner's official level per competency at a past moment `at`, the
    level rule applied to the evidence of then: rows `learner_id`, `competency_id`,
    `level` (the highest level of evidence that counted; pairs without any are
    absent, i.e. level 0). Filter it further before evaluating. A stored current
    level whose evidence has just expired reads as 0 (`level_in_force_q`) until the
    hourly recompute; this rule already falls back to the next evidence."""
    return (
        Evidence.objects.filter(evidence_counts_at_q(at))
        .values("learner_id", "competency_id")
        .annotate(level=Max("level"))
        .order_by()
    )


def competency_profile_for(
    *,
    learner,
    framework: Framework | None = None,
    now: datetime.datetime | None = None,
) -> list[AreaProfile]:
    """The learner's profile per area (root competency, in the framework's order):
    for each competence under it, the current level (0 when none), the latest
    self-assessed level, the deciding evidence, the scale's maximum and proficient
    level, every piece of evidence (most recent first, each marked whether it
    counts) and whether the deciding evidence expires within 30 days. Without
    `framework`, every active framework. An area with no competences below it is
    listed as its own competence. Runs in four queries however many competencies
    there are."""
    now = now or timezone.now()
    competencies = Competency.objects.select_related(
        "framework__scale"
    ).prefetch_related(
        Prefetch(
            "framework__scale__levels",
            queryset=ScaleLevel.objects.order_by("value"),
        )
    )
    if framework is not None:
        competencies = competencies.filter(framework=framework)
    else:
        competencies = competencies.filter(framework__is_active=True)
    # Paths sort depth-first and siblings in the order they were created (the
    # framework file's order), so each area is followed by its competences.
    nodes = list(competencies.order_by("path"))
    ids = [node.pk for node in nodes]
    levels = {
        row.competency_id: row
        for row in CompetencyLevel.objects.filter(
            learner=learner, competency_id__in=ids
        ).select_related("evidence")
    }
    evidence_by_competency: dict[int, list[Evidence]] = {}
    for evidence in (
        Evidence.objects.filter(learner=learner, competency_id__in=ids)
        .select_related("recorded_by")
        .order_by("-observed_at", "-pk")
    ):
        evidence_by_competency.setdefault(evidence.competency_id, []).append(evidence)

    areas: list[AreaProfile] = []
    for node in nodes:
        if node.depth == 1:
            areas.append(AreaProfile(area=node, competences=[]))
            continue
        if areas and node.path.startswith(areas[-1].area.path):
            areas[-1].competences.append(
                _competence(node, levels, evidence_by_competency, now)
            )
    for area in areas:
        if not area.competences:
            area.competences.append(
                _competence(area.area, levels, evidence_by_competency, now)
            )
    return areas


def _competence(
    node: Competency,
    levels: dict[int, CompetencyLevel],
    evidence_by_competency: dict[int, list[Evidence]],
    now: datetime.datetime,
) -> CompetenceProfile:
    scale = node.framework.scale
    row = levels.get(node.pk)
    entries = [
        EvidenceEntry(evidence=evidence, status=_status(evidence, now))
        for evidence in evidence_by_competency.get(node.pk, [])
    ]
    deciding = row.evidence if row else None
    valid_until = row.valid_until if row else None
    level = row.level if row else 0
    if valid_until is not None and valid_until <= now:
        # The stored level's evidence has expired and the periodic recompute has not
        # run yet: apply the same rule to the evidence already loaded.
        counting = [e.evidence for e in entries if e.counts]
        deciding = max(
            counting, key=lambda e: (e.level, e.observed_at, e.pk), default=None
        )
        level = deciding.level if deciding else 0
        valid_until = deciding.expires_at if deciding else None
    return CompetenceProfile(
        competency=node,
        level=level,
        self_level=row.self_level if row else None,
        deciding_evidence=deciding,
        valid_until=valid_until,
        scale_max=scale.max_level,
        proficient_level=scale.proficient_level,
        expiring_soon=bool(
            level
            and valid_until is not None
            and now < valid_until <= now + EXPIRING_SOON
        ),
        evidence=entries,
    )


def evidence_list(*, learner, competency: Competency) -> QuerySet[Evidence]:
    """Every piece of the learner's evidence for one competency, most recent first,
    including self-assessments, expired and withdrawn rows (see EvidenceStatus)."""
    return (
        Evidence.objects.filter(learner=learner, competency=competency)
        .select_related("competency", "recorded_by")
        .order_by("-observed_at", "-pk")
    )


def evidence_counting_list(
    *, learner, competency: Competency, now: datetime.datetime | None = None
) -> QuerySet[Evidence]:
    """Only the evidence that counts towards the official level right now."""
    now = now or timezone.now()
    return evidence_list(learner=learner, competency=competency).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        revoked_at__isnull=True,
        kind__in=Evidence.OFFICIAL_KINDS,
    )


def learning_gain(
    *, pre_percent: float | Decimal, post_percent: float | Decimal
) -> float | None:
    """Normalised gain (post − pre) / (100 − pre), from percentages 0–100: 1.0 means
    the learner gained everything there was to gain, 0 nothing, below 0 a drop. None
    when the pre-test was already 100%, as there was nothing left to gain."""
    pre, post = float(pre_percent), float(post_percent)
    for value in (pre, post):
        if not 0 <= value <= 100:
            raise ValueError(f"A percentage must be between 0 and 100, not {value}.")
    if pre >= 100:
        return None
    return (post - pre) / (100 - pre)
