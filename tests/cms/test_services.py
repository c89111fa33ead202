"""Real services: these skip on a bare machine and fail under REQUIRE_SERVICES=1 when a
service is missing. CI runs them against PostgreSQL, Redis and a Celery worker."""

import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import celery_worker

ROOT = Path(__file__).resolve().parents[2]


def test_database_is_postgresql(require_postgres):
    with require_postgres.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_cache_is_redis_and_keeps_values(require_redis_cache):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    key = f"test:{uuid.uuid4()}"
    require_redis_cache.set(key, {"ok": True}, 30)
    assert require_redis_cache.get(key) == {"ok": True}
    require_redis_cache.delete(key)


@pytest.fixture
def celery_worker_process(tmp_path):
    log = tmp_path / "worker.log"
    with celery_worker(log) as (queue, process):
        yield queue, process, log


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore:task_always_eager")
def test_a_real_worker_runs_an_enqueued_task(celery_worker_process):
    from cms.celery import app

    queue, process, log = celery_worker_process
    token = uuid.uuid4().hex
    # send_task always goes through the broker, whatever task_always_eager says.
    result = app.send_task("cms.ping", args=[token], queue=queue)
    deadline = time.monotonic() + 60
    while not result.ready() and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{log.read_text()}")
        time.sleep(0.2)
    assert result.ready(), f"no result within 60 s; worker log:\n{log.read_text()}"
    value = result.get(timeout=5)
    assert value["token"] == token
    assert process.pid and "cms.ping" in log.read_text()
