import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import CompetencyLevel, Evidence
from assessments.services.frameworks import framework_load_defaults
from learning.models import RoleScope
from learning.targets.models import CompetencyTarget
from learning.targets.selectors import targets_for_profile
from learning.targets.services import manager_rating_record, target_set, target_update
from tests.factories import PositionFactory, person_in, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def frameworks(db):
    framework_load_defaults()
    from assessments.models import Competency

    return {c.code: c for c in Competency.objects.select_related("framework__scale")}


def test_leader_rating_of_a_person_in_scope_is_evidence(county, frameworks):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user
    person = person_in(county.section_a1)

    evidence = manager_rating_record(
        rater=leader,
        profile=person,
        competency=frameworks["EG-1.1"],
        level=3,
        comment="Handles the one-stop platform alone, trains new window staff.",
    )
    assert evidence.kind == Evidence.Kind.MANAGER
    assert evidence.recorded_by == leader
    level = CompetencyLevel.objects.get(
        learner=person.user, competency=frameworks["EG-1.1"]
    )
    assert level.level == 3


def test_rating_outside_scope_is_refused_and_writes_nothing(county, frameworks):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user
    outsider = person_in(county.section_b1)
    with pytest.raises(PermissionDenied):
        manager_rating_record(
            rater=leader,
            profile=outsider,
            competency=frameworks["EG-1.1"],
            level=2,
            comment="Not my department",
        )
    assert not Evidence.objects.exists()


def test_hr_or_self_cannot_give_a_manager_rating(county, frameworks):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    for rater, person in ((hr.user, person_in(county.bureau_a)), (leader.user, leader)):
        with pytest.raises(PermissionDenied):
            manager_rating_record(
                rater=rater,
                profile=person,
                competency=frameworks["DC22-4.1"],
                level=4,
                comment="x",
            )
    assert not Evidence.objects.exists()


def test_rating_level_outside_the_scale_is_refused(county, frameworks):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user
    person = person_in(county.section_a1)
    with pytest.raises(ValidationError):
        manager_rating_record(
            rater=leader,
            profile=person,
            competency=frameworks["EG-1.1"],  # a 4-level scale
            level=5,
            comment="Too high",
        )
    with pytest.raises(ValidationError):
        manager_rating_record(
            rater=leader,
            profile=person,
            competency=frameworks["EG-1.1"],
            level=2,
            comment="   ",
        )
    assert not Evidence.objects.exists()


def test_department_target_overrides_the_county_wide_one(county, frameworks):
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    window = PositionFactory(code="CKRY", title="窗口工作人员")
    person = person_in(county.section_a1, position=window)
    competency = frameworks["EG-1.2"]

    target_set(actor=hr, position=window, competency=competency, required_level=2)
    assert targets_for_profile(person) == {competency.pk: 2}

    target_set(
        actor=hr,
        position=window,
        competency=competency,
        required_level=3,
        department=county.bureau_a,
    )
    assert targets_for_profile(person) == {competency.pk: 3}
    # Someone in another bureau keeps the county-wide target.
    other = person_in(county.section_b1, position=window)
    assert targets_for_profile(other) == {competency.pk: 2}


def test_bureau_hr_sets_targets_only_inside_its_bureau(county, frameworks):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    window = PositionFactory(code="CKRY")
    competency = frameworks["EG-1.2"]
    with pytest.raises(PermissionDenied):
        target_set(actor=hr, position=window, competency=competency, required_level=2)
    with pytest.raises(PermissionDenied):
        target_set(
            actor=hr,
            position=window,
            competency=competency,
            required_level=2,
            department=county.bureau_b,
        )
    target = target_set(
        actor=hr,
        position=window,
        competency=competency,
        required_level=2,
        department=county.section_a1,
    )
    assert target.required_level == 2
    with pytest.raises(ValidationError):
        target_set(
            actor=hr,
            position=window,
            competency=competency,
            required_level=9,
            department=county.section_a1,
        )
    target.refresh_from_db()
    assert target.required_level == 2


def test_moving_a_target_to_another_department_replaces_it_in_scope_only(
    county, frameworks
):
    hr_a = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    position = PositionFactory()
    competency = frameworks["EG-1.1"]
    target = target_set(
        actor=hr_a,
        position=position,
        competency=competency,
        required_level=2,
        department=county.section_a1,
    )
    moved = target_update(
        actor=hr_a,
        target=target,
        position=position,
        competency=competency,
        required_level=3,
        department=county.section_a2,
    )
    assert list(CompetencyTarget.objects.values_list("pk", flat=True)) == [moved.pk]
    assert (moved.department, moved.required_level) == (county.section_a2, 3)
    # Moving it out of the HR officer's subtree is refused and changes nothing.
    with pytest.raises(PermissionDenied):
        target_update(
            actor=hr_a,
            target=moved,
            position=position,
            competency=competency,
            required_level=3,
            department=county.section_b1,
        )
    moved.refresh_from_db()
    assert moved.department == county.section_a2


def test_a_target_off_the_scale_gets_the_scale_rule_message(county, frameworks):
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    with pytest.raises(ValidationError) as refused:
        target_set(
            actor=hr,
            position=PositionFactory(),
            competency=frameworks["EG-1.1"],  # a 4-level scale
            required_level=5,
        )
    assert "choose a level from 1 to 4" in str(refused.value.message_dict)
    assert not CompetencyTarget.objects.exists()
