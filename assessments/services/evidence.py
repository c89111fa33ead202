"""Evidence of competence and the rule that turns it into each learner's current level.

The rule (documented in the README): a learner's current level in a competency is the
highest level among their evidence rows that are
  - of an official kind (graded quiz, interactive activity, course completion, manager
    rating, prior learning) — self-assessment is stored and shown but never counts;
  - not revoked; and
  - not expired (expires_at empty or in the future).
Ties go to the most recent evidence. No such evidence means level 0 (not shown yet).
The current level row is rewritten in the same transaction as the evidence, so readers
never see one without the other. Because expiry is time-based, each row also keeps
`valid_until` (when its deciding evidence expires); a periodic task recomputes rows
whose `valid_until` has passed.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Competency, CompetencyLevel, Evidence


def evidence_expiry(
    *, competency: Competency, observed_at: datetime.datetime, months: int | None = None
) -> datetime.datetime | None:
    """When evidence observed at `observed_at` stops counting: `months` if given (e.g.
    a course's certificate validity), else the competency's validity, else never."""
    months = months if months is not None else competency.validity_months
    if not months:
        return None
    return observed_at + relativedelta(months=months)


@transaction.atomic
def evidence_record(
    *,
    learner,
    competency: Competency,
    level: int,
    kind: str,
    observed_at: datetime.datetime | None = None,
    source_type: str = "",
    source_id: str = "",
    source_label: str = "",
    note: str = "",
    recorded_by=None,
    validity_months: int | None = None,
) -> Evidence:
    """Store one piece of evidence and update the learner's current level with it."""
    if kind not in Evidence.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of evidence.")})
    max_level = competency.framework.scale.max_level
    if not 1 <= level <= max_level:
        raise ValidationError(
            {
                "level": _("Level %(level)s is outside the scale (1–%(max)s).")
                % {"level": level, "max": max_level}
            }
        )
    observed_at = observed_at or timezone.now()
    evidence = Evidence(
        learner=learner,
        competency=competency,
        level=level,
        kind=kind,
        observed_at=observed_at,
        expires_at=evidence_expiry(
            competency=competency, observed_at=observed_at, months=validity_months
        ),
        source_type=source_type,
        source_id=str(source_id),
        source_label=source_label[:300],
        note=note,
        recorded_by=recorded_by,
    )
    evidence.full_clean()
    evidence.save()
    competency_level_recompute(learner_id=learner.pk, competency=competency)
    return evidence


@transaction.atomic
def evidence_revoke(*, evidence: Evidence) -> Evidence:
    """Withdraw evidence (e.g. a rating given in error) and recompute the level."""
    if evidence.revoked_at is None:
        evidence.revoked_at = timezone.now()
        evidence.save(update_fields=["revoked_at"])
        competency_level_recompute(
            learner_id=evidence.learner_id, competency=evidence.competency
        )
    return evidence


def competency_level_recompute(
    *, learner_id: int, competency: Competency, now: datetime.datetime | None = None
) -> CompetencyLevel:
    """Apply the level rule to one learner and competency and store the result."""
    now = now or timezone.now()
    valid = Evidence.objects.filter(
        learner_id=learner_id, competency=competency, revoked_at__isnull=True
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    best = (
        valid.filter(kind__in=Evidence.OFFICIAL_KINDS)
        .order_by("-level", "-observed_at", "-pk")
        .first()
    )
    latest_self = (
        valid.filter(kind=Evidence.Kind.SELF).order_by("-observed_at", "-pk").first()
    )
    row, _created = CompetencyLevel.objects.select_for_update().get_or_create(
        learner_id=learner_id, competency=competency
    )
    row.level = best.level if best else 0
    row.evidence = best
    row.valid_until = best.expires_at if best else None
    row.self_level = latest_self.level if latest_self else None
    row.save()
    return row


def competency_levels_expire(*, now: datetime.datetime | None = None) -> int:
    """Recompute every current level whose deciding evidence has expired. Idempotent;
    returns how many rows were recomputed."""
    now = now or timezone.now()
    stale = CompetencyLevel.objects.filter(valid_until__lte=now).select_related(
        "competency__framework__scale"
    )
    count = 0
    for row in stale.iterator(chunk_size=500):
        with transaction.atomic():
            competency_level_recompute(
                learner_id=row.learner_id, competency=row.competency, now=now
            )
        count += 1
    return count
