"""A learner's study hours for a year against the annual requirement."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from learning.hours.models import StudyHourEntry, StudyHourSettings


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
    return StudyHourSummary(year, earned, adjusted, annual_requirement(site=site))


def annual_requirement(*, site=None) -> Decimal:
    """Study hours each person must reach per year (the site setting, 50 until
    one is saved). One query; never creates the setting's row (for_site would, on
    a page view)."""
    rows = StudyHourSettings.objects.all()
    settings_row = rows.filter(site=site).first() if site is not None else rows.first()
    return Decimal(settings_row.annual_requirement if settings_row else 50)


def study_hour_entries(*, user, year: int) -> QuerySet:
    return StudyHourEntry.objects.filter(learner_id=user.pk, year=year).order_by(
        "-earned_at", "-pk"
    )
