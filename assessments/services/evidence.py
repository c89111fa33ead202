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
    competency.framework.scale.level_validate(level)
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
def evidence_revoke(
    *,
    evidence: Evidence,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Evidence:
    """Withdraw evidence (e.g. a rating given in error, a certificate withdrawn) and
    recompute the level in the same transaction; the reason joins the note.
    Withdrawing twice changes nothing more."""
    if evidence.revoked_at is None:
        evidence.revoked_at = now or timezone.now()
        fields = ["revoked_at"]
        if reason.strip():
            evidence.note = "\n".join(
                part for part in (evidence.note, reason.strip()) if part
            )
            fields.append("note")
        evidence.save(update_fields=fields)
        competency_level_recompute(
            learner_id=evidence.learner_id, competency=evidence.competency
        )
    return evidence


def competency_level_recompute(
    *, learner_id: int, competency: Competency, now: datetime.datetime | None = None
) -> CompetencyLevel:
    """Apply the level rule to one learner and competency and store the result."""
    competency_levels_recompute_many(
        learner_id=learner_id, competency_ids=[competency.pk], now=now
    )
    return CompetencyLevel.objects.get(learner_id=learner_id, competency=competency)


def competency_levels_recompute_many(
    *, learner_id: int, competency_ids: list[int], now: datetime.datetime | None = None
) -> None:
    """Apply the level rule (module docstring) to several competencies of one learner
    in three queries: the highest level of valid official evidence, ties to the most
    recent; the latest valid self-assessment kept apart. The one place the rule is
    written; every write of evidence ends here."""
    if not competency_ids:
        return
    now = now or timezone.now()
    # Lock the rows that exist before reading the evidence, as the single version does.
    list(
        CompetencyLevel.objects.select_for_update()
        .filter(learner_id=learner_id, competency_id__in=competency_ids)
        .values_list("pk", flat=True)
    )
    best: dict[int, Evidence] = {}
    latest_self: dict[int, Evidence] = {}
    valid = (
        Evidence.objects.filter(
            learner_id=learner_id,
            competency_id__in=competency_ids,
            revoked_at__isnull=True,
            kind__in=[*Evidence.OFFICIAL_KINDS, Evidence.Kind.SELF],
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .only("pk", "competency_id", "level", "kind", "observed_at", "expires_at")
    )
    for evidence in valid:
        cid = evidence.competency_id
        if evidence.kind == Evidence.Kind.SELF:
            held = latest_self.get(cid)
            if held is None or (evidence.observed_at, evidence.pk) > (
                held.observed_at,
                held.pk,
            ):
                latest_self[cid] = evidence
            continue
        held = best.get(cid)
        rank = (evidence.level, evidence.observed_at, evidence.pk)
        if held is None or rank > (held.level, held.observed_at, held.pk):
            best[cid] = evidence
    rows = []
    for cid in competency_ids:
        top, own = best.get(cid), latest_self.get(cid)
        rows.append(
            CompetencyLevel(
                learner_id=learner_id,
                competency_id=cid,
                level=top.level if top else 0,
                evidence=top,
                valid_until=top.expires_at if top else None,
                self_level=own.level if own else None,
            )
        )
    CompetencyLevel.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["learner", "competency"],
        update_fields=["level", "evidence", "valid_until", "self_level", "updated_at"],
    )


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
