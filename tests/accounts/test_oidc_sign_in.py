"""Signing in through the province's identity platform over OpenID Connect, against a
real provider these tests start on 127.0.0.1 (tests/accounts/servers/oidc_provider):
the browser's redirects are followed by hand, the site's back-channel calls (token,
JWKS, userinfo) go over HTTP to the provider."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.sso import SIGNED_IN_WITH
from learning.models import LearnerProfile
from tests.accounts.servers import oidc_provider
from tests.accounts.servers.slapd import free_port
from tests.factories import UserFactory, person_in

User = get_user_model()
CLIENT_ID = "civicskills-county"
CLIENT_SECRET = "s3cret-for-tests-only"  # noqa: S105
OIDC_BACKEND = "accounts.oidc_backend.EmployeeNumberOIDCBackend"


@pytest.fixture(scope="module")
def provider():
    with oidc_provider.running_provider(CLIENT_ID, CLIENT_SECRET) as running:
        yield running


@pytest.fixture
def oidc_on(settings, provider):
    """The site configured from the provider's discovery document, as an operator
    would copy it."""
    provider.misbehave = set()
    provider.signed_in_as = None
    found = requests.get(
        provider.base_url + "/.well-known/openid-configuration", timeout=5
    ).json()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = found["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = found["end_session_endpoint"]
    settings.AUTHENTICATION_BACKENDS = [
        *[b for b in settings.AUTHENTICATION_BACKENDS if not b.startswith("accounts.")],
        OIDC_BACKEND,
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


def at_provider(provider, employee_number, **claims):
    provider.signed_in_as = {
        "sub": f"province-{employee_number}",
        "employee_number": employee_number,
        "name": "张伟",
        **claims,
    }


def start(client, next_url="/me/") -> str:
    """Press the sign-in button: the site sends the browser to the provider."""
    response = client.get(reverse("oidc_authentication_init"), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"].startswith(
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT + "?"
    )
    return response["Location"]


def provider_answer(authorize_url: str) -> str:
    """The browser at the provider: it answers with a redirect back to the site."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def back_at_site(client, location: str, language: str = "en"):
    parts = urlsplit(location)
    assert parts.path == reverse("oidc_authentication_callback")
    return client.get(
        f"{parts.path}?{parts.query}", HTTP_ACCEPT_LANGUAGE=language, follow=True
    )


def sign_in(client, language: str = "en"):
    return back_at_site(client, provider_answer(start(client)), language)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def text(response) -> str:
    return response.content.decode()


def test_sign_in_through_the_provider_as_the_person_with_the_claimed_number(
    client, oidc_on, provider, zhang
):
    at_provider(provider, "E1001")

    response = sign_in(client)

    assert response.redirect_chain[0] == ("/me/", 302)
    assert response.status_code == 200
    assert signed_in_user_id(client) == str(zhang.user_id)
    assert client.session["_auth_user_backend"] == OIDC_BACKEND
    assert client.session[SIGNED_IN_WITH] == "oidc"
    zhang.user.refresh_from_db()
    assert zhang.user.last_login is not None


@pytest.mark.parametrize("claimed", ["Ｅ１００１ ", "e1001", " ｅ1001"])
def test_employee_number_in_the_claim_is_compared_as_the_roster_does(
    client, oidc_on, provider, zhang, claimed
):
    at_provider(provider, claimed)

    sign_in(client)

    assert signed_in_user_id(client) == str(zhang.user_id)


def test_claim_name_is_configurable(client, oidc_on, provider, zhang):
    oidc_on.OIDC_EMPLOYEE_NUMBER_CLAIM = "gh"  # 工号, as one province names it
    at_provider(provider, "E9999", gh="E1001")

    sign_in(client)

    assert signed_in_user_id(client) == str(zhang.user_id)


def test_unknown_subject_is_refused_and_nobody_is_created(
    client, oidc_on, provider, zhang
):
    at_provider(provider, "E7777")
    users, profiles = User.objects.count(), LearnerProfile.objects.count()

    response = sign_in(client)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert signed_in_user_id(client) is None
    assert "no person on this site has employee number E7777" in text(response)
    assert (User.objects.count(), LearnerProfile.objects.count()) == (users, profiles)


def test_unknown_subject_message_is_translated(client, oidc_on, provider, zhang):
    at_provider(provider, "E7777")

    response = sign_in(client, language="zh-hans")

    assert "E7777" in text(response)
    assert "花名册" in text(response)


def test_subject_without_the_claim_is_refused(client, oidc_on, provider, zhang):
    provider.signed_in_as = {"sub": "province-anon", "name": "无工号"}

    response = sign_in(client)

    assert signed_in_user_id(client) is None
    assert "no usable employee number" in text(response)


def test_a_leaver_is_refused(client, oidc_on, provider, zhang):
    zhang.user.is_active = False
    zhang.user.save(update_fields=["is_active"])
    at_provider(provider, "E1001")

    response = sign_in(client)

    assert signed_in_user_id(client) is None
    assert "deactivated" in text(response)


