"""`make loadtest`: a training day of the demo county under load, then a count of
what was kept (issue #16 part 3; benchmarks/README.md "Load without loss").

PostgreSQL (DATABASE_URL), Redis (REDIS_URL, CELERY_BROKER_URL), gunicorn and a real
Celery worker on 127.0.0.1; the learners sign in through the real form, then Locust
(benchmarks/locustfile.py) plays them for at most 120 s. Afterwards every quiz
submit the client saw succeed must have exactly one graded attempt, every statement
the LRS accepted must be stored, and no study hours or evidence may be written
twice. Results: benchmarks/results/load-latest.json.

Run from the repository root:  python benchmarks/loadtest.py [--users 200]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import run as pages_bench  # benchmarks/run.py: interpreter, gunicorn, percentiles

REPO = pages_bench.REPO
RESULTS_DIR = pages_bench.RESULTS_DIR
HOST = pages_bench.HOST
MAX_SECONDS = 120
DRAIN_TIMEOUT_S = 60.0
log = logging.getLogger("loadtest")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--spawn-rate", type=float, default=5.0, help="learners arriving per second"
    )
    parser.add_argument(
        "--run-seconds", type=int, default=112, help=f"at most {MAX_SECONDS - 8}"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("LOADTEST_PORT") or 0),
        help="gunicorn's port on 127.0.0.1 (default LOADTEST_PORT, else a free one)",
    )
    parser.add_argument(
        "--sign-in-threads",
        type=int,
        default=4,
        help="learners signing in at once before the timed run",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    args = parser.parse_args(argv)
    if not 0 < args.run_seconds <= MAX_SECONDS - 8:
        parser.error(f"--run-seconds must be between 1 and {MAX_SECONDS - 8}")
    return args


def server_environment(workdir: Path) -> dict[str, str]:
    """Production settings on loopback; the operator's services."""
    missing = [
        name
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        if not os.environ.get(name)
    ]
    if missing or not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit(
            "make loadtest needs PostgreSQL and Redis: set DATABASE_URL "
            "(postgres://…, a disposable database: the demo county is seeded there "
            "and 200 of its learners get a new password), REDIS_URL and "
            f"CELERY_BROKER_URL (missing: {', '.join(missing) or 'a postgres URL'})"
        )
    environment = dict(os.environ)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings.base",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "0",
            "ENV_FILE": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(workdir / "static"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


# Setup and reconciliation (Django in this process) ---------------------------------


def django_start(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def demo_county_present() -> bool:
    from learning.organisation.models import LearnerProfile

    return LearnerProfile.objects.filter(user__username="learner").exists()


def plan_write(path: Path, *, users: int, run_seconds: int) -> dict:
    """Choose the course (an H5P activity in its first lesson, a timed graded quiz)
    and `users` learners with an attempt left at that quiz, and give them one new
    password (hashed once with the site's hasher: setting 200 passwords one by one
    would take minutes of PBKDF2). Returns and writes what the Locust users need."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count, Q
    from django.urls import reverse

    from assessments.models import Attempt
    from courses.models import CoursePage, LessonPage
    from learning.organisation.models import RoleScope

    for course in (
        CoursePage.objects.live()
        .filter(locale__language_code=settings.LANGUAGE_CODE, graded_quiz__isnull=False)
        .select_related("graded_quiz")
        .order_by("path")
    ):
        lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
        if len(lessons) >= 2 and any(
            block.block_type == "h5p" for block in lessons[0].body
        ):
            break
    else:
        raise SystemExit("no live course with an H5P activity and a graded quiz")
    quiz = course.graded_quiz
    if not quiz.time_limit_minutes:
        raise SystemExit(f"the quiz {quiz.code} has no time limit")
    User = get_user_model()
    chosen = list(
        User.objects.filter(
            is_active=True,
            is_superuser=False,
            is_staff=False,
            learner_profile__isnull=False,
        )
        .exclude(pk__in=RoleScope.objects.values("user"))
        .exclude(username__in=["learner", "leader", "hr", "editor", "admin"])
        .annotate(
            used=Count("quiz_attempts", filter=Q(quiz_attempts__quiz=quiz)),
            open=Count(
                "quiz_attempts",
                filter=Q(
                    quiz_attempts__quiz=quiz,
                    quiz_attempts__status=Attempt.Status.IN_PROGRESS,
                ),
            ),
        )
        .filter(used__lt=quiz.max_attempts or 10**6, open=0)
        .order_by("used", "username")
        .values_list("pk", "username")[:users]
    )
    if len(chosen) < users:
        raise SystemExit(
            f"only {len(chosen)} learners have an attempt left at {quiz.code}: "
            "seed a fresh database (dropdb, then make loadtest)"
        )
    password = secrets.token_urlsafe(18)
    User.objects.filter(pk__in=[pk for pk, _name in chosen]).update(
        password=make_password(password)
    )
    plan = {
        "password": password,
        "learners": [{"username": name} for _pk, name in chosen],
        "course": {
            "title": course.title,
            "url": course.url,
            "enroll_url": reverse("learning:course_enroll", args=[course.pk]),
            "h5p_lesson_url": lessons[0].url,
            "second_lesson_url": lessons[1].url,
        },
        "quiz": {
            "code": quiz.code,
            "url": reverse("assessments:quiz_detail", args=[quiz.code]),
            "start_url": reverse("assessments:quiz_start", args=[quiz.code]),
            "pk": quiz.pk,
        },
        "run_seconds": run_seconds,
        # Everyone submits inside one minute (spread over it, as a room does when
        # the trainer says "submit now"), after the last learner has arrived.
        "submit_window": min(60, run_seconds // 2),
        "xapi_min_attempt_seconds": settings.XAPI_MIN_ATTEMPT_SECONDS,
    }
    plan["submit_from"] = run_seconds - plan["submit_window"] - 4
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return plan


def database_now() -> datetime:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def reconcile(record: dict, plan: dict, started_at: datetime) -> dict:
    """What the client was told was kept, against what the database holds."""
    from django.db.models import Count

    from assessments.models import Attempt, Evidence
    from learning.hours.models import StudyHourEntry
    from learning.xapi.models import XAPIStatement

    told = {item["attempt"]: item["username"] for item in record["submitted"]}
    attempts = {
        attempt.pk: attempt
        for attempt in Attempt.objects.filter(pk__in=told).select_related("learner")
    }
    ungraded = [
        pk
        for pk, username in told.items()
        if pk not in attempts
        or attempts[pk].learner.username != username
        or attempts[pk].status != Attempt.Status.SUBMITTED
        or attempts[pk].score is None
    ]
    graded_in_run = (
        Attempt.objects.filter(
            quiz_id=plan["quiz"]["pk"],
            learner__username__in=told.values(),
            started_at__gte=started_at,
            status=Attempt.Status.SUBMITTED,
        )
        .values("learner")
        .annotate(n=Count("pk"))
    )
    not_exactly_one = sorted(
        set(told.values())
        - {
            row["learner__username"]
            for row in graded_in_run.filter(n=1).values("learner__username")
        }
    )
    accepted = record["statements_accepted"]
    stored = XAPIStatement.objects.filter(statement_id__in=accepted).count()

    def written_twice(model, *fields) -> int:
        return (
            model.objects.filter(created_at__gte=started_at)
            .values(*fields)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )

    evidence_twice = written_twice(
        Evidence, "learner", "competency", "kind", "source_type", "source_id"
    )
    hours_twice = written_twice(
        StudyHourEntry, "learner", "kind", "source_type", "source_id", "cycle"
    )
    return {
        "submits_succeeded": len(told),
        "submits_without_one_graded_attempt": len(ungraded) + len(not_exactly_one),
        "statements_accepted": len(accepted),
        "statements_stored": stored,
        "evidence_written_twice": evidence_twice,
        "hours_written_twice": hours_twice,
        "evidence_rows_written": Evidence.objects.filter(
            created_at__gte=started_at
        ).count(),
        "hours_rows_written": StudyHourEntry.objects.filter(
            created_at__gte=started_at
        ).count(),
    }


# Processes -------------------------------------------------------------------------


def start(command: list[str], environment: dict, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as out:
        return subprocess.Popen(  # noqa: S603
            command, cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def queue_drained(broker_url: str) -> bool:
    """Wait until the worker has taken every task (the default queue is empty)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        if not client.llen("celery") and not client.hlen("unacked"):
            return True
        time.sleep(0.5)
    return False


def sign_in_all(plan: dict, port: int, threads: int) -> tuple[list[float], float]:
    """Every learner signs in through the real form (the sign-in page, then the
    password), `threads` at a time as people arriving in the morning; their session
    cookies go to the plan for Locust. Returns each sign-in's milliseconds and the
    phase's seconds. A failed sign-in stops the run (pages_bench.Client.login)."""
    queue = list(plan["learners"])
    lock = threading.Lock()
    samples: list[float] = []

    def sign_in_next() -> None:
        while True:
            with lock:
                if not queue:
                    return
                learner = queue.pop()
            client = pages_bench.Client(port)
            began = time.perf_counter()
            client.login(learner["username"], plan["password"])
            elapsed = (time.perf_counter() - began) * 1000
            client.close()
            with lock:
                samples.append(elapsed)
                learner["cookies"] = dict(client.cookies)

    began = time.monotonic()
    workers = [threading.Thread(target=sign_in_next) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return samples, time.monotonic() - began


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "requests": len(ordered),
        "p50_ms": round(pages_bench.percentile(ordered, 50), 1),
        "p95_ms": round(pages_bench.percentile(ordered, 95), 1),
        "p99_ms": round(pages_bench.percentile(ordered, 99), 1),
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="civicskills-load-"))
    environment = server_environment(workdir)
    python = pages_bench.python_bin()
    pages_bench.manage(environment, "migrate", "--noinput")
    django_start(environment)
    if not demo_county_present():
        log.info("seeding the demo county (a few minutes, once per database)")
        pages_bench.manage(environment, "seed_demo", "--force")
    pages_bench.manage(environment, "collectstatic", "--noinput")
    plan_path, record_path = workdir / "plan.json", workdir / "record.json"
    plan = plan_write(plan_path, users=args.users, run_seconds=args.run_seconds)
    port = args.port or pages_bench.free_port()
    worker = start(
        [python, "-m", "celery", "-A", "cms", "worker", "--concurrency=1"]
        + ["--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        environment,
        workdir / "worker.log",
    )
    server = start(
        [*pages_bench.gunicorn_cmd(), "cms.wsgi:application"]
        + ["--bind", f"{HOST}:{port}", "--worker-class", "gthread"]
        + ["--workers", str(args.workers), "--threads", str(args.threads)]
        + ["--timeout", "60", "--backlog", "512"],
        environment,
        workdir / "gunicorn.log",
    )
    try:
        pages_bench.wait_healthy(server, port, workdir / "gunicorn.log")
        from django.db import connection

        started_at = database_now()
        connection.close()
        load_average = os.getloadavg()
        sign_ins, sign_in_seconds = sign_in_all(plan, port, args.sign_in_threads)
        plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        began = time.monotonic()
        subprocess.run(  # noqa: S603
            [str(Path(python).parent / "locust"), "-f", "benchmarks/locustfile.py"]
            + ["--headless", "--only-summary", "--loglevel", "WARNING"]
            + ["--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
            + ["--run-time", f"{args.run_seconds}s", "--stop-timeout", "5"]
            + ["--host", f"http://{HOST}:{port}"],
            cwd=REPO,
            env={
                **environment,
                "LOADTEST_PLAN": str(plan_path),
                "LOADTEST_RECORD": str(record_path),
            },
            timeout=MAX_SECONDS + 30,
            check=False,
        )
        wall = time.monotonic() - began
        drained = queue_drained(environment["CELERY_BROKER_URL"])
    finally:
        stop(server)
        stop(worker)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    kept = reconcile(record, plan, started_at)
    kept["celery_queue_drained"] = drained
    requests = {
        name: summary(samples) | {"errors": len(record["failures"].get(name, []))}
        for name, samples in sorted(record["latencies_ms"].items())
    }
    requests["sign_in"] = summary(sign_ins) | {"errors": 0}
    errors = sum(len(items) for items in record["failures"].values())
    lost = (
        kept["submits_without_one_graded_attempt"]
        + kept["statements_accepted"]
        - kept["statements_stored"]
    )
    report = {
        "benchmark": "load",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": pages_bench.machine_info()
        | {"load_average_at_start": [round(v, 2) for v in load_average]},
        "setup": {
            "database": "postgresql",
            "gunicorn": f"{args.workers} gthread workers x {args.threads} threads",
            "celery": "1 worker process (prefork, concurrency 1)",
            "spawn_rate_per_s": args.spawn_rate,
            "run_seconds": args.run_seconds,
            "sign_in_threads": args.sign_in_threads,
            "sign_in_phase_seconds": round(sign_in_seconds, 1),
            "wall_seconds": round(wall, 1),
            "course": plan["course"]["url"],
            "quiz": plan["quiz"]["code"],
            "submit_window_s": [
                plan["submit_from"],
                plan["submit_from"] + plan["submit_window"],
            ],
        },
        "users": args.users,
        "errors": errors,
        "lost": lost,
        "duplicates": kept["evidence_written_twice"] + kept["hours_written_twice"],
        "reconciliation": kept,
        "floor": requests.get("static_floor"),
        "requests": requests,
        "error_samples": {
            name: sorted(set(items))[:5] for name, items in record["failures"].items()
        },
    }
    report.update(requests)  # quiz_submit, heartbeat, xapi_batch, … at the top level
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "load-latest.json").write_text(text, encoding="utf-8")
    log.info(
        "%-16s %6s %5s %8s %8s %8s", "request", "count", "err", "p50", "p95", "p99"
    )
    for name, row in requests.items():
        log.info(
            "%-16s %6d %5d %8.1f %8.1f %8.1f",
            name,
            row["requests"],
            row["errors"],
            row["p50_ms"],
            row["p95_ms"],
            row["p99_ms"],
        )
    log.info("reconciliation: %s", json.dumps(kept))
    log.info("users %d, errors %d, lost %d", args.users, errors, lost)
    ok = errors == 0 and lost == 0 and report["duplicates"] == 0 and drained
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
