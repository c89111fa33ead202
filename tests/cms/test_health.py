import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
)
def test_healthz_notices_a_cache_that_does_not_keep_values(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_healthz_tells_a_caller_from_elsewhere_only_the_status(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    # Through a reverse proxy on this machine: still a caller from elsewhere.
    proxied = client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.json() == {"status": "error"}


def test_healthz_details_for_a_site_admin_from_anywhere(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.9")
    assert set(response.json()["checks"]) == {"database", "cache", "broker"}
