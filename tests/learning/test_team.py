import pytest
from django.urls import reverse

from assessments.models import Competency, Evidence
from assessments.services.frameworks import framework_load_defaults
from learning.models import RoleScope
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(county, client):
    framework_load_defaults()
    profile = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    client.force_login(profile.user)
    return profile


def test_leader_lists_and_filters_people_in_scope(client, county, leader):
    person_in(county.section_a1, full_name="张窗口")
    person_in(county.section_a2, full_name="李审批")
    person_in(county.section_b1, full_name="王财政")

    names = [p.full_name for p in client.get(reverse("learning:team")).context["page"]]
    assert "张窗口" in names and "李审批" in names and "王财政" not in names

    response = client.get(
        reverse("learning:team"), {"department": county.section_a1.pk}
    )
    assert [p.full_name for p in response.context["page"]] == ["张窗口"]
    response = client.get(reverse("learning:team"), {"q": "审批"})
    assert [p.full_name for p in response.context["page"]] == ["李审批"]


def test_filtering_by_a_department_outside_scope_is_refused(client, county, leader):
    person_in(county.section_b1, full_name="王财政")
    response = client.get(reverse("learning:team"), {"department": county.bureau_b.pk})
    assert response.context["form"].errors
    names = [p.full_name for p in response.context["page"]]
    assert "王财政" not in names


def test_leader_rates_a_person_from_their_page(client, county, leader):
    person = person_in(county.section_a1)
    competency = Competency.objects.get(code="EG-1.2")
    page = client.get(reverse("learning:team_member", args=[person.pk]))
    assert page.status_code == 200 and page.context["can_rate"]
    assert "DigComp 2.2" in page.content.decode()  # the CC BY credit is shown

    response = client.post(
        reverse("learning:team_rate", args=[person.pk]),
        {"competency": competency.pk, "level": 3, "comment": "窗口业务熟练"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(learner=person.user)
    assert (evidence.kind, evidence.level, evidence.note) == (
        "manager",
        3,
        "窗口业务熟练",
    )


def test_a_person_outside_scope_is_not_found(client, county, leader):
    outsider = person_in(county.section_b1)
    competency = Competency.objects.get(code="EG-1.2")
    assert (
        client.get(reverse("learning:team_member", args=[outsider.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("learning:team_rate", args=[outsider.pk]),
        {"competency": competency.pk, "level": 3, "comment": "越权"},
    )
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_rating_without_a_reason_changes_nothing(client, county, leader):
    person = person_in(county.section_a1)
    competency = Competency.objects.get(code="EG-1.2")
    response = client.post(
        reverse("learning:team_rate", args=[person.pk]),
        {"competency": competency.pk, "level": 3, "comment": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not Evidence.objects.exists()


def test_hr_sees_people_but_cannot_rate(client, county):
    framework_load_defaults()
    hr = scoped_user(RoleScope.Role.HR, county.county)
    person = person_in(county.section_a1)
    client.force_login(hr.user)
    page = client.get(reverse("learning:team_member", args=[person.pk]))
    assert page.status_code == 200 and not page.context["can_rate"]
    client.post(
        reverse("learning:team_rate", args=[person.pk]),
        {
            "competency": Competency.objects.get(code="EG-1.2").pk,
            "level": 2,
            "comment": "x",
        },
    )
    assert not Evidence.objects.exists()


def test_learners_have_no_team_pages(client, county):
    learner = person_in(county.section_a1)
    colleague = person_in(county.section_a1)
    client.force_login(learner.user)
    assert client.get(reverse("learning:team")).status_code == 403
    assert (
        client.get(reverse("learning:team_member", args=[colleague.pk])).status_code
        == 404
    )


def test_a_leaver_is_not_shown_or_rated(client, county, leader):
    from learning.people.services import person_deactivate

    person = person_in(county.section_a1)
    person_deactivate(actor=None, profile=person)
    assert (
        client.get(reverse("learning:team_member", args=[person.pk])).status_code == 404
    )
