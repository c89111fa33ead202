"""A learner's competency profile, evidence list and learning gain."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from assessments.models import Competency, Evidence, Framework
from assessments.selectors import (
    EvidenceStatus,
    competency_profile_for,
    evidence_list,
    learning_gain,
)
from assessments.services.evidence import evidence_record, evidence_revoke
from assessments.services.frameworks import framework_load_defaults
from tests.assessments.factories import CompetencyFactory, FrameworkFactory
from tests.factories import UserFactory

NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
Kind = Evidence.Kind


@pytest.fixture
def learner(db):
    return UserFactory()


def _record(learner, code, level, kind=Kind.QUIZ, **kwargs):
    return evidence_record(
        learner=learner,
        competency=Competency.objects.get(code=code),
        level=level,
        kind=kind,
        **kwargs,
    )


@pytest.mark.django_db
def test_profile_lists_areas_in_code_order_with_every_competence(learner):
    framework_load_defaults()
    digcomp = Framework.objects.get(code="DC22")
    _record(learner, "DC22-4.2", 5)

    profile = competency_profile_for(learner=learner, framework=digcomp)

    assert [area.area.code for area in profile] == [f"DC22-{n}" for n in range(1, 6)]
    assert [c.competency.code for c in profile[3].competences] == [
        "DC22-4.1",
        "DC22-4.2",
        "DC22-4.3",
        "DC22-4.4",
    ]
    assert sum(len(area.competences) for area in profile) == 21
    privacy = profile[3].competences[1]
    assert (privacy.level, privacy.scale_max, privacy.proficient_level) == (5, 8, 4)
    assert privacy.is_proficient
    untouched = profile[3].competences[0]
    assert (untouched.level, untouched.deciding_evidence, untouched.evidence) == (
        0,
        None,
        [],
    )
    assert not untouched.is_proficient


@pytest.mark.django_db
def test_profile_marks_what_counts_and_lists_the_newest_first(learner):
    framework_load_defaults()
    with time_machine.travel(NOW - datetime.timedelta(days=400), tick=False):
        old = _record(learner, "EG-4.1", 4)  # expired after 12 months
    with time_machine.travel(NOW - datetime.timedelta(days=20), tick=False):
        withdrawn = _record(learner, "EG-4.1", 3, Kind.MANAGER)
        evidence_revoke(evidence=withdrawn)
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        counting = _record(learner, "EG-4.1", 2, Kind.H5P)
    with time_machine.travel(NOW - datetime.timedelta(days=5), tick=False):
        self_rating = _record(learner, "EG-4.1", 4, Kind.SELF)

    profile = competency_profile_for(
        learner=learner, framework=Framework.objects.get(code="CSEG"), now=NOW
    )

    security = next(
        c for area in profile for c in area.competences if c.competency.code == "EG-4.1"
    )
    assert [(e.evidence, e.status) for e in security.evidence] == [
        (self_rating, EvidenceStatus.SELF),
        (counting, EvidenceStatus.COUNTS),
        (withdrawn, EvidenceStatus.REVOKED),
        (old, EvidenceStatus.EXPIRED),
    ]
    assert [e.counts for e in security.evidence] == [False, True, False, False]
    assert security.level == 2
    assert security.self_level == 4
    assert security.deciding_evidence == counting
    assert not security.expiring_soon


@pytest.mark.django_db
def test_expiring_soon_means_the_deciding_evidence_ends_within_30_days(learner):
    framework_load_defaults()
    with time_machine.travel(NOW - datetime.timedelta(days=345), tick=False):
        _record(learner, "EG-4.1", 3)  # expires in about 20 days
    with time_machine.travel(NOW - datetime.timedelta(days=320), tick=False):
        _record(learner, "EG-4.2", 3)  # expires in about 45 days
    _record(learner, "EG-1.1", 3)  # never expires

    profile = competency_profile_for(learner=learner, now=NOW)

    by_code = {c.competency.code: c for area in profile for c in area.competences}
    assert by_code["EG-4.1"].expiring_soon
    assert not by_code["EG-4.2"].expiring_soon
    assert not by_code["EG-1.1"].expiring_soon
    # Without a framework, every active framework is listed.
    assert {area.framework.code for area in profile} == {"DC22", "CSEG"}


@pytest.mark.django_db
def test_profile_leaves_out_inactive_frameworks_and_lists_bare_areas(learner):
    framework_load_defaults()
    Framework.objects.filter(code="DC22").update(is_active=False)
    bare = CompetencyFactory(framework=FrameworkFactory(code="ZZ"), code="ZZ-1")

    profile = competency_profile_for(learner=learner)

    assert {area.framework.code for area in profile} == {"CSEG", "ZZ"}
    zz = next(area for area in profile if area.area == bare)
    assert [c.competency for c in zz.competences] == [bare]


@pytest.mark.django_db
def test_profile_query_count_does_not_grow_with_competencies(
    learner, django_assert_max_num_queries
):
    framework_load_defaults()
    for code in Competency.objects.filter(depth=2).values_list("code", flat=True):
        _record(learner, code, 2)
        _record(learner, code, 3, Kind.SELF)

    with django_assert_max_num_queries(4):
        profile = competency_profile_for(learner=learner)
        rows = [c for area in profile for c in area.competences]
        shown = [
            (c.level, c.scale_max, c.deciding_evidence.level, len(c.evidence))
            for c in rows
        ]

    assert len(rows) == Competency.objects.filter(depth=2).count() > 30
    assert all(row == (2, row[1], 2, 2) for row in shown)


@pytest.mark.django_db
def test_evidence_list_is_the_learners_own_newest_first(learner):
    framework_load_defaults()
    other = UserFactory()
    first = _record(learner, "DC22-1.1", 2, observed_at=NOW - datetime.timedelta(1))
    second = _record(learner, "DC22-1.1", 3, Kind.SELF, observed_at=NOW)
    _record(other, "DC22-1.1", 5)
    _record(learner, "DC22-1.2", 4)

    rows = list(
        evidence_list(
            learner=learner, competency=Competency.objects.get(code="DC22-1.1")
        )
    )

    assert rows == [second, first]


@pytest.mark.parametrize(
    "pre, post, gain",
    [
        (40, 70, 0.5),
        (0, 100, 1.0),
        (50, 50, 0.0),
        (50, 40, -0.2),
        (Decimal("80.00"), Decimal("90.00"), 0.5),
    ],
)
def test_learning_gain_is_normalised(pre, post, gain):
    assert learning_gain(pre_percent=pre, post_percent=post) == pytest.approx(gain)


def test_learning_gain_is_none_when_nothing_was_left_to_gain():
    assert learning_gain(pre_percent=100, post_percent=100) is None


@pytest.mark.parametrize("pre, post", [(-1, 50), (50, 101)])
def test_learning_gain_refuses_impossible_percentages(pre, post):
    with pytest.raises(ValueError, match="between 0 and 100"):
        learning_gain(pre_percent=pre, post_percent=post)


@pytest.mark.django_db
def test_profile_does_not_show_a_level_whose_evidence_expired_before_the_task_ran(
    learner,
):
    framework_load_defaults()
    with time_machine.travel(NOW - datetime.timedelta(days=400), tick=False):
        _record(learner, "EG-4.1", 3)  # valid 12 months, so expired by NOW
    _record(learner, "EG-1.1", 2)  # never expires

    profile = competency_profile_for(
        learner=learner, framework=Framework.objects.get(code="CSEG"), now=NOW
    )
    by_code = {c.competency.code: c for area in profile for c in area.competences}
    assert by_code["EG-4.1"].level == 0
    assert by_code["EG-4.1"].deciding_evidence is None
    assert by_code["EG-1.1"].level == 2
