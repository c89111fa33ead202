import pytest

from learning import policy
from learning.models import Department, RoleScope
from learning.people.services import department_update, person_deactivate
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_leader_sees_own_bureau_and_its_sections_but_not_a_sibling(county):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user

    assert codes(policy.visible_departments(leader)) == {"CTY-A", "CTY-A-1", "CTY-A-2"}
    assert policy.can_view_department(leader, county.section_a1)
    assert not policy.can_view_department(leader, county.bureau_b)
    assert not policy.can_view_department(leader, county.county)
    # Leaders see; only HR changes the organisation.
    assert not policy.can_manage_department(leader, county.bureau_a)
    assert codes(policy.managed_departments(leader)) == set()


def test_leader_sees_people_in_scope_only(county):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user
    mine = person_in(county.section_a2)
    other = person_in(county.section_b1)

    visible = policy.visible_profiles(leader)
    assert mine in visible
    assert other not in visible
    assert policy.can_view_person(leader, mine)
    assert not policy.can_view_person(leader, other)
    assert not policy.can_manage_person(leader, mine)


def test_county_hr_sees_and_manages_everything_in_the_county(county):
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    anyone = person_in(county.township_office)

    assert codes(policy.visible_departments(hr)) == set(
        Department.objects.values_list("code", flat=True)
    )
    assert policy.can_manage_department(hr, county.township_office)
    assert policy.can_manage_person(hr, anyone)
    assert anyone in policy.managed_profiles(hr)


def test_bureau_hr_cannot_touch_another_bureau(county):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_b).user
    assert policy.can_manage_department(hr, county.section_b1)
    assert not policy.can_manage_department(hr, county.section_a1)
    assert not policy.can_manage_person(hr, person_in(county.bureau_a))


def test_learner_sees_only_themself(county):
    me = person_in(county.section_a1)
    colleague = person_in(county.section_a1)

    assert list(policy.visible_profiles(me.user)) == [me]
    assert policy.can_view_person(me.user, me)
    assert not policy.can_view_person(me.user, colleague)
    assert not policy.visible_departments(me.user).exists()
    assert not policy.can_use_dashboard(me.user)
    assert not policy.managed_profiles(me.user).exists()


def test_deactivated_people_see_nothing(county):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    person_deactivate(actor=None, profile=hr)
    hr.user.refresh_from_db()

    assert not policy.visible_departments(hr.user).exists()
    assert not policy.visible_profiles(hr.user).exists()
    assert not policy.can_view_person(hr.user, hr)
    assert not policy.can_use_dashboard(hr.user)


def test_deactivated_profile_with_active_account_still_sees_nothing(county):
    # A leaver whose account was not yet closed (e.g. edited by hand) stays locked out.
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    leader.is_active = False
    leader.save()

    assert not policy.can_view_department(leader.user, county.bureau_a)


def test_anonymous_sees_nothing(county):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not policy.visible_departments(anonymous).exists()
    assert not policy.visible_profiles(anonymous).exists()
    assert not policy.can_view_department(anonymous, county.county)


def test_scope_follows_a_department_moved_into_it(county):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user
    assert not policy.can_view_department(leader, county.section_b1)

    department_update(actor=None, department=county.section_b1, parent=county.bureau_a)
    moved = Department.objects.get(pk=county.section_b1.pk)

    policy.clear_cache(leader)
    assert policy.can_view_department(leader, moved)


def test_visible_departments_is_one_query(county, django_assert_num_queries):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    hr = type(hr).objects.get(pk=hr.pk)
    # profile check + scope paths + the departments themselves
    with django_assert_num_queries(3):
        list(policy.visible_departments(hr))
    with django_assert_num_queries(1):
        list(policy.visible_departments(hr))


def test_site_admin_is_asked_of_the_policy(county):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    assert policy.is_site_admin(admin)
    assert policy.can_add_department(admin, None)
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    assert not policy.is_site_admin(hr)
    assert not policy.can_add_department(hr, None)  # a new top: site admins only
    assert policy.can_add_department(hr, county.township)
    admin.is_active = False
    assert not policy.is_site_admin(admin)
    assert not policy.can_add_department(admin, None)


def test_a_deactivated_hr_officer_loses_the_back_office(county):
    from learning.people.organisation_admin import department_policy

    hr = scoped_user(RoleScope.Role.HR, county.county)
    assert department_policy.user_has_permission(hr.user, "change")
    person_deactivate(actor=None, profile=hr)
    hr.user.refresh_from_db()
    assert not department_policy.user_has_permission(hr.user, "change")
