"""Roster import speed: a 200,000-row XLSX roster for a demo-like organisation,
checked (dry run) and applied, on PostgreSQL; then a second roster with changes
(transfers, leavers, new hires) checked and applied.

    .venv/bin/python benchmarks/roster_import.py [--rows 200000] \
        [--database-url postgres://postgres@127.0.0.1:5432/civicskills_bench_roster]

The database is dropped, created and migrated; the organisation is the demo county's
departments, positions and ranks (no people: the roster brings them). The apply runs
in this process as the Celery task would (roster_apply). Results go to
benchmarks/results/roster-latest.json."""

import argparse
import io
import json
import logging
import os
import platform
import random
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civicskills_bench_roster"
HEADER = ["工号", "姓名", "部门", "职务", "职级", "入职日期", "邮箱", "电话", "状态"]


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


def people(count: int, seed: int = 7) -> list[list]:
    """`count` staff spread over the demo county's units by their weights."""
    import datetime

    from learning.demo import county_data as data

    rng = random.Random(seed)
    units = [d for d in data.DEPARTMENTS if d["weight"]]
    weights = [d["weight"] for d in units]
    fitting = {d["code"]: data.positions_for(d["code"]) for d in units}
    start = datetime.date(1990, 1, 1)
    rows = []
    for number, unit in enumerate(rng.choices(units, weights, k=count), start=1):
        position = rng.choice(fitting[unit["code"]] or data.POSITIONS)
        rows.append(
            [
                f"P{number:07d}",
                data.person_name(rng),
                unit["code"],
                position["code"],
                position["ranks"][0],
                start + datetime.timedelta(days=rng.randrange(13000)),
                f"p{number}@qingxi.gov.cn" if number % 3 else "",
                f"139{number:08d}" if number % 2 else "",
                "在职",
            ]
        )
    return rows


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def changed(rows: list[list], seed: int = 8) -> list[list]:
    """The next month's roster: 5% transfers, 2% leavers, 1% new hires."""
    from learning.demo import county_data as data

    rng = random.Random(seed)
    codes = [d["code"] for d in data.DEPARTMENTS]
    result = [list(row) for row in rows]
    for row in rng.sample(result, len(result) * 5 // 100):
        row[2] = rng.choice(codes)
    for row in rng.sample(result, len(result) * 2 // 100):
        row[8] = "离职"
    extra = people(len(rows) // 100, seed=seed)
    for number, row in enumerate(extra, start=len(rows) + 1):
        row[0] = f"P{number:07d}"
    return result + extra


def timed(function, **kwargs):
    started = time.perf_counter()
    value = function(**kwargs)
    return value, round(time.perf_counter() - started, 2)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_ROSTER_DATABASE_URL", DEFAULT_URL),
    )
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()

    database_ensure(args.database_url)
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

    call_command("migrate", verbosity=0)
    from learning.demo.organisation import seed_departments, seed_ranks_and_positions
    from learning.models import LearnerProfile
    from learning.roster import apply as roster_apply_module
    from learning.roster.apply import roster_apply
    from learning.roster.services import roster_check

    seed_departments()
    seed_ranks_and_positions()
    # The curricula's assignment sync is measured elsewhere; here only the roster.
    roster_apply_module.assignments_sync_after_roster = lambda *, profile_ids: None

    first_rows = people(args.rows)
    first, build_seconds = timed(xlsx, rows=first_rows)
    second = xlsx(changed(first_rows))

    results = {}
    for label, content in (("initial", first), ("changes", second)):
        checked, check_seconds = timed(
            roster_check,
            actor=None,
            content=content,
            file_name=f"{label}.xlsx",
            full_roster=False,
        )
        if checked.report["counts"]["errors"]:
            raise SystemExit(f"{label}: {checked.report['lines'][:3]}")
        applied, apply_seconds = timed(roster_apply, roster_import=checked)
        if applied.status != "applied":
            raise SystemExit(f"{label}: {applied.error}")
        results[label] = {
            "rows": checked.total_rows,
            "file_bytes": len(content),
            "counts": applied.report["counts"],
            "check_seconds": check_seconds,
            "apply_seconds": apply_seconds,
            "apply_rows_per_second": round(checked.total_rows / apply_seconds),
        }
        log.info("%s %s", label, json.dumps(results[label]))

    report = {
        "database": "postgresql",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "build_xlsx_seconds": build_seconds,
        "people_after": LearnerProfile.objects.count(),
        "budget": "apply of 200,000 rows within 60 s",
        **results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "roster-latest.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    log.info(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
