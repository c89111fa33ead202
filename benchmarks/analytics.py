"""Leaders' dashboards at province scale: pages against the SQL floor, on PostgreSQL.

    .venv/bin/python benchmarks/analytics.py [--learners 200000]
        [--evidence-per-person 50] [--curricula 10] [--requests 30] [--keep]
        [--database-url postgres://postgres@127.0.0.1:5432/civicskills_bench_analytics]

Builds (or, with --keep, completes and reuses) a synthetic province with `seed_scale`
in its own PostgreSQL database, then, in one run:
- serves the site with gunicorn (benchmarks/run.py's settings: DEBUG=0, a random
  SECRET_KEY, collected static files; 2 sync workers) and signs in through the real
  login form as a site admin;
- times the overview `/dashboard/` and the heatmap `/dashboard/gaps/` at the root,
  a city, a county and a township (`?department=<id>`): `--requests` sequential GETs
  each after two unmeasured ones, every answer HTTP 200 with the page's marker;
- times the FLOOR the same number of times: one hand-written SQL aggregate over the
  base tables (people, departments, targets, current levels) that computes the same
  heatmap — per breakdown row and competency, the people with a target, how many
  are at or above it and the summed shortfall — and checks it equals the project's
  own `analytics.gaps.gap_counts` rolled up to the same rows;
- profiles one root request of each page in-process (cProfile and every SQL query
  with its time) so the slow part can be named;
- times the daily snapshot for the province (`analytics.snapshots.snapshot_day`,
  in a child process, with its peak RSS) and the leadership PDF for a county
  (`analytics.report.leadership_report` + `analytics.report_pdf.report_pdf`), each
  only when the module is there.
Results go to benchmarks/results/analytics-latest.json. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import logging
import os
import pstats
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import run as site  # noqa: E402  (benchmarks/run.py: gunicorn, client, percentiles)

# Progress and the result table on stdout through a logger of its own: Django's
# logging settings (applied when the benchmark profiles in-process) leave it alone.
log = logging.getLogger("benchmarks.analytics")
log.propagate = False
if not log.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)


def say(message: str, *args) -> None:
    log.info(message, *args)


RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civicskills_bench_analytics"
ADMIN = "bench-analytics-admin"
# The breakdown scopes: (name, department code in learning/demo/scale.py's tree).
SCOPES = [
    ("root", "SC"),
    ("city", "SC-C01"),
    ("county", "SC-C01-K01"),
    ("township", "SC-C01-K01-T1"),
]
PAGES = [
    ("overview", "/dashboard/", 'class="data-table'),
    ("heatmap", "/dashboard/gaps/", 'class="data-table heatmap"'),
]
PAGE_TIMEOUT_S = 600

# The heatmap from the base tables. Rows: the people directly in the department,
# then each direct sub-unit with its subtree (`bucket`: the path prefix of that
# row). A person's target per competency: the position's county-wide target unless
# a target for their department or one above it exists (the nearest wins: each
# unit's ancestors are the prefixes of its path, matched to the targets' paths).
# Level: the current level in force (valid_until empty or in the future), 0 without
# one. Counted per unit and competency, then summed per breakdown row.
# (Written for the planner: materialised CTEs where its estimates went astray; the
# first version joined levels person by person and took twice the page's time.)
FLOOR_SQL = """
WITH units AS (
    SELECT id, path, left(path, %(bucket)s) AS bucket
    FROM learning_department WHERE path LIKE %(prefix)s
),
pairs AS (
    SELECT lp.department_id, lp.position_id, count(*) AS n
    FROM learning_learnerprofile lp
    WHERE lp.is_active AND lp.position_id IS NOT NULL
      AND lp.department_id IN (SELECT id FROM units)
    GROUP BY lp.department_id, lp.position_id
),
ancestors AS MATERIALIZED (
    SELECT p.department_id, p.position_id, up.k,
           left(u.path, up.k * %(steplen)s) AS above
    FROM pairs p
    JOIN units u ON u.id = p.department_id
    CROSS JOIN LATERAL generate_series(0, length(u.path) / %(steplen)s) AS up(k)
),
targets AS MATERIALIZED (
    SELECT t.position_id, t.competency_id, t.required_level,
           coalesce(td.path, '') AS path
    FROM learning_competencytarget t
    LEFT JOIN learning_department td ON td.id = t.department_id
),
resolved AS MATERIALIZED (
    SELECT DISTINCT ON (a.department_id, a.position_id, t.competency_id)
           a.department_id, a.position_id, t.competency_id, t.required_level
    FROM ancestors a
    JOIN targets t ON t.position_id = a.position_id AND t.path = a.above
    ORDER BY a.department_id, a.position_id, t.competency_id, a.k DESC
),
need AS (
    SELECT p.department_id, r.competency_id, sum(p.n) AS people,
           sum(p.n * r.required_level) AS required
    FROM pairs p
    JOIN resolved r
      ON r.department_id = p.department_id AND r.position_id = p.position_id
    GROUP BY p.department_id, r.competency_id
),
held AS (
    -- The levels in force of the people in scope first (OFFSET 0 plans that join
    -- on its own, from the tables' statistics), then their targets.
    SELECT h.department_id, h.competency_id,
           count(*) FILTER (WHERE h.level >= r.required_level) AS met,
           sum(least(h.level, r.required_level)) AS held
    FROM (
        SELECT lp.department_id, lp.position_id, cl.competency_id, cl.level
        FROM assessments_competencylevel cl
        JOIN learning_learnerprofile lp ON lp.user_id = cl.learner_id
        WHERE (cl.valid_until IS NULL OR cl.valid_until > now()) AND cl.level > 0
          AND cl.competency_id IN (SELECT competency_id FROM learning_competencytarget)
          AND lp.is_active AND lp.position_id IS NOT NULL
          AND lp.department_id IN (SELECT id FROM units)
        OFFSET 0
    ) h
    JOIN resolved r
      ON r.department_id = h.department_id AND r.position_id = h.position_id
     AND r.competency_id = h.competency_id
    GROUP BY h.department_id, h.competency_id
)
SELECT u.bucket, need.competency_id, sum(need.people) AS people,
       sum(coalesce(held.met, 0)) AS met,
       sum(need.required - coalesce(held.held, 0)) AS shortfall
FROM need
JOIN units u ON u.id = need.department_id
LEFT JOIN held USING (department_id, competency_id)
GROUP BY u.bucket, need.competency_id
"""


def database_ensure(url: str, *, fresh: bool) -> bool:
    """Create the benchmark's own database (dropped first unless --keep); True when
    it existed and was kept."""
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
    return bool(exists)


def code_measured() -> dict:
    """The commit the server and the profile load, read before they start (others
    may commit while the run lasts), and the tracked files changed on top of it."""
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    return {
        "git_commit": site.git_commit(),
        "tracked_files_changed": sorted(line[3:] for line in changed if line.strip()),
    }


def stats(ms: list[float]) -> dict[str, float]:
    values = sorted(ms)
    return {
        "n": len(values),
        "p50_ms": round(site.percentile(values, 50), 1),
        "p95_ms": round(site.percentile(values, 95), 1),
        "max_ms": round(values[-1], 1) if values else float("nan"),
    }


def rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# Data ------------------------------------------------------------------------------


def seed(args) -> dict:
    from django.core.management import call_command

    from assessments.services.frameworks import framework_load_defaults

    framework_load_defaults()
    started = time.perf_counter()
    out = io.StringIO()
    call_command(
        "seed_scale",
        learners=args.learners,
        evidence_per_person=args.evidence_per_person,
        hours_per_person=args.hours_per_person,
        curricula=args.curricula,
        stdout=out,
    )
    seconds = round(time.perf_counter() - started, 1)
    say("seed_scale: %s", out.getvalue().strip())
    return {"seconds": seconds, "output": out.getvalue().strip()}


def data_sizes() -> dict:
    from django.db import connection

    tables = {
        "departments": "learning_department",
        "learners": "learning_learnerprofile",
        "evidence_rows": "assessments_evidence",
        "competency_levels": "assessments_competencylevel",
        "targets": "learning_competencytarget",
        "study_hour_entries": "learning_studyhourentry",
        "assignments": "learning_assignment",
    }
    sizes = {}
    with connection.cursor() as cursor:
        for key, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            sizes[key] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM learning_competencytarget WHERE department_id"
            " IS NOT NULL"
        )
        sizes["target_overrides"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["database_mb"] = round(cursor.fetchone()[0] / 2**20)
    return sizes


def admin_ensure(password: str):
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username=ADMIN, defaults={"is_superuser": True, "is_staff": True}
    )
    user.is_superuser = user.is_staff = user.is_active = True
    user.set_password(password)
    user.save()
    return user


# The floor ------------------------------------------------------------------------


def floor_rows(department) -> list[tuple]:
    from django.db import connection

    params = {
        "bucket": (department.depth + 1) * department.steplen,
        "prefix": department.path + "%",
        "steplen": department.steplen,
    }
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        return cursor.fetchall()


def floor_time(department, repeat: int) -> dict:
    floor_rows(department)  # warm-up, as the pages get
    ms = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = floor_rows(department)
        ms.append((time.perf_counter() - started) * 1000)
    return {**stats(ms), "cells": len(rows)}


def floor_check(department) -> dict:
    """The floor against the project's own counts (analytics.gaps.gap_counts),
    rolled up to the same breakdown rows."""
    try:
        from django.utils import timezone

        from analytics.gaps import gap_counts
    except ImportError as error:
        return {"checked": False, "why": str(error)}
    size = (department.depth + 1) * department.steplen
    frame = gap_counts(department, now=timezone.now())
    frame = frame.assign(bucket=frame["path"].str.slice(0, size))
    ours = {
        (b, int(c)): (int(p), int(m), int(s))
        for (b, c), (p, m, s) in frame.groupby(["bucket", "competency_id"])[
            ["people", "met", "shortfall"]
        ]
        .sum()
        .iterrows()
    }
    floor = {(b, c): (p, m, int(s)) for b, c, p, m, s in floor_rows(department)}
    differ = [key for key in set(ours) | set(floor) if ours.get(key) != floor.get(key)]
    return {"checked": True, "cells": len(floor), "cells_differ": len(differ)}


# Pages through gunicorn -------------------------------------------------------------


@contextmanager
def gunicorn(env: dict[str, str], port: int, log_path: Path):
    """benchmarks/run.py's server, with a timeout long enough for a slow page."""
    cmd = [
        *site.gunicorn_cmd(),
        "cms.wsgi:application",
        "--bind",
        f"{site.HOST}:{port}",
        "--workers",
        "2",
        "--threads",
        "1",
        "--timeout",
        str(PAGE_TIMEOUT_S),
    ]
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        site.wait_healthy(proc, port, log_path)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def page_time(client, path: str, marker: str, repeat: int) -> dict:
    errors: list[str] = []
    ms: list[float] = []
    for index in range(repeat + 2):
        started = time.perf_counter()
        try:
            status, text, _ = client.request("GET", path)
        except Exception as exc:  # counted, never fatal: the run must finish
            status, text = 0, type(exc).__name__
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            errors.append(f"HTTP {status}: {text[:120]}")
        elif marker not in text:
            errors.append(f"marker {marker!r} missing")
        if index >= 2:  # two unmeasured requests first
            ms.append(elapsed)
    return {
        **stats(ms),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
    }


# Profile ------------------------------------------------------------------------------


def profile_request(user, path: str) -> dict:
    """One request in-process through the full middleware: cProfile's heaviest
    functions (cumulative) and every SQL query with its time."""
    from django.db import connection, reset_queries
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get(path)  # warm caches as the timed runs do
    reset_queries()
    connection.force_debug_cursor = True
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    response = client.get(path)
    profiler.disable()
    total = (time.perf_counter() - started) * 1000
    connection.force_debug_cursor = False
    queries = [
        {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]}
        for q in connection.queries
    ]
    sql_ms = sum(q["ms"] for q in queries)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    own = io.StringIO()
    pstats.Stats(profiler, stream=own).sort_stats("tottime").print_stats(15)
    return {
        "path": path,
        "status": response.status_code,
        "total_ms": round(total, 1),
        "queries": len(queries),
        "sql_ms": round(sql_ms, 1),
        "python_ms": round(total - sql_ms, 1),
        "slowest_queries": sorted(queries, key=lambda q: -q["ms"])[:6],
        "cprofile_cumulative": _trim(out.getvalue(), 45),
        "cprofile_own_time": _trim(own.getvalue(), 25),
    }


