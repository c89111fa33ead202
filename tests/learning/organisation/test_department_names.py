"""A unit is named with enough of its path to tell it apart: 综合科 exists in dozens
of units. Screens show the path below the county; files, the whole path."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from learning.models import Department, RoleScope
from learning.organisation.selectors import department_labels, department_paths
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_general_offices(county):
    """Both bureaus have a section called 综合科."""
    offices = [county.section_a2.pk, county.section_b1.pk]
    Department.objects.filter(pk__in=offices).update(
        name="综合科", name_en="General Office"
    )
    county.section_a2.refresh_from_db()
    county.section_b1.refresh_from_db()
    return county


def test_paths_and_labels_in_two_queries(two_general_offices):
    county = two_general_offices
    units = [county.county, county.bureau_a, county.section_a2, county.section_b1]
    with translation.override("zh-hans"), CaptureQueriesContext(connection) as queries:
        paths = department_paths(units)
        labels = department_labels(units)
    assert len(queries) == 2
    assert paths[county.section_a2.path] == "测试县 / 行政审批服务局 / 综合科"
    assert paths[county.section_b1.path] == "测试县 / 财政局 / 综合科"
    assert labels[county.section_a2.path] == "行政审批服务局 / 综合科"
    assert labels[county.section_b1.path] == "财政局 / 综合科"
    # The county is named by itself; a bureau by its own name.
    assert labels[county.county.path] == paths[county.county.path] == "测试县"
    assert labels[county.bureau_a.path] == "行政审批服务局"
    assert department_paths([]) == department_labels([]) == {}


def test_labels_follow_the_language(two_general_offices):
    county = two_general_offices
    Department.objects.filter(pk=county.bureau_b.pk).update(name_en="Finance Bureau")
    county.bureau_b.refresh_from_db()
    with translation.override("en"):
        assert department_labels([county.section_b1])[county.section_b1.path] == (
            "Finance Bureau / General Office"
        )


def test_team_page_tells_the_two_offices_apart(client, two_general_offices):
    county = two_general_offices
    leader = scoped_user(RoleScope.Role.LEADER, county.county)
    person_in(county.section_a2, full_name="张综合")
    person_in(county.section_b1, full_name="李综合")
    client.force_login(leader.user)
    body = client.get(reverse("learning:team")).content.decode()
    assert "行政审批服务局 / 综合科" in body and "财政局 / 综合科" in body
    # On a phone the rows are cards whose cells say what they are.
    assert 'class="data-table card-table"' in body
    assert 'data-label="部门"' in body or 'data-label="Department"' in body


def test_people_list_in_the_back_office_names_the_path_and_says_yes(
    client, two_general_offices
):
    county = two_general_offices
    hr = scoped_user(RoleScope.Role.HR, county.county)
    person_in(county.section_b1, full_name="李综合")
    client.force_login(hr.user)
    body = client.get(
        reverse("people:index"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "财政局 / 综合科" in body
    assert "是" in body and ">True<" not in body
