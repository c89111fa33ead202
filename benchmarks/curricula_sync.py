"""Assignment sync at province scale: N learners × K curricula on PostgreSQL.

    .venv/bin/python benchmarks/curricula_sync.py [--learners 200000] [--curricula 10]
        [--database-url postgres://postgres@127.0.0.1:5432/civicskills_bench_sync]

Builds a synthetic province with `seed_scale` (no evidence), K active curricula for
the whole tree (one course each, some with 12-month recurrence), and times:
- the first sync (every assignment created),
- a second sync (nothing to do: the idempotent nightly run),
- a sync after 1% of people left (their open cycles close),
- a sync after they came back (their cycles reopen).
Results go to benchmarks/results/curricula-sync-latest.json."""

import argparse
import json
import logging
import os
import platform
import resource
import sys
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civicskills_bench_sync"


def database_ensure(url: str, *, fresh: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def timed(label: str, func, results: dict):
    started = time.perf_counter()
    value = func()
    seconds = round(time.perf_counter() - started, 2)
    results[label] = {"seconds": seconds, **value}
    log.info("%20s: %8.2f s  %s", label, seconds, value)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=200_000)
    parser.add_argument("--curricula", type=int, default=10)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database if it exists"
    )
    args = parser.parse_args()
    database_ensure(args.database_url, fresh=not args.keep)
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from learning.curricula.sync import assignments_sync
    from learning.demo import scale
    from learning.models import (
        Assignment,
        Curriculum,
        CurriculumCourse,
        Department,
        LearnerProfile,
    )

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    scale.seed(learners=args.learners, evidence=False)
    seed_seconds = round(time.perf_counter() - started, 1)
    log.info("seeded %s learners in %s s", args.learners, seed_seconds)
    root = Department.objects.get(depth=1)
    # TRUNCATE: a Django delete() of millions of rows would load them all.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE learning_assignment, learning_curriculumcourse, "
            "learning_curriculum_departments, learning_curriculum CASCADE"
        )
    LearnerProfile.objects.filter(is_active=False).update(is_active=True)
    for index in range(args.curricula):
        curriculum = Curriculum.objects.create(
            name=f"必修课程 {index + 1}",
            owner_department=root,
            status=Curriculum.Status.ACTIVE,
            due_kind=Curriculum.DueKind.AFTER_ASSIGNMENT,
            due_days=30,
            recurrence_months=12 if index % 2 else 0,
        )
        curriculum.departments.set([root])
        CurriculumCourse.objects.create(curriculum=curriculum, course_key=uuid.uuid4())

    def as_dict(result):
        return {
            "created": result.created,
            "closed": result.closed,
            "reopened": result.reopened,
            "changed": result.changed,
            "queries": len(connection.queries),
        }

    def run():
        connection.queries_log.clear()
        return as_dict(assignments_sync())

    results: dict = {}
    connection.force_debug_cursor = True
    timed("first_sync", run, results)
    timed("second_sync", run, results)
    people = list(LearnerProfile.objects.order_by("pk").values_list("pk", flat=True))
    leavers = people[::100]
    LearnerProfile.objects.filter(pk__in=leavers).update(is_active=False)
    timed("after_leavers_sync", run, results)
    LearnerProfile.objects.filter(pk__in=leavers).update(is_active=True)
    timed("after_returners_sync", run, results)
    # HR's compliance screens over all of it, as a site admin (the widest scope).
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from learning.curricula.compliance import compliance_people, compliance_summary

    admin, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True}
    )
    today = timezone.localdate()
    timed(
        "compliance_summary",
        lambda: {
            "assigned": compliance_summary(
                user=admin, today=today
            ).total.assigned
        },
        results,
    )
    timed(
        "compliance_people_page",
        lambda: {
            "rows": len(
                list(
                    compliance_people(user=admin, today=today)[:50]
                )
            )
        },
        results,
    )
    # Peak of the whole process (seeding included when the data was built now).
    rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report = {
        "database": connection.vendor,
        "learners": args.learners,
        "curricula": args.curricula,
        "assignments": Assignment.objects.count(),
        "seed_seconds": seed_seconds,
        "max_rss_mb": rss_mb,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        **results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "curricula-sync-latest.json").write_text(
        json.dumps(report, indent=2) + "\n", encoding="utf-8"
    )
    log.info(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