def _trim(text: str, lines: int) -> list[str]:
    rows = [line.rstrip() for line in text.splitlines() if line.strip()]
    start = next((i for i, row in enumerate(rows) if "ncalls" in row), 0)
    return rows[start : start + lines]


# Snapshot and PDF ---------------------------------------------------------------------

SNAPSHOT_CHILD = """
import datetime, json, resource, sys, time
import django
django.setup()
from django.utils import timezone
from analytics.models import DepartmentSnapshot
from analytics.snapshots import snapshot_day
day = timezone.localdate()
# The benchmark's own database: today's rows from an earlier run go, so it is timed.
DepartmentSnapshot.objects.filter(day=day).delete()
started = time.perf_counter()
written = snapshot_day(day)
seconds = time.perf_counter() - started
again = time.perf_counter()
second = snapshot_day(day)
sys.stdout.write(json.dumps({
    "day": day.isoformat(), "rows_written": written,
    "seconds": round(seconds, 1),
    "second_run_rows": second,
    "second_run_seconds": round(time.perf_counter() - again, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}) + "\\n")
"""


def snapshot_measure(env: dict[str, str]) -> dict:
    try:
        import analytics.snapshots as snapshots

        snapshots.snapshot_day  # noqa: B018  (importable and named as agreed)
    except (ImportError, AttributeError) as error:
        return {"measured": False, "why": f"analytics.snapshots.snapshot_day: {error}"}
    started = time.perf_counter()
    proc = subprocess.run(
        [site.python_bin(), "-c", SNAPSHOT_CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall = round(time.perf_counter() - started, 1)
    if proc.returncode != 0:
        return {
            "measured": False,
            "why": "snapshot_day failed",
            "stderr_tail": proc.stderr[-1500:],
            "wall_seconds": wall,
        }
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"measured": True, "process_wall_seconds": wall, **result}


def pdf_measure(user, department, repeat: int) -> dict:
    try:
        from django.utils import timezone

        from analytics.report import leadership_report, previous_month
        from analytics.report_pdf import report_pdf
        from analytics.scope import dashboard_scope
    except ImportError as error:
        return {"measured": False, "why": str(error)}
    from django.http import QueryDict

    today = timezone.localdate()
    month = previous_month(today)
    ms = []
    size = 0
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            scope = dashboard_scope(user, QueryDict(f"department={department.pk}"))
            report = leadership_report(scope, month=month)
            size = len(report_pdf(report))
            ms.append((time.perf_counter() - started) * 1000)
    except Exception as error:  # reported, never fatal: the run must finish
        return {"measured": False, "why": f"{type(error).__name__}: {error}"}
    return {"measured": True, "month": month.isoformat(), "bytes": size, **stats(ms)}


# Main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=200_000)
    parser.add_argument("--evidence-per-person", type=int, default=50)
    parser.add_argument("--hours-per-person", type=int, default=6)
    parser.add_argument("--curricula", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pdf-requests", type=int, default=3)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database if it exists"
    )
    parser.add_argument(
        "--no-snapshot", action="store_true", help="skip the snapshot task"
    )
    args = parser.parse_args()
    if not 1 <= args.requests <= 1000:
        parser.error("--requests must be between 1 and 1000")
    began = time.perf_counter()
    code = code_measured()
    kept = database_ensure(args.database_url, fresh=not args.keep)
    with tempfile.TemporaryDirectory(prefix="civicskills-analytics-") as tmp:
        workdir = Path(tmp)
        os.environ["DATABASE_URL"] = args.database_url
        env, _user_db = site.build_env(workdir)
        env["DJANGO_SETTINGS_MODULE"] = "cms.settings.base"
        # Before Django starts here: the static storage reads its manifest once.
        site.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        # In-process: the same settings, plus the test client's host name.
        os.environ.update(env)
        os.environ["ALLOWED_HOSTS"] = env["ALLOWED_HOSTS"] + ",testserver"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from learning.organisation.models import Department

        call_command("migrate", verbosity=0)
        seeding = seed(args)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        sizes = data_sizes()
        say("data: %s", sizes)
        password = secrets.token_urlsafe(16)
        admin = admin_ensure(password)
        scopes = {name: Department.objects.get(code=code) for name, code in SCOPES}

        results: dict[str, dict] = {name: {} for name, _path, _marker in PAGES}
        port = site.free_port()
        say("gunicorn on %s:%s ...", site.HOST, port)
        with gunicorn(env, port, workdir / "gunicorn.log"):
            client = site.Client(port)
            try:
                client.login(ADMIN, password)
                for scope_name, department in scopes.items():
                    for page, path, marker in PAGES:
                        url = (
                            path
                            if scope_name == "root"
                            else (f"{path}?department={department.pk}")
                        )
                        timing = page_time(client, url, marker, args.requests)
                        results[page][scope_name] = {"path": url, **timing}
                        say("%-8s %-9s %s", page, scope_name, timing)
            finally:
                client.close()

        floors = {}
        checks = {}
        for scope_name, department in scopes.items():
            floors[scope_name] = floor_time(department, args.requests)
            checks[scope_name] = floor_check(department)
            say(
                "floor    %-9s %s %s",
                scope_name,
                floors[scope_name],
                checks[scope_name],
            )
        for page, _path, _marker in PAGES:
            for scope_name, row in results[page].items():
                floor = floors[scope_name]["p95_ms"]
                row["floor_p50_ms"] = floors[scope_name]["p50_ms"]
                row["floor_p95_ms"] = floor
                row["ratio_to_floor"] = (
                    round(row["p95_ms"] / floor, 2) if floor else None
                )

        profiles = {page: profile_request(admin, path) for page, path, _marker in PAGES}
        for page, profile in profiles.items():
            say(
                "profile %s: %s ms, %s queries, %s ms SQL",
                page,
                profile["total_ms"],
                profile["queries"],
                profile["sql_ms"],
            )
        pdf = pdf_measure(admin, scopes["county"], args.pdf_requests)
        say("pdf: %s", pdf)
        snapshot = (
            {"measured": False, "why": "--no-snapshot"}
            if args.no_snapshot
            else snapshot_measure(env)
        )
        say("snapshot: %s", snapshot)

    root_heatmap = results["heatmap"]["root"]
    report = {
        "benchmark": "analytics",
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "machine": {**site.machine_info(), "git_commit": code["git_commit"]},
        "code": code,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "database": "postgresql",
        "settings": {
            "requests_per_page": args.requests,
            "client": "1 client, sequential requests, signed in as a site admin",
            "server": f"gunicorn sync, 2 workers x 1 thread, DEBUG=0, "
            f"timeout {PAGE_TIMEOUT_S} s",
        },
        "learners": sizes["learners"],
        "departments": sizes["departments"],
        "evidence_rows": sizes["evidence_rows"],
        "assignments": sizes["assignments"],
        "sizes": sizes,
        "database_kept": kept,
        "seed": seeding,
        "scopes": {
            name: {"code": d.code, "id": d.pk, "depth": d.depth}
            for name, d in scopes.items()
        },
        "pages": results,
        "floor": floors,
        "floor_equals_project_counts": checks,
        "budgets": {
            "root_p95_ms": 300,
            "root_heatmap_p95_ms": root_heatmap["p95_ms"],
            "root_overview_p95_ms": results["overview"]["root"]["p95_ms"],
            "no_slower_than_floor": all(
                row["ratio_to_floor"] is not None and row["ratio_to_floor"] <= 1
                for page in results.values()
                for row in page.values()
            ),
            "snapshot_max_rss_mb": 2048,
            "snapshot_max_seconds": 600,
            "county_pdf_max_seconds": 5,
        },
        "profile_root": profiles,
        "snapshot": snapshot,
        "pdf_county": pdf,
        "max_rss_mb": rss_mb(),
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "analytics-latest.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print_table(results)
    errors = sum(row["errors"] for page in results.values() for row in page.values())
    return 1 if errors else 0


def print_table(results: dict) -> None:
    say(
        f"{'page':9} {'scope':9} {'p50 ms':>8} {'p95 ms':>8} {'floor p95':>9} "
        f"{'ratio':>6} {'err':>4}"
    )
    for page, rows in results.items():
        for scope, row in rows.items():
            say(
                f"{page:9} {scope:9} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
                f"{row['floor_p95_ms']:9.1f} {row['ratio_to_floor'] or 0:6.2f} "
                f"{row['errors']:4d}"
            )


if __name__ == "__main__":
    raise SystemExit(main())
