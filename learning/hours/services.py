"""The study-hour (学时) ledger: entries earned by completion and HR's adjustments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning import policy
from learning.hours.models import StudyHourEntry
from learning.organisation.models import (
    LearnerProfile,
)


def _local_year(moment: datetime.datetime) -> int:
    return timezone.localtime(moment).year


@transaction.atomic
def study_hours_earn(
    *,
    learner,
    hours: Decimal,
    source_type: str,
    source_id: str,
    source_label: str = "",
    cycle: str = "",
    nominal: Decimal | None = None,
    earned_at: datetime.datetime | None = None,
) -> tuple[StudyHourEntry, bool]:
    """Credit study hours for finishing something, once per source and cycle (a
    double click, a replay or a retried task credits nothing more), never more than
    its nominal value. Returns the entry and whether it was created now."""
    hours = Decimal(hours)
    if hours <= 0:
        raise ValidationError({"hours": _("Earned hours must be more than zero.")})
    if nominal is not None:
        hours = min(hours, Decimal(nominal))
    earned_at = earned_at or timezone.now()
    cycle = cycle or str(_local_year(earned_at))
    existing = StudyHourEntry.objects.filter(
        learner=learner,
        source_type=source_type,
        source_id=str(source_id),
        cycle=cycle,
        kind=StudyHourEntry.Kind.EARNED,
    ).first()
    if existing is not None:
        return existing, False
    entry = StudyHourEntry.objects.create(
        learner=learner,
        year=_local_year(earned_at),
        hours=hours,
        kind=StudyHourEntry.Kind.EARNED,
        source_type=source_type,
        source_id=str(source_id),
        source_label=source_label[:300],
        cycle=cycle,
        earned_at=earned_at,
    )
    return entry, True


@transaction.atomic
def study_hours_adjust(
    *,
    actor,
    profile: LearnerProfile,
    hours: Decimal,
    note: str,
    year: int,
    now: datetime.datetime | None = None,
) -> StudyHourEntry:
    """An HR correction (plus or minus) with its reason, for a person in scope, e.g.
    hours from training taken outside the platform. `now`: when it was recorded
    (the demo's history), the present by default."""
    if not policy.can_manage_person(actor, profile):
        raise PermissionDenied(_("You may adjust hours only for people you manage."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the hours are adjusted.")})
    hours = Decimal(hours)
    if hours == 0 or abs(hours) > 200:
        raise ValidationError(
            {"hours": _("Give a number of hours between -200 and 200, not zero.")}
        )
    return StudyHourEntry.objects.create(
        learner=profile.user,
        year=year,
        hours=hours,
        kind=StudyHourEntry.Kind.ADJUSTED,
        source_type="hr",
        note=note.strip(),
        recorded_by=actor,
        earned_at=now or timezone.now(),
    )


@transaction.atomic
def study_hours_revoke(
    *,
    actor,
    learner,
    source_type: str,
    source_id: str,
    cycle: str,
    reason: str,
    now: datetime.datetime | None = None,
) -> StudyHourEntry | None:
    """Take back the hours a source earned in a cycle (e.g. a withdrawn certificate):
    a revoking line of the same hours, negative, in the year they were earned, so
    the year's total drops and the ledger keeps both lines. None when the source
    earned nothing; revoking twice writes nothing more."""
    source_id = str(source_id)
    earned = StudyHourEntry.objects.filter(
        learner=learner,
        source_type=source_type,
        source_id=source_id,
        cycle=cycle,
        kind=StudyHourEntry.Kind.EARNED,
    ).first()
    if earned is None:
        return None
    revoked = StudyHourEntry.objects.filter(
        learner=learner,
        source_type=source_type,
        source_id=source_id,
        cycle=cycle,
        kind=StudyHourEntry.Kind.REVOKED,
    ).first()
    if revoked is not None:
        return revoked
    entry = StudyHourEntry(
        learner=learner,
        year=earned.year,
        hours=-earned.hours,
        kind=StudyHourEntry.Kind.REVOKED,
        source_type=source_type,
        source_id=source_id,
        source_label=earned.source_label,
        cycle=cycle,
        note=reason.strip(),
        recorded_by=actor,
        earned_at=now or timezone.now(),
    )
    entry.full_clean()
    entry.save()
    return entry
