"""Two-factor for the back office: site admins enrol on the first visit with a real
TOTP code, get recovery codes, and are asked again in a new session; HR only when
the setting says so."""

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from learning.models import RoleScope
from tests.factories import UserFactory, scoped_user


def _now_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def admin_user(db):
    return UserFactory(username="siteadmin", is_superuser=True, is_staff=True)


@pytest.mark.django_db
def test_admin_enrols_on_first_visit_then_verifies_each_session(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    page = client.get(response["Location"])
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    wrong = client.post("/accounts/two-factor/", {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and "does not match" in wrong.content.decode()
    time.sleep(1.1)  # django-otp makes the next try wait after a wrong code
    done = client.post(
        "/accounts/two-factor/", {"token": _now_code(device), "next": "/admin/"}
    )
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/admin/").status_code == 200

    # A new session asks again; a recovery code works once.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(admin_user)
    assert other.get("/admin/").status_code == 302
    page = other.get("/accounts/two-factor/?next=/admin/")
    assert "recovery codes" in page.content.decode()
    response = other.post(
        "/accounts/two-factor/", {"token": codes[0], "next": "/admin/"}
    )
    assert response.status_code == 302
    assert other.get("/admin/").status_code == 200
    third = Client(HTTP_ACCEPT_LANGUAGE="en")
    third.force_login(admin_user)
    response = third.post(
        "/accounts/two-factor/", {"token": codes[0], "next": "/admin/"}
    )
    assert response.status_code == 200
    assert third.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_open_redirect_refused(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=admin_user)
    client.post(
        "/accounts/two-factor/",
        {"token": _now_code(device), "next": "https://evil.example/"},
    )
    response = client.get("/accounts/two-factor/?next=https://evil.example/")
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_hr_only_when_the_setting_is_on(county, settings):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(hr.user)
    assert client.get("/admin/").status_code == 200
    settings.TWO_FACTOR_FOR_HR_AND_LEADERS = True
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_learner_pages_need_no_second_factor(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    assert client.get("/me/").status_code == 200