def test_callback_with_a_state_from_another_browser_is_refused(
    client, oidc_on, provider, zhang
):
    # The attacker starts a sign-in, takes the provider's answer (a real code) and
    # makes the victim's browser deliver it (login CSRF).
    at_provider(provider, "E1001")
    attacker = client.__class__()
    stolen = provider_answer(start(attacker))
    start(client)  # the victim has a sign-in of their own under way
    exchanged = provider.token_requests

    response = back_at_site(client, stolen)

    assert signed_in_user_id(client) is None
    assert "does not belong to a sign-in started in this browser" in text(response)
    assert provider.token_requests == exchanged  # the code was never even used


def test_callback_without_any_sign_in_under_way_is_refused(
    client, oidc_on, provider, zhang
):
    at_provider(provider, "E1001")
    stolen = provider_answer(start(client.__class__()))

    response = back_at_site(client, stolen)

    assert signed_in_user_id(client) is None
    assert "does not belong to a sign-in started in this browser" in text(response)


def test_replayed_callback_is_refused(client, oidc_on, provider, zhang):
    at_provider(provider, "E1001")
    answer = provider_answer(start(client))
    back_at_site(client, answer)
    client.post(reverse("logout"))
    assert signed_in_user_id(client) is None

    response = back_at_site(client, answer)

    assert signed_in_user_id(client) is None
    assert "does not belong to a sign-in started in this browser" in text(response)


@pytest.mark.parametrize(
    "misbehaviour",
    ["wrong_nonce", "other_audience", "expired", "userinfo_other_subject"],
)
def test_unverifiable_answer_from_the_provider_is_refused(
    client, oidc_on, provider, zhang, misbehaviour
):
    at_provider(provider, "E1001")
    provider.misbehave = {misbehaviour}

    response = sign_in(client)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert signed_in_user_id(client) is None
    assert "could not be verified" in text(response)
    zhang.user.refresh_from_db()
    assert zhang.user.last_login is None


def test_refusal_at_the_provider_is_reported(client, oidc_on, provider, zhang):
    provider.signed_in_as = None  # the person cancels at the provider

    response = sign_in(client)

    assert signed_in_user_id(client) is None
    assert "did not sign you in (access_denied)" in text(response)


def test_provider_down_is_reported(client, oidc_on, provider, zhang):
    at_provider(provider, "E1001")
    answer = provider_answer(start(client))
    oidc_on.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{free_port()}/token"

    response = back_at_site(client, answer)

    assert signed_in_user_id(client) is None
    assert "cannot be reached" in text(response)


def test_sign_out_ends_the_session_here_and_at_the_provider(
    client, oidc_on, provider, zhang
):
    at_provider(provider, "E1001")
    sign_in(client)
    id_token = client.session["oidc_id_token"]
    provider.logouts.clear()

    response = client.post(reverse("logout"))

    assert signed_in_user_id(client) is None
    assert response.status_code == 302
    assert response["Location"].startswith(provider.endpoint("logout"))
    # The browser follows on to the provider, which ends its session and returns.
    back = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert provider.logouts == [
        {
            "client_id": CLIENT_ID,
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "http://testserver/",
        }
    ]
    assert back.headers["Location"] == "http://testserver/"


def test_sign_out_without_an_end_session_endpoint_is_local(
    client, oidc_on, provider, zhang
):
    oidc_on.OIDC_OP_LOGOUT_ENDPOINT = ""
    at_provider(provider, "E1001")
    sign_in(client)

    response = client.post(reverse("logout"))

    assert signed_in_user_id(client) is None
    assert response["Location"] == "/"


def test_local_sign_out_stays_local(client, oidc_on, zhang, password):
    zhang.user.set_password(password)
    zhang.user.save(update_fields=["password"])
    client.post(reverse("login"), {"username": "E1001", "password": password})
    assert signed_in_user_id(client) == str(zhang.user_id)

    response = client.post(reverse("logout"))

    assert response["Location"] == "/"


def test_sign_in_page_offers_the_platform_first_and_keeps_the_form(
    client, oidc_on, provider
):
    page = text(
        client.get(reverse("login"), {"next": "/me/"}, HTTP_ACCEPT_LANGUAGE="en")
    )

    button = page.index(reverse("oidc_authentication_init") + "?next=%2Fme%2F")
    assert button < page.index('type="password"')
    assert "Sign in with the unified identity platform" in page


def test_sign_in_page_without_single_sign_on_shows_no_button(client, settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    settings.CAS_SERVER_URL = ""

    page = text(client.get(reverse("login")))

    assert "data-sso" not in page
    assert 'type="password"' in page


def test_a_session_ends_when_the_person_is_deactivated(
    client, oidc_on, provider, zhang
):
    at_provider(provider, "E1001")
    sign_in(client)
    assert signed_in_user_id(client) == str(zhang.user_id)

    zhang.user.is_active = False
    zhang.user.save(update_fields=["is_active"])

    response = client.get(reverse("learning:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_free_text_in_the_error_is_not_shown_as_the_sites_own_words(
    client, oidc_on, provider, zhang
):
    start(client)
    state = next(iter(client.session["oidc_states"]))

    response = client.get(
        reverse("oidc_authentication_callback"),
        {"error": "Call 0000-12345 to reset your password", "state": state},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert signed_in_user_id(client) is None
    assert "did not sign you in (?)" in text(response)
    assert "12345" not in text(response)
