"""Signing in through the province's identity platform over CAS 2.0 / 3.0, against a
real CAS server these tests start on 127.0.0.1 (tests/accounts/servers/cas_server):
the browser's redirects are followed by hand, the site validates each ticket over
HTTP with the server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_cas_ng.models import SessionTicket

from accounts.sso import SIGNED_IN_WITH
from learning.models import LearnerProfile
from tests.accounts.servers import cas_server
from tests.accounts.servers.slapd import free_port
from tests.factories import UserFactory, person_in

User = get_user_model()
CAS_BACKEND = "accounts.cas_backend.EmployeeNumberCASBackend"


@pytest.fixture(scope="module")
def cas():
    with cas_server.running_cas_server() as running:
        yield running


@pytest.fixture
def cas_on(settings, cas):
    cas.single_use = True
    cas.signed_in_as = None
    settings.CAS_SERVER_URL = cas.url
    settings.CAS_VERSION = "3"
    settings.CAS_EMPLOYEE_NUMBER_ATTRIBUTE = "employeeNumber"
    settings.AUTHENTICATION_BACKENDS = [
        *[b for b in settings.AUTHENTICATION_BACKENDS if not b.startswith("accounts.")],
        CAS_BACKEND,
    ]
    return settings


@pytest.fixture
def zhang(county):
    return person_in(
        county.bureau_a,
        employee_number="E1001",
        full_name="张伟",
        user=UserFactory(username="E1001", first_name="张伟"),
    )


def at_cas(cas, user: str, **attributes: str) -> None:
    cas.signed_in_as = (user, {"displayName": "张伟", **attributes})


def ticket_url(client, cas) -> str:
    """Press the button: the site sends the browser to CAS, which comes back with a
    service ticket."""
    response = client.get(reverse("cas_ng_login"), {"next": "/me/"})
    assert response.status_code == 302
    assert response["Location"].startswith(cas.url + "login?service=")
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


def present(client, url: str, language: str = "en"):
    parts = urlsplit(url)
    assert parts.path == reverse("cas_ng_login")
    return client.get(
        f"{parts.path}?{parts.query}", HTTP_ACCEPT_LANGUAGE=language, follow=True
    )


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def text(response) -> str:
    return response.content.decode()


def test_cas3_sign_in_as_the_person_with_the_attribute_number(
    client, cas_on, cas, zhang
):
    at_cas(cas, "zhangw", employeeNumber="E1001")

    response = present(client, ticket_url(client, cas))

    assert response.redirect_chain[0] == ("/me/", 302)
    assert signed_in_user_id(client) == str(zhang.user_id)
    assert client.session["_auth_user_backend"] == CAS_BACKEND
    assert client.session[SIGNED_IN_WITH] == "cas"
    assert cas.validations[-1][0] == "/cas/p3/serviceValidate"


def test_cas2_sign_in_with_the_user_name_as_the_number(client, cas_on, cas, zhang):
    cas_on.CAS_VERSION = "2"
    cas_on.CAS_EMPLOYEE_NUMBER_ATTRIBUTE = ""
    at_cas(cas, "E1001")

    present(client, ticket_url(client, cas))

    assert signed_in_user_id(client) == str(zhang.user_id)
    assert cas.validations[-1][0] == "/cas/serviceValidate"


def test_full_width_number_in_the_attribute_is_normalised(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="Ｅ１００１")

    present(client, ticket_url(client, cas))

    assert signed_in_user_id(client) == str(zhang.user_id)


def test_replayed_ticket_is_refused(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="E1001")
    url = ticket_url(client, cas)
    present(client, url)
    client.post(reverse("logout"))
    assert signed_in_user_id(client) is None

    replayer = client.__class__()
    response = present(replayer, url)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert signed_in_user_id(replayer) is None
    assert "did not accept this sign-in ticket" in text(response)


def test_ticket_behind_a_live_session_is_refused_even_by_a_lax_server(
    client, cas_on, cas, zhang
):
    cas.single_use = False  # a broken server that would validate it again
    at_cas(cas, "zhangw", employeeNumber="E1001")
    url = ticket_url(client, cas)
    present(client, url)
    asked = len(cas.validations)

    replayer = client.__class__()
    response = present(replayer, url)

    assert signed_in_user_id(replayer) is None
    assert "did not accept this sign-in ticket" in text(response)
    assert len(cas.validations) == asked  # refused here, before asking the server


def test_ticket_issued_for_another_service_is_refused(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="E1001")
    other = requests.get(
        cas.url + "login?service=http://other.example/",
        allow_redirects=False,
        timeout=5,
    )
    ticket = other.headers["Location"].split("ticket=")[1]

    response = present(
        client, f"http://testserver{reverse('cas_ng_login')}?ticket={ticket}"
    )

    assert signed_in_user_id(client) is None
    assert "did not accept this sign-in ticket" in text(response)


def test_unknown_person_is_refused_and_nobody_is_created(client, cas_on, cas, zhang):
    at_cas(cas, "wangf", employeeNumber="E7777")
    users, profiles = User.objects.count(), LearnerProfile.objects.count()

    response = present(client, ticket_url(client, cas))

    assert signed_in_user_id(client) is None
    assert "no person on this site has employee number E7777" in text(response)
    assert (User.objects.count(), LearnerProfile.objects.count()) == (users, profiles)


def test_unknown_person_message_is_translated(client, cas_on, cas, zhang):
    at_cas(cas, "wangf", employeeNumber="E7777")

    response = present(client, ticket_url(client, cas), language="zh-hans")

    assert "E7777" in text(response)
    assert "花名册" in text(response)


def test_cas_server_down_is_reported(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="E1001")
    url = ticket_url(client, cas)
    cas_on.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"

    response = present(client, url)

    assert signed_in_user_id(client) is None
    assert "cannot be reached" in text(response)


def test_sign_out_ends_the_session_here_and_at_cas(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="E1001")
    present(client, ticket_url(client, cas))
    assert SessionTicket.objects.count() == 1
    cas.logouts.clear()

    response = client.post(reverse("logout"))

    assert signed_in_user_id(client) is None
    assert response["Location"].startswith(cas.url + "logout?")
    requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert cas.logouts == [{"service": "http://testserver/"}]
    assert SessionTicket.objects.count() == 0


def test_sign_in_page_offers_cas_first(client, cas_on):
    page = text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))

    assert page.index(reverse("cas_ng_login")) < page.index('type="password"')


def test_a_session_ends_when_the_person_is_deactivated(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="E1001")
    present(client, ticket_url(client, cas))
    assert signed_in_user_id(client) == str(zhang.user_id)

    zhang.user.is_active = False
    zhang.user.save(update_fields=["is_active"])

    response = client.get(reverse("learning:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_single_log_out_from_cas_ends_the_session_here(client, cas_on, cas, zhang):
    at_cas(cas, "zhangw", employeeNumber="E1001")
    url = ticket_url(client, cas)
    present(client, url)
    ticket = url.split("ticket=")[1]
    other = person_in(zhang.department, employee_number="E1002")
    bystander = client.__class__()
    bystander.force_login(other.user)

    # The CAS server's back-channel call (no browser, no CSRF token).
    server = client.__class__(enforce_csrf_checks=True)
    response = server.post(
        reverse("cas_ng_login"),
        {"logoutRequest": cas_server.logout_request(ticket)},
    )

    assert response.status_code == 302
    assert client.get(reverse("learning:me")).status_code == 302
    assert bystander.get(reverse("learning:me")).status_code == 200


def test_single_log_out_that_is_not_xml_is_a_bad_request(client, cas_on):
    response = client.post(
        reverse("cas_ng_login"), {"logoutRequest": "<samlp:LogoutRequest"}
    )

    assert response.status_code == 400
