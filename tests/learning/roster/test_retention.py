"""Issue #15: an uploaded roster (names, phones, e-mails of all staff) is not kept:
deleted when applied, and after ROSTER_UPLOAD_RETENTION_DAYS if never applied; the
report stays."""

import datetime

import pytest
from django.utils import timezone

from learning.models import LearnerProfile, RosterImport
from learning.roster.apply import roster_apply, roster_uploads_purge
from learning.roster.services import roster_check
from tests.factories import UserFactory
from tests.learning.roster.test_claim import roster_csv

pytestmark = pytest.mark.django_db


def upload(county):
    admin = UserFactory(is_superuser=True, is_staff=True)
    return roster_check(
        actor=admin,
        content=roster_csv([["N1", "新人甲", "CTY-A-1"]]),
        file_name="roster.csv",
    )


def stored(roster_import) -> bytes:
    return bytes(RosterImport.objects.get(pk=roster_import.pk).content)


def test_an_applied_roster_keeps_its_report_not_its_file(county):
    checked = upload(county)
    assert stored(checked)
    applied = roster_apply(roster_import=checked)
    assert applied.status == RosterImport.Status.APPLIED
    assert stored(checked) == b""
    assert applied.report["lines"]


def test_an_unapplied_upload_is_deleted_after_the_retention(county, settings):
    settings.ROSTER_UPLOAD_RETENTION_DAYS = 30
    old, recent = upload(county), upload(county)
    RosterImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )

    assert roster_uploads_purge() == 1
    assert stored(old) == b"" and stored(recent)
    assert RosterImport.objects.get(pk=old.pk).report["lines"]

    # Applying it afterwards says why, and changes nothing.
    failed = roster_apply(roster_import=old)
    assert failed.status == RosterImport.Status.FAILED
    assert "30" in failed.error
    assert not LearnerProfile.objects.filter(employee_number="N1").exists()
