"""Past forged H5P evidence (issue #15): before launches were required, any learner
could post statements that wrote official competency levels. The command
`revoke_unbacked_h5p_evidence` withdraws the H5P evidence no launch backs, with a
reason, recomputes the levels and records it in the audit log; evidence a launched
attempt earned stays."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.models import CompetencyLevel, Evidence
from assessments.services.evidence import evidence_record
from audit.models import AuditEntry
from learning.models import XAPIStatement
from learning.xapi.models import Credit
from learning.xapi.selectors import h5p_evidence_unbacked
from tests.factories import UserFactory
from tests.learning.test_xapi import OPTIONAL, post, scored

pytestmark = pytest.mark.django_db


def forged_in_the_past(learner, competency, *, at) -> Evidence:
    """What the store wrote before launches were required for a "passed" statement
    a learner made up: the statement counted (as migration 0010 marked the old rows)
    and H5P evidence of the activity's level, through the same service."""
    XAPIStatement.objects.create(
        statement_id="00000000-0000-4000-8000-0000000000f1",
        learner=learner,
        verb="http://adlnet.gov/expapi/verbs/passed",
        activity_iri=OPTIONAL,
        timestamp=at,
        stored=at,
        is_final=True,
        credit=Credit.COUNTED,
        body={"forged": True},
    )
    return evidence_record(
        learner=learner,
        competency=competency,
        level=2,
        kind="h5p",
        observed_at=at,
        source_type="h5p",
        source_id="00000000-0000-0000-0000-000000000002",
        source_label=OPTIONAL,
    )


def level_of(learner, competency) -> int:
    row = CompetencyLevel.objects.filter(learner=learner, competency=competency).first()
    return row.level if row is not None else 0


def run(*args) -> str:
    out = io.StringIO()
    call_command("revoke_unbacked_h5p_evidence", *args, stdout=out)
    return out.getvalue()


def test_forged_evidence_is_withdrawn_and_launched_evidence_stays(
    client, learner, activities, launches
):
    competency = activities.framework.c1
    # The learner earns the level properly: a launched attempt at the activity.
    answer = scored(
        1.0, verb="passed", activity=OPTIONAL, registration=launches[OPTIONAL]
    )
    assert post(client, answer).status_code == 200
    earned = Evidence.objects.get(learner=learner)
    # Someone else made the same level up before launches were required.
    forger = UserFactory()
    forged = forged_in_the_past(
        forger, competency, at=timezone.now() - datetime.timedelta(days=90)
    )
    assert level_of(forger, competency) == 2
    assert list(h5p_evidence_unbacked()) == [forged]

    listed = run("--dry-run")
    assert f"{forged.pk}\t{forger.pk}\t{competency.code}" in listed
    assert "1 pieces of H5P evidence would be withdrawn." in listed
    forged.refresh_from_db()
    assert forged.revoked_at is None
    assert not AuditEntry.objects.filter(action="evidence_revoke_unbacked").exists()

    assert "1 pieces of H5P evidence withdrawn." in run()
    forged.refresh_from_db()
    assert forged.revoked_at is not None
    assert "without a launch issued by the site" in forged.note
    assert level_of(forger, competency) == 0
    earned.refresh_from_db()
    assert earned.revoked_at is None
    assert level_of(learner, competency) == 2
    summary = AuditEntry.objects.get(action="evidence_revoke_unbacked")
    assert summary.changes["count"] == 1
    assert summary.changes["evidence"] == [forged.pk]
    # The withdrawal itself is in the log like any other (before -> after).
    assert AuditEntry.objects.filter(
        object_type="assessments.evidence", object_id=str(forged.pk)
    ).exists()
    # Running again finds nothing more.
    assert "0 pieces of H5P evidence withdrawn." in run()
    assert AuditEntry.objects.filter(action="evidence_revoke_unbacked").count() == 1


def test_evidence_from_before_a_later_launch_is_still_withdrawn(
    client, learner, activities, launches
):
    """A learner who forged a level and later played the activity properly keeps
    only the later, launched evidence."""
    competency = activities.framework.c1
    forged = forged_in_the_past(
        learner, competency, at=timezone.now() - datetime.timedelta(days=30)
    )
    answer = scored(
        1.0, verb="passed", activity=OPTIONAL, registration=launches[OPTIONAL]
    )
    assert post(client, answer).status_code == 200
    launched = Evidence.objects.exclude(pk=forged.pk).get(learner=learner)
    run()
    forged.refresh_from_db()
    launched.refresh_from_db()
    assert forged.revoked_at is not None
    assert launched.revoked_at is None
    assert level_of(learner, competency) == 2


def test_a_blank_reason_is_refused_and_nothing_changes(learner, activities):
    forged = forged_in_the_past(
        learner, activities.framework.c1, at=timezone.now() - datetime.timedelta(days=3)
    )
    with pytest.raises(CommandError, match="Say why"):
        run("--reason", "  ")
    forged.refresh_from_db()
    assert forged.revoked_at is None
