"""Headers every response carries (issue #15): a Permissions-Policy everywhere, and no
caching of what a signed-in person sees."""

import pytest

from tests.factories import person_in

pytestmark = pytest.mark.django_db


def test_every_page_denies_the_browser_features_nobody_uses(client):
    response = client.get("/accounts/login/")
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy


def test_a_signed_in_persons_pages_are_not_stored_by_browsers_or_proxies(
    client, county
):
    learner = person_in(county.section_a1)
    client.force_login(learner.user)
    for url in ("/me/", "/me/competencies/", "/me/notifications/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_an_anonymous_page_keeps_its_own_caching(client):
    response = client.get("/accounts/login/")
    assert "private, no-store" != response.get("Cache-Control")


def test_every_app_page_has_a_content_security_policy(client, county):
    for url in ("/accounts/login/", "/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy
        assert "unsafe-eval" not in policy
    learner = person_in(county.section_a1)
    client.force_login(learner.user)
    policy = client.get("/me/")["Content-Security-Policy"]
    assert "frame-src 'self'" in policy and "frame-ancestors 'self'" in policy
