"""The back office runs the people services, and the services ask the policy
themselves: role-scope changes reach the menus at once, a returner is reactivated
through the service, and an actor outside the scope changes nothing."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from learning import policy
from learning.models import Department, LearnerProfile, RoleScope
from learning.people import services
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def county_hr(county, client):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    client.force_login(hr.user)
    return hr.user


def shows_dashboard(user) -> bool:
    browser = Client()
    browser.force_login(user)
    return browser.get("/").context["nav_dashboard"]


def test_revoking_a_role_scope_in_the_admin_removes_the_menu_at_once(
    county, client, county_hr
):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    assert shows_dashboard(leader.user)  # the menu flags are now cached
    scope = RoleScope.objects.get(user=leader.user)

    response = client.post(reverse("role_scopes:delete", args=[scope.pk]))

    assert response.status_code == 302
    assert not RoleScope.objects.filter(pk=scope.pk).exists()
    assert not shows_dashboard(leader.user)


def test_moving_a_role_scope_in_the_admin_changes_both_menus_at_once(
    county, client, county_hr
):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    successor = person_in(county.bureau_a)
    assert shows_dashboard(leader.user)
    assert not shows_dashboard(successor.user)
    scope = RoleScope.objects.get(user=leader.user)

    response = client.post(
        reverse("role_scopes:edit", args=[scope.pk]),
        {
            "user": successor.user.pk,
            "role": RoleScope.Role.LEADER,
            "department": county.bureau_a.pk,
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    assert not shows_dashboard(leader.user)
    assert shows_dashboard(successor.user)


def test_hr_reactivates_a_returner_through_the_service(county, client, county_hr):
    returner = person_in(county.section_a1)
    services.person_deactivate(actor=None, profile=returner)
    url = reverse("people:reactivate", args=[returner.pk])

    assert client.get(reverse("people:edit", args=[returner.pk])).status_code == 200
    assert client.get(url).status_code == 200  # asks to confirm, writes nothing
    returner.refresh_from_db()
    assert not returner.is_active

    assert client.post(url).status_code == 302
    returner.refresh_from_db()
    assert returner.is_active and returner.user.is_active
    assert returner.left_on is None


def test_hr_outside_the_scope_cannot_reactivate(county, client):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_b)
    client.force_login(hr.user)
    returner = person_in(county.section_a1)
    services.person_deactivate(actor=None, profile=returner)
    client.post(reverse("people:reactivate", args=[returner.pk]))
    returner.refresh_from_db()
    assert not returner.is_active


def state() -> tuple:
    return (
        sorted(Department.objects.values_list("code", "name", "path", "is_active")),
        sorted(
            LearnerProfile.objects.values_list(
                "employee_number", "full_name", "department_id", "is_active"
            )
        ),
        sorted(RoleScope.objects.values_list("user_id", "role", "department_id")),
    )


def calls(county, other, scope):
    """Each service, asked about something in bureau B or at the top."""
    b, b1 = county.bureau_b, county.section_b1
    mine = person_in(county.section_a1)
    return {
        "department_create": lambda actor: services.department_create(
            actor=actor, code="CTY-B-9", name="越权科", kind="section", parent=b
        ),
        "department_create_root": lambda actor: services.department_create(
            actor=actor, code="ROOT2", name="另一个县", kind="county"
        ),
        "department_update": lambda actor: services.department_update(
            actor=actor, department=b1, name="改名"
        ),
        "department_move_out": lambda actor: services.department_update(
            actor=actor, department=county.section_a2, parent=b
        ),
        "department_deactivate": lambda actor: services.department_deactivate(
            actor=actor, department=b1
        ),
        "person_create": lambda actor: services.person_create(
            actor=actor, employee_number="X1", full_name="越权", department=b1
        ),
        "person_update": lambda actor: services.person_update(
            actor=actor, profile=other, full_name="改名"
        ),
        "person_move_out": lambda actor: services.person_update(
            actor=actor, profile=mine, department=b1
        ),
        "person_deactivate": lambda actor: services.person_deactivate(
            actor=actor, profile=other, left_on=datetime.date(2026, 1, 1)
        ),
        "person_reactivate": lambda actor: services.person_reactivate(
            actor=actor, profile=other
        ),
        "role_scope_grant": lambda actor: services.role_scope_grant(
            actor=actor, user=other.user, role=RoleScope.Role.HR, department=b
        ),
        "role_scope_update": lambda actor: services.role_scope_update(
            actor=actor,
            scope=scope,
            user=scope.user,
            role=RoleScope.Role.HR,
            department=b,
        ),
        "role_scope_revoke": lambda actor: services.role_scope_revoke(
            actor=actor, scope=scope
        ),
    }


SERVICES = [
    "department_create",
    "department_create_root",
    "department_update",
    "department_move_out",
    "department_deactivate",
    "person_create",
    "person_update",
    "person_move_out",
    "person_deactivate",
    "person_reactivate",
    "role_scope_grant",
    "role_scope_update",
    "role_scope_revoke",
]


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_refuses_an_actor_outside_its_scope_and_writes_nothing(county, name):
    bureau_a_hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    other = person_in(county.section_b1)
    leader_b = scoped_user(RoleScope.Role.LEADER, county.bureau_b)
    scope = RoleScope.objects.get(user=leader_b.user)
    call = calls(county, other, scope)[name]
    before = state()

    with pytest.raises(PermissionDenied):
        call(bureau_a_hr)

    assert state() == before


def test_a_leader_changes_nothing_even_in_their_own_scope(county):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a).user
    mine = person_in(county.section_a1)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=leader, profile=mine, full_name="改名")
    with pytest.raises(PermissionDenied):
        services.role_scope_grant(
            actor=leader,
            user=mine.user,
            role=RoleScope.Role.LEADER,
            department=county.section_a1,
        )
    assert not policy.has_role(mine.user, RoleScope.Role.LEADER)


def test_the_system_actor_and_hr_in_scope_may(county):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    section = services.department_create(
        actor=hr, code="CTY-A-9", name="新科", kind="section", parent=county.bureau_a
    )
    person = services.person_create(
        actor=hr, employee_number="A9", full_name="新人", department=section
    )
    services.role_scope_grant(
        actor=hr, user=person.user, role=RoleScope.Role.LEADER, department=section
    )
    assert policy.can_view_department(person.user, section)
    root = services.department_create(
        actor=None, code="ROOT2", name="另一个县", kind="county"
    )
    assert root.depth == 1


def edit_department(client, department, **changes):
    data = {
        "code": department.code,
        "name": department.name,
        "name_en": department.name_en,
        "kind": department.kind,
        "is_active": "on" if department.is_active else "",
        "parent": department.get_parent().pk,
    }
    data.update(changes)
    return client.post(reverse("departments:edit", args=[department.pk]), data)


def test_closing_a_department_by_its_checkbox_follows_the_deactivation_rule(
    county, client, county_hr
):
    person_in(county.section_a1)
    response = edit_department(client, county.bureau_a, is_active="")
    assert response.status_code == 200  # refused: people still work there
    assert Department.objects.get(pk=county.bureau_a.pk).is_active

    response = edit_department(client, county.bureau_b, is_active="")
    assert response.status_code == 302
    # The whole subtree closes, as "delete" does.
    assert not Department.objects.subtree(county.bureau_b).filter(is_active=True)


def test_a_section_reopens_only_under_an_open_parent(county, client, county_hr):
    services.department_deactivate(actor=None, department=county.bureau_b)
    section = Department.objects.get(pk=county.section_b1.pk)
    response = edit_department(client, section, is_active="on")
    assert response.status_code == 200
    assert "is_active" in response.context["form"].errors
    assert not Department.objects.get(pk=section.pk).is_active

    bureau = Department.objects.get(pk=county.bureau_b.pk)
    assert edit_department(client, bureau, is_active="on").status_code == 302
    assert edit_department(client, section, is_active="on").status_code == 302
    assert Department.objects.get(pk=section.pk).is_active
