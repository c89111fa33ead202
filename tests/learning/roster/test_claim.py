"""The claim on a roster import: one worker applies it; a redelivered task takes
over from a worker that died and leaves a live one alone."""

import csv
import datetime
import io
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from learning.models import LearnerProfile, RosterImport
from learning.roster.apply import CLAIM_STALE_AFTER, roster_apply
from learning.roster.services import roster_check
from learning.roster.tasks import roster_import_apply
from tests.conftest import service_missing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def roster_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["工号", "姓名", "部门"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def checked(county):
    admin = UserFactory(username="siteadmin", is_superuser=True, is_staff=True)
    return roster_check(
        actor=admin,
        content=roster_csv([["N1", "新人甲", "CTY-A-1"], ["N2", "新人乙", "CTY-B-1"]]),
        file_name="roster.csv",
    )


def left_applying(roster_import, *, claimed_ago: datetime.timedelta) -> None:
    """What a worker killed in the middle of the apply leaves: the claim, and
    (its transaction gone) nothing else."""
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.APPLYING,
        claim_token="a-worker-that-died",
        claimed_at=timezone.now() - claimed_ago,
    )


def new_hires() -> int:
    return LearnerProfile.objects.filter(employee_number__in=["N1", "N2"]).count()


def test_a_redelivery_takes_over_from_a_worker_that_died(checked):
    left_applying(checked, claimed_ago=CLAIM_STALE_AFTER + datetime.timedelta(1))
    assert roster_import_apply(checked.pk) == "applied"
    assert new_hires() == 2
    checked.refresh_from_db()
    assert checked.claim_token not in ("", "a-worker-that-died")
    assert roster_import_apply(checked.pk) == "applied"  # and only once
    assert new_hires() == 2


def test_a_fresh_claim_is_taken_over_only_where_the_database_proves_it_dead(
    checked,
):
    """On PostgreSQL nobody holds the import's lock, so its worker is gone; without
    locks (SQLite) a fresh claim may belong to a live worker and is left alone."""
    left_applying(checked, claimed_ago=datetime.timedelta(minutes=1))
    status = roster_import_apply(checked.pk)
    if connection.vendor == "postgresql":
        assert (status, new_hires()) == ("applied", 2)
    else:
        assert (status, new_hires()) == ("applying", 0)


def test_a_worker_whose_claim_was_taken_over_writes_nothing(checked):
    def taken_over(done, total):
        # Another delivery claims the import while this one is writing.
        RosterImport.objects.filter(pk=checked.pk).update(claim_token="the-other")

    result = roster_apply(roster_import=checked, progress=taken_over)
    assert new_hires() == 0
    assert result.status == RosterImport.Status.APPLYING  # the other one finishes
    assert result.error == ""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_second_delivery_leaves_the_import_to_the_worker_applying_it(checked):
    if connection.vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL")
    RosterImport.objects.filter(pk=checked.pk).update(status="queued")
    # A third session holds the profiles table, so the first delivery stops in the
    # middle of its apply (holding its lock) until the test lets it go.
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute(
            f"LOCK TABLE {LearnerProfile._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
        )
    outcome: dict[str, str] = {}

    def first_delivery():
        try:
            outcome["first"] = roster_import_apply(checked.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_delivery)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        checked.refresh_from_db()
        while checked.status != "applying" and time.monotonic() < deadline:
            time.sleep(0.05)
            checked.refresh_from_db()
        assert checked.status == "applying"
        assert roster_import_apply(checked.pk) == "applying"  # the second: nothing
        checked.refresh_from_db()
        assert checked.status == "applying"
    finally:
        blocker.rollback()
        blocker.close()
        worker.join(timeout=60)
    assert outcome == {"first": "applied"}
    assert new_hires() == 2
    assert roster_import_apply(checked.pk) == "applied"
    assert new_hires() == 2
