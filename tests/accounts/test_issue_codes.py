"""HR issues codes within their scope in the back office and downloads the sheets;
the command line does the same."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from accounts import codes
from accounts.codes_email import activation_links_send
from accounts.models import SigninCode
from learning.models import RoleScope
from tests.factories import PASSWORD, person_in, scoped_user

from .conftest import newcomer_in


@pytest.fixture
def people(county):
    return {
        "a1": newcomer_in(
            county.section_a1, employee_number="QX00501", full_name="王芳"
        ),
        "a2": newcomer_in(
            county.section_a2, employee_number="QX00502", full_name="张伟"
        ),
        "b1": newcomer_in(
            county.section_b1, employee_number="QX00503", full_name="刘洋"
        ),
        "active": person_in(county.section_a1, employee_number="QX00504"),
    }


def _hr_client(hr):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(hr.user)
    return client


@pytest.mark.django_db
def test_hr_issues_for_a_department_and_downloads_the_sheets(county, hr, people):
    client = _hr_client(hr)
    assert client.get("/admin/signin-codes/").status_code == 200
    response = client.post(
        "/admin/signin-codes/",
        {
            "scope": "department",
            "department": county.bureau_a.pk,
            "not_activated_only": "on",
            "delivery": "sheet",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "QX00501" in page and "QX00502" in page
    assert "QX00503" not in page and "QX00504" not in page
    assert SigninCode.objects.count() == 2
    batch = response["Location"]
    xlsx = client.get(batch + "sheet.xlsx")
    rows = list(
        load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
    )
    assert [r[1] for r in rows[1:]] == ["QX00501", "QX00502"]
    # The department with its path: county / bureau / section.
    assert rows[1][2] == " / ".join(
        d.display_name for d in (county.county, county.bureau_a, county.section_a1)
    )
    assert "/accounts/first-sign-in/" in rows[1][5]
    pdf = client.get(batch + "sheet.pdf?department=CTY-A-1")
    assert pdf.content.startswith(b"%PDF")
    assert b"NotoSansSC" in pdf.content
    # Forgotten on request: the codes are gone.
    client.post(batch + "forget/")
    assert client.get(batch).status_code == 404


@pytest.mark.django_db
def test_hr_cannot_reach_outside_the_scope(county, hr, people):
    client = _hr_client(hr)
    response = client.post(
        "/admin/signin-codes/",
        {"scope": "department", "department": county.bureau_b.pk, "delivery": "sheet"},
    )
    assert response.status_code == 200
    response = client.post(
        "/admin/signin-codes/",
        {"scope": "person", "employee_number": "QX00503", "delivery": "sheet"},
    )
    assert "No active person" in response.content.decode()
    assert not SigninCode.objects.exists()


@pytest.mark.django_db
def test_learner_cannot_issue(people):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(
        "/accounts/login/",
        {"username": people["active"].user.username, "password": PASSWORD},
    )
    assert client.get("/admin/signin-codes/").status_code in (302, 403)


@pytest.mark.django_db
def test_another_officer_cannot_read_the_batch(county, hr, people):
    other = scoped_user(RoleScope.Role.HR, county.county)
    response = _hr_client(hr).post(
        "/admin/signin-codes/",
        {"scope": "person", "employee_number": " ＱＸ００５０１ ", "delivery": "sheet"},
    )
    assert response.status_code == 302
    assert _hr_client(other).get(response["Location"]).status_code == 404


@pytest.mark.django_db
def test_activation_link_by_email(county, hr, people, mailoutbox):
    people["a1"].user.email = "wang.fang@example.gov.cn"
    people["a1"].user.save(update_fields=["email"])
    people["a2"].user.email = ""
    people["a2"].user.save(update_fields=["email"])
    response = _hr_client(hr).post(
        "/admin/signin-codes/",
        {
            "scope": "department",
            "department": county.bureau_a.pk,
            "not_activated_only": "on",
            "delivery": "email",
        },
    )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["wang.fang@example.gov.cn"]]
    assert "/accounts/password/reset/" in mailoutbox[0].body
    assert list(SigninCode.objects.values_list("user_id", flat=True)) == [
        people["a2"].user_id
    ]


@pytest.mark.django_db
def test_command_prints_and_writes_sheets(county, people, tmp_path):
    out = io.StringIO()
    call_command("signin_codes", "--department", "CTY-A", stdout=out)
    assert "QX00501" in out.getvalue() and "QX00503" not in out.getvalue()
    call_command(
        "signin_codes",
        "--department",
        "CTY-A",
        "--output",
        str(tmp_path / "s.pdf"),
        stdout=io.StringIO(),
    )
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    call_command(
        "signin_codes",
        "--person",
        "QX00503",
        "--output",
        str(tmp_path / "s.xlsx"),
        stdout=io.StringIO(),
    )
    rows = list(load_workbook(tmp_path / "s.xlsx").active.iter_rows(values_only=True))
    assert rows[1][1] == "QX00503"
    # Each run replaced the earlier codes: one open code per person.
    assert SigninCode.objects.filter(revoked_at__isnull=True).count() == 3


def _link_path(message):
    return re.search(r"/accounts/password/reset/\S+/", message.body).group(0)


@pytest.mark.django_db
def test_a_new_link_or_code_ends_the_earlier_link(county, hr, people, mailoutbox):
    person = people["a1"]
    person.user.email = "wang.fang@example.gov.cn"
    person.user.save(update_fields=["email"])
    activation_links_send(actor=hr.user, profiles=[person])
    first = _link_path(mailoutbox[0])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "new_password1" in browser.get(first, follow=True).content.decode()
    activation_links_send(actor=hr.user, profiles=[person])
    second = _link_path(mailoutbox[1])
    assert "does not work any more" in browser.get(first, follow=True).content.decode()
    codes.signin_codes_issue(actor=hr.user, profiles=[person])
    assert "does not work any more" in browser.get(second, follow=True).content.decode()
