"""xAPI ingest speed: statements per second through /xapi/statements, one statement
per request and 50 per request, on PostgreSQL.

    .venv/bin/python benchmarks/xapi.py [--database-url postgres://postgres@127.0.0.1:5432/civicskills_bench]

The database is created if missing and rebuilt from migrations and the demo courses
(not the county: only what the endpoint needs). Requests go through Django's full
middleware stack in this process (test client, session auth, CSRF off), so the figure
is the application and the database, without HTTP parsing or a network. Results go to
benchmarks/results/xapi-latest.json."""

import argparse
import datetime
import json
import os
import platform
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civicskills_bench"


def database_ensure(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def statement(iri: str, scaled: float, *, actor: dict, registration: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "context": {"registration": registration},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": iri, "objectType": "Activity"},
        "result": {"score": {"scaled": scaled}, "completion": True},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--single", type=int, default=300, help="one-statement requests"
    )
    parser.add_argument("--batches", type=int, default=40, help="50-statement requests")
    args = parser.parse_args()

    database_ensure(args.database_url)
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "cms.settings.test",
            "ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)

    from django.utils import timezone

    from assessments import demo as assessments_demo
    from cms.demo import seed_site
    from cms.services import home_page_ensure
    from courses import demo as courses_demo
    from courses.h5p.activities import activity_iri
    from courses.models import LessonPage
    from learning.journey.services import course_enroll
    from learning.models import XAPIStatement
    from learning.xapi.services import launches_issue, learner_actor
    from tests.factories import UserFactory

    home_page_ensure()
    seed_site()
    assessments_demo.seed()
    courses_demo.seed()
    lesson = next(
        page for page in LessonPage.objects.live() if page.required_h5p_block_ids
    )
    iri = activity_iri(
        lesson_key=lesson.translation_key, block_id=lesson.required_h5p_block_ids[0]
    )
    user = UserFactory()
    client = Client()
    client.force_login(user)
    # Enrolled, with a launch as the lesson page issues it: the results count.
    opened = timezone.now() - datetime.timedelta(minutes=5)
    course_enroll(learner=user, course=lesson.get_parent().specific, now=opened)
    launch = str(launches_issue(learner=user, activity_iris=[iri], now=opened)[iri])
    who = {"actor": learner_actor(learner=user), "registration": launch}

    def send(payload) -> None:
        response = client.post(
            "/xapi/statements",
            json.dumps(payload),
            content_type="application/json",
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        )
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")

    send(statement(iri, 0.5, **who))  # warm-up
    started = time.perf_counter()
    for number in range(args.single):
        send(statement(iri, (number % 10) / 10, **who))
    single_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _batch in range(args.batches):
        send([statement(iri, 0.3, **who) for _i in range(50)])
    batch_seconds = time.perf_counter() - started
    stored = XAPIStatement.objects.count()

    report = {
        "database": "postgresql",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "single": {
            "requests": args.single,
            "seconds": round(single_seconds, 2),
            "statements_per_second": round(args.single / single_seconds, 1),
        },
        "batched_50": {
            "requests": args.batches,
            "statements": args.batches * 50,
            "seconds": round(batch_seconds, 2),
            "statements_per_second": round(args.batches * 50 / batch_seconds, 1),
        },
        "stored": stored,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "xapi-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
