import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from learning.hours.selectors import study_hours_summary
from learning.hours.services import (
    study_hours_adjust,
    study_hours_earn,
    study_hours_revoke,
)
from learning.models import RoleScope, StudyHourEntry
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 10, 0))


def test_earning_is_once_per_source_and_cycle_and_capped(county):
    person = person_in(county.section_a1)
    entry, created = study_hours_earn(
        learner=person.user,
        hours=Decimal("6"),
        nominal=Decimal("4"),
        source_type="course",
        source_id="12",
        source_label="安全意识",
        earned_at=NOW,
    )
    assert created and entry.hours == Decimal("4.00") and entry.year == 2026
    again, created = study_hours_earn(
        learner=person.user,
        hours=Decimal("4"),
        source_type="course",
        source_id="12",
        earned_at=NOW + datetime.timedelta(minutes=5),
    )
    assert not created and again.pk == entry.pk
    assert StudyHourEntry.objects.count() == 1

    # The next year's cycle credits the same course again.
    study_hours_earn(
        learner=person.user,
        hours=Decimal("4"),
        source_type="course",
        source_id="12",
        earned_at=NOW.replace(year=2027),
    )
    summary = study_hours_summary(user=person.user, year=2026)
    assert (summary.earned, summary.total) == (Decimal("4"), Decimal("4"))
    assert summary.required == Decimal("50") and summary.remaining == Decimal("46")


def test_nothing_or_negative_is_not_earned(county):
    person = person_in(county.section_a1)
    with pytest.raises(ValidationError):
        study_hours_earn(
            learner=person.user,
            hours=Decimal("-3"),
            source_type="course",
            source_id="1",
        )
    assert not StudyHourEntry.objects.exists()


def test_hr_adjusts_hours_in_scope_with_a_reason(county):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    mine, other = person_in(county.section_a1), person_in(county.section_b1)
    study_hours_adjust(
        actor=hr, profile=mine, hours=Decimal("8"), note="县委党校线下培训", year=2026
    )
    with pytest.raises(PermissionDenied):
        study_hours_adjust(
            actor=hr, profile=other, hours=Decimal("8"), note="越权", year=2026
        )
    with pytest.raises(ValidationError):
        study_hours_adjust(
            actor=hr, profile=mine, hours=Decimal("8"), note=" ", year=2026
        )
    summary = study_hours_summary(user=mine.user, year=2026)
    assert (summary.earned, summary.adjusted) == (Decimal("0"), Decimal("8"))
    assert StudyHourEntry.objects.count() == 1


def test_me_shows_hours_against_the_requirement(county, client):
    person = person_in(county.section_a1)
    study_hours_earn(
        learner=person.user,
        hours=Decimal("12.5"),
        source_type="course",
        source_id="3",
        source_label="数据素养",
    )
    client.force_login(person.user)
    response = client.get(reverse("learning:me"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.context["hours"].total == Decimal("12.5")
    assert "12.5" in body and "37.5 hours still to earn" in body
    assert "数据素养" in body


def test_revoking_takes_back_what_a_source_earned_once(county):
    person = person_in(county.section_a1)
    admin = None  # the system; the certificate service passes the site admin
    study_hours_earn(
        learner=person.user,
        hours=Decimal("2.5"),
        source_type="course",
        source_id="12",
        earned_at=NOW,
    )
    assert study_hours_summary(user=person.user, year=2026).total == Decimal("2.5")
    # Withdrawn in the next January: the hours leave the year they were earned in.
    later = NOW + datetime.timedelta(days=230)
    entry = study_hours_revoke(
        actor=admin,
        learner=person.user,
        source_type="course",
        source_id="12",
        cycle="2026",
        reason="证书撤销",
        now=later,
    )
    assert entry.kind == StudyHourEntry.Kind.REVOKED
    assert entry.hours == Decimal("-2.5") and entry.year == 2026
    assert entry.note == "证书撤销"
    assert study_hours_summary(user=person.user, year=2026).total == Decimal(0)
    again = study_hours_revoke(
        actor=admin,
        learner=person.user,
        source_type="course",
        source_id="12",
        cycle="2026",
        reason="again",
    )
    assert again.pk == entry.pk
    assert StudyHourEntry.objects.count() == 2
    assert (
        study_hours_revoke(
            actor=admin,
            learner=person.user,
            source_type="course",
            source_id="99",
            cycle="2026",
            reason="nothing earned",
        )
        is None
    )
