"""HR officers manage the organisation in Wagtail's admin, inside their scope only."""

import pytest
from django.urls import reverse

from learning.models import Department, LearnerProfile, RoleScope
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


def assert_denied(response):
    """Wagtail's admin answers a PermissionDenied with a redirect to its dashboard."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home")


@pytest.fixture
def bureau_hr(county, client, password):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a)
    client.force_login(hr.user)
    return hr


def test_department_index_lists_only_the_hr_subtree(county, client, bureau_hr):
    response = client.get(reverse("departments:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "窗口服务科" in body
    assert "财政局" not in body
    assert "预算科" not in body


def test_editing_a_department_outside_scope_is_forbidden(county, client, bureau_hr):
    url = reverse("departments:edit", args=[county.section_b1.pk])
    assert_denied(client.get(url))
    response = client.post(
        url, {"code": "CTY-B-1", "name": "改名", "kind": "section", "is_active": "on"}
    )
    assert_denied(response)
    assert Department.objects.get(pk=county.section_b1.pk).name == "预算科"


def test_hr_creates_a_section_in_scope(county, client, bureau_hr):
    response = client.post(
        reverse("departments:add"),
        {
            "code": "CTY-A-3",
            "name": "政务公开科",
            "name_en": "Open Government Section",
            "kind": "section",
            "is_active": "on",
            "parent": county.bureau_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Department.objects.get(code="CTY-A-3")
    assert created.get_parent().pk == county.bureau_a.pk


def test_hr_cannot_create_under_a_department_outside_scope(county, client, bureau_hr):
    response = client.post(
        reverse("departments:add"),
        {
            "code": "CTY-B-9",
            "name": "越权科",
            "kind": "section",
            "is_active": "on",
            "parent": county.bureau_b.pk,
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "parent" in response.context["form"].errors
    assert not Department.objects.filter(code="CTY-B-9").exists()


def test_people_index_and_edit_respect_scope(county, client, bureau_hr):
    mine = person_in(county.section_a1, full_name="张窗口")
    other = person_in(county.section_b1, full_name="王财政")

    body = client.get(reverse("people:index")).content.decode()
    assert "张窗口" in body
    assert "王财政" not in body
    assert_denied(client.get(reverse("people:edit", args=[other.pk])))
    assert client.get(reverse("people:edit", args=[mine.pk])).status_code == 200


def test_hr_adds_a_person_and_the_account_exists(county, client, bureau_hr):
    response = client.post(
        reverse("people:add"),
        {
            "employee_number": "QX90001",
            "full_name": "孙新人",
            "department": county.section_a2.pk,
            "hire_date": "2026-09-01",
            "email": "sun@example.org",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    profile = LearnerProfile.objects.get(employee_number="QX90001")
    assert profile.user.email == "sun@example.org"
    assert profile.department == county.section_a2


def test_deleting_a_person_deactivates_them(county, client, bureau_hr):
    person = person_in(county.section_a1)
    response = client.post(reverse("people:delete", args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert not person.user.is_active


def test_a_leader_has_no_back_office(county, client):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    client.force_login(leader.user)
    response = client.get(reverse("departments:index"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response.url or response.url == "/admin/"


@pytest.mark.parametrize("view", ["history", "usage"])
def test_history_and_usage_of_out_of_scope_records_are_refused(
    county, client, bureau_hr, view
):
    other = person_in(county.section_b1, full_name="王财政")
    for name, pk in (("people", other.pk), ("departments", county.section_b1.pk)):
        response = client.get(reverse(f"{name}:{view}", args=[pk]))
        assert_denied(response)
        assert "王财政" not in response.content.decode()
    mine = person_in(county.section_a1)
    assert client.get(reverse(f"people:{view}", args=[mine.pk])).status_code == 200


def test_bureau_hr_reads_but_cannot_change_positions_and_ranks(
    county, client, bureau_hr
):
    from tests.factories import PositionFactory, RankFactory

    position, rank = PositionFactory(title="局长"), RankFactory()
    assert client.get(reverse("positions:index")).status_code == 200
    assert_denied(client.get(reverse("positions:edit", args=[position.pk])))
    assert_denied(client.get(reverse("ranks:edit", args=[rank.pk])))
    response = client.post(
        reverse("positions:edit", args=[position.pk]),
        {"code": position.code, "title": "改名", "is_leader": "on"},
    )
    assert_denied(response)
    position.refresh_from_db()
    assert position.title == "局长"


def test_county_hr_changes_positions(county, client):
    from tests.factories import PositionFactory

    hr = scoped_user(RoleScope.Role.HR, county.county)
    client.force_login(hr.user)
    position = PositionFactory(title="科员")
    response = client.post(
        reverse("positions:edit", args=[position.pk]),
        {"code": position.code, "title": "一级科员", "title_en": "Staff"},
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.title == "一级科员"


def test_deleting_a_department_with_staff_is_refused(county, client, bureau_hr):
    person_in(county.section_a2)
    response = client.post(
        reverse("departments:delete", args=[county.section_a2.pk]), follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert Department.objects.get(pk=county.section_a2.pk).is_active


def test_deleting_an_empty_department_deactivates_it_and_keeps_the_row(
    county, client, bureau_hr
):
    response = client.post(reverse("departments:delete", args=[county.section_a2.pk]))
    assert response.status_code == 302
    section = Department.objects.get(pk=county.section_a2.pk)
    assert not section.is_active


def test_hr_cannot_record_themself_as_a_leaver(county, client, bureau_hr):
    response = client.post(reverse("people:delete", args=[bureau_hr.pk]))
    assert response.status_code == 302
    bureau_hr.refresh_from_db()
    assert bureau_hr.is_active and bureau_hr.user.is_active


def test_a_target_off_the_scale_is_refused_on_the_form(county, client):
    from assessments.models import Competency
    from assessments.services.frameworks import framework_load_defaults
    from learning.models import CompetencyTarget
    from tests.factories import PositionFactory

    framework_load_defaults()
    hr = scoped_user(RoleScope.Role.HR, county.county)
    client.force_login(hr.user)
    response = client.post(
        reverse("targets:add"),
        {
            "position": PositionFactory().pk,
            "competency": Competency.objects.get(code="EG-1.1").pk,  # 4 levels
            "required_level": 5,
            "department": "",
        },
    )
    assert response.status_code == 200
    # The scale's one rule, in the officer's language (zh-Hans by default).
    assert "请选择1至4之间的等级" in str(
        response.context["form"].errors["required_level"]
    )
    assert not CompetencyTarget.objects.exists()
