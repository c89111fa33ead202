"""One set of person rules: the roster and the back office give the same answer for
the same bad value, and neither writes anything for it."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from learning.models import LearnerProfile, RoleScope, RosterImport
from learning.roster.apply import roster_apply
from learning.roster.services import roster_check
from tests.factories import UserFactory, person_in, scoped_user

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = ["工号", "姓名", "部门", "入职日期", "邮箱", "电话"]
FIELDS = ["employee_number", "full_name", "department", "hire_date", "email", "phone"]


@pytest.fixture
def hr(county, client):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    client.force_login(hr.user)
    return hr.user


def person(**values) -> dict:
    base = {
        "employee_number": "N100",
        "full_name": "钱新人",
        "department": "CTY-A-1",
        "hire_date": "2024-03-01",
        "email": "",
        "phone": "",
    }
    return base | values


def roster(actor, values: dict) -> RosterImport:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow([values[field] for field in FIELDS])
    return roster_check(
        actor=actor, content=buffer.getvalue().encode(), file_name="r.csv"
    )


def roster_errors(checked: RosterImport) -> list[str]:
    return [error for line in checked.report["lines"] for error in line[6]]


def back_office(client, county, values: dict):
    data = dict(values, department=county.section_a1.pk)
    return client.post(reverse("people:add"), data)


def state() -> tuple:
    return (
        User.objects.count(),
        sorted(LearnerProfile.objects.values_list("employee_number", "phone")),
    )


def assert_same_answer(client, county, hr, values: dict, field: str) -> str:
    """Both refuse `values`, with the same message for `field`; nothing changes."""
    before = state()
    response = back_office(client, county, values)
    assert response.status_code == 200  # the form comes back
    messages = response.context["form"].errors[field]
    assert len(messages) == 1
    checked = roster(hr, values)
    errors = roster_errors(checked)
    assert len(errors) == 1
    assert errors[0].endswith(messages[0]), (errors[0], messages[0])
    assert state() == before
    return messages[0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "call me"),
        ("phone", "138 0000 0000 转 1234"),
        ("email", "not-an-address"),
        ("employee_number", "QX 001"),
        ("employee_number", "QX/001"),
        ("employee_number", "E" * 33),
        ("full_name", "名" * 101),
        ("hire_date", "1900-01-01"),
    ],
)
def test_a_bad_value_gets_the_same_answer_from_roster_and_back_office(
    county, client, hr, field, value
):
    assert_same_answer(client, county, hr, person(**{field: value}), field)


def test_a_taken_account_name_gets_the_same_answer(county, client, hr):
    UserFactory(username="N100")  # an account nobody's record links to
    message = assert_same_answer(client, county, hr, person(), "employee_number")
    assert "N100" in message


def test_full_width_digits_are_the_same_employee_number(county, client, hr):
    existing = person_in(county.section_a1, employee_number="E100")
    before = state()

    response = back_office(client, county, person(employee_number="Ｅ１００"))
    assert response.status_code == 200
    assert "E100" in response.context["form"].errors["employee_number"][0]

    # The roster reads the same row as the person already known, not a newcomer.
    checked = roster(
        hr, person(employee_number="Ｅ１００", full_name=existing.full_name)
    )
    assert roster_errors(checked) == []
    assert checked.report["counts"]["create"] == 0
    assert state() == before


def test_full_width_digits_are_stored_as_ascii_by_both(county, client, hr):
    response = back_office(
        client,
        county,
        person(employee_number="Ｎ２００", phone="１３８００００００００"),
    )
    assert response.status_code == 302, response.context["form"].errors
    created = LearnerProfile.objects.get(employee_number="N200")
    assert created.user.username == "N200"
    assert created.phone == "13800000000"

    roster_apply(roster_import=roster(hr, person(employee_number="Ｎ３００")))
    assert LearnerProfile.objects.get(employee_number="N300").user.username == "N300"


def test_a_new_employee_number_renames_the_account_that_carried_it(county, client, hr):
    someone = person_in(county.section_a1, employee_number="E7", user__username="E7")
    data = {
        "employee_number": "E8",
        "full_name": someone.full_name,
        "department": county.section_a1.pk,
    }
    response = client.post(reverse("people:edit", args=[someone.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    someone.refresh_from_db()
    assert (someone.employee_number, someone.user.username) == ("E8", "E8")
