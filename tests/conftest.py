"""Shared fixtures. Service fixtures skip when a service is missing, and fail instead
under REQUIRE_SERVICES=1 (as CI runs), so a green CI run really talked to PostgreSQL,
Redis, a Celery worker and Chromium."""

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def service_missing(reason: str) -> None:
    """Skip, or fail under REQUIRE_SERVICES=1."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def require_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL")
    return connection


@pytest.fixture
def require_redis_cache():
    if not settings.REDIS_URL:
        service_missing("REDIS_URL is not set")
    from django.core.cache import cache

    return cache


@pytest.fixture
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
    if not path or not os.path.exists(path):
        service_missing("Debian's chromium is not installed (apt-get install chromium)")
    return path


@contextlib.contextmanager
def celery_worker(log_path: Path, **env_overrides):
    """A real `celery worker` subprocess consuming its own fresh queue, stopped on
    exit; yields (queue, process). The broker and result backend must be set."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        service_missing("CELERY_BROKER_URL is not set")
    if not settings.CELERY_RESULT_BACKEND:
        service_missing("no Celery result backend (use a redis:// broker URL)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    env.update(env_overrides)
    command = [sys.executable, "-m", "celery", "-A", "cms", "worker"]
    command += ["--pool=solo", "--concurrency=1", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat", "-Q", queue]
    with log_path.open("w") as out:
        process = subprocess.Popen(
            command + ["--loglevel=INFO"],
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(autouse=True)
def _english_free_cache():
    """Every test starts with an empty cache, as lock-outs and sessions may use it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def county(db):
    return factories.county_tree()


@pytest.fixture
def password():
    return factories.PASSWORD


@pytest.fixture(scope="session", autouse=True)
def _release_test_database(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end PostgreSQL sessions still attached to
    it: a live-server request thread parked on a browser's keep-alive connection can
    hold one past the last test, and the drop would then fail with a warning."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service messages follow the active language, which outside a request is the
    site default (zh-hans). Tests read them in English; tests that want Chinese ask
    for it (a request with Accept-Language, or translation.override)."""
    from django.utils import translation

    with translation.override("en"):
        yield
