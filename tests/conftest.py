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
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}
REDIS_DATABASES = 16  # Redis's default `databases`


def _redis_db(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


def _with_redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _worker_cache_url(worker: int) -> str:
    """This xdist worker's own Redis database for the cache: tests clear the cache,
    and one worker's FLUSHDB must not empty another's lock-outs and sessions. The
    broker's database and the shared cache database are never handed out."""
    cache_db = _redis_db(settings.REDIS_URL)
    taken = {cache_db}
    if settings.CELERY_BROKER_URL.startswith("redis"):
        taken.add(_redis_db(settings.CELERY_BROKER_URL))
    free = [db for db in range(REDIS_DATABASES) if db not in taken]
    free.sort(key=lambda db: (db < cache_db, db))  # the ones after the cache's first
    if worker >= len(free):
        raise pytest.UsageError(
            f"Redis has {REDIS_DATABASES} databases: run at most {len(free)} workers"
        )
    return _with_redis_db(settings.REDIS_URL, free[worker])


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not settings.REDIS_URL:
        return
    from django.test.utils import override_settings

    url = _worker_cache_url(int(worker.removeprefix("gw")))
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": url}
    # Kept for the whole run; setting_changed rebuilds the cache handlers.
    override_settings(REDIS_URL=url, CACHES=caches).enable()
    # Celery workers that tests start inherit the environment.
    os.environ["REDIS_URL"] = url


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


def subprocess_database_url() -> str | None:
    """DATABASE_URL of the test database this process uses (each xdist worker has
    its own, test_<name>_gw0 …), or None when a subprocess cannot share it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        f"{database['NAME']}"
    )


@contextlib.contextmanager
def celery_worker(log_path: Path, **env_overrides):
    """A real `celery worker` subprocess consuming its own fresh queue, stopped on
    exit; yields (queue, process). The broker and result backend must be set. The
    worker uses this process's test database and cache, never the ones that
    DATABASE_URL names."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        service_missing("CELERY_BROKER_URL is not set")
    if not settings.CELERY_RESULT_BACKEND:
        service_missing("no Celery result backend (use a redis:// broker URL)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    database_url = subprocess_database_url()
    if database_url:
        env["DATABASE_URL"] = database_url
    env["REDIS_URL"] = settings.REDIS_URL
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


def _reused_database_lost_its_rows() -> bool:
    """Whether the kept PostgreSQL test database exists without the rows its
    migrations wrote. Wagtail's migration makes the "Moderators" group and nothing
    else ever does, so its absence means a run was killed after a transactional test
    flushed the tables and before the rows were put back."""
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return False
    name = connection.creation._get_test_db_name()
    probe = type(connection)({**connection.settings_dict, "NAME": name}, "probe")
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1 FROM auth_group WHERE name = 'Moderators'")
            return cursor.fetchone() is None
    except DatabaseError:  # no such database or tables yet: created as usual
        return False
    finally:
        probe.close()


@pytest.fixture(scope="session")
def django_db_createdb(request, django_db_modify_db_settings, django_db_blocker):
    """--create-db, or a --reuse-db database that must be built anew (see above)."""
    if request.config.getvalue("create_db"):
        return True
    if not request.config.getvalue("reuse_db"):
        return False
    with django_db_blocker.unblock():
        return _reused_database_lost_its_rows()


def _test_database_in_use() -> bool:
    """Whether this run set up the test database: a run of tests that use none
    (tests/reliability/ runs its own servers) leaves the connection on the
    configured database, which the fixtures below must never read or touch."""
    from django.db import connection

    return connection.settings_dict["NAME"] == connection.creation._get_test_db_name()


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, django_db_keepdb):
    """With --reuse-db the test database outlives the run. Transactional tests (live
    server, real Celery worker) end by flushing every table, which takes the rows of
    the data migrations (Wagtail's root page and site, groups, locales) with it: put
    them back at the end, so that the next run starts as a new database would. Not
    after --create-db (as in CI): a run that rebuilds anyway saves the time, and the
    next --reuse-db run rebuilds a database left without its rows (see above)."""
    from django.apps import apps
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection

    if (
        not django_db_keepdb
        or request.config.getvalue("create_db")
        or not _test_database_in_use()
    ):
        yield
        return

    with django_db_blocker.unblock():
        baseline = connection.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        if connection.creation.serialize_db_to_string() != baseline:
            call_command(
                "flush", interactive=False, inhibit_post_migrate=True, verbosity=0
            )
            connection.creation.deserialize_db_from_string(baseline)
            # The rows come back with their ids; move the sequences past them.
            models = [m for app in apps.get_app_configs() for m in app.get_models()]
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)


@pytest.fixture(scope="session", autouse=True)
def _release_test_database(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end PostgreSQL sessions still attached to
    it: a live-server request thread parked on a browser's keep-alive connection can
    hold one past the last test, and the drop would then fail with a warning."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql" or not _test_database_in_use():
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


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's signed-in site admin, who has also given the back office's
    second factor (site admins must)."""
    client.force_login(admin_user)
    factories.second_factor_passed(client, admin_user)
    return client
