"""Spreadsheet reading speed: a 200,000-row roster-like XLSX read with
assessments.spreadsheets (python-calamine, with its zip checks and sheet scan, every
cell as text) beside the floors on the same file — pandas.read_excel with
engine="calamine", openpyxl's read-only mode — and beside the regex reader the roster
used before (learning's xlsx_reader, when it is still there), in one run.

    .venv/bin/python benchmarks/spreadsheets.py [--rows 200000] [--file roster.xlsx]

No database is needed. The file is written by openpyxl's write-only mode (inline
strings, a date style), as benchmarks/roster_import.py writes its roster; --file
reads an existing workbook instead. Results go to
benchmarks/results/spreadsheets-latest.json."""

import argparse
import datetime
import importlib
import io
import json
import logging
import os
import platform
import random
import sys
import time
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
HEADER = ["工号", "姓名", "部门", "职务", "职级", "入职日期", "邮箱", "电话", "状态"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂"
UNITS = [f"QX-{code}" for code in ("XZSP", "DSJ", "CZJ", "MZJ", "RSJ", "SCJG")]
# The reader the roster used before python-calamine, wherever the reorganisation
# of learning/ has put it (gone once the roster reads through the new module).
OLD_READERS = ("learning.roster.xlsx_reader", "learning.xlsx_reader")


def roster_rows(count: int, seed: int = 7) -> list[list]:
    rng = random.Random(seed)
    start = datetime.date(1990, 1, 1)
    return [
        [
            f"P{number:07d}",
            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            rng.choice(UNITS) + f"-{rng.randint(1, 40):02d}",
            f"POS{rng.randint(1, 30)}",
            f"R{rng.randint(1, 8)}",
            start + datetime.timedelta(days=rng.randrange(13000)),
            f"p{number}@qingxi.gov.cn" if number % 3 else "",
            f"139{number:08d}" if number % 2 else "",
            "在职",
        ]
        for number in range(1, count + 1)
    ]


def roster_xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def new_reader(content: bytes) -> int:
    from assessments.spreadsheets import spreadsheet_read

    return sum(1 for _row in spreadsheet_read(content, file_name="roster.xlsx"))


def pandas_calamine(content: bytes) -> int:
    import pandas

    return len(pandas.read_excel(io.BytesIO(content), engine="calamine", dtype=str))


def openpyxl_read_only(content: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    count = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def old_reader_for():
    for name in OLD_READERS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue

        def old_reader(content: bytes, xlsx_rows=module.xlsx_rows) -> int:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return sum(1 for _row in xlsx_rows(archive))

        return name, old_reader
    return None, None


def timed(function, content: bytes, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        rows = function(content)
        seconds = time.perf_counter() - started
        best = seconds if best is None else min(best, seconds)
    return {"seconds": round(best, 2), "rows": rows}


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--file", type=Path, help="read this workbook instead")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    sys.path.insert(0, str(ROOT))

    if args.file:
        content = args.file.read_bytes()
    else:
        started = time.perf_counter()
        content = roster_xlsx(roster_rows(args.rows))
        log.info("built %s rows in %.1f s", args.rows, time.perf_counter() - started)
    old_name, old_reader = old_reader_for()
    readers = {
        "assessments.spreadsheets (calamine, rows as text)": new_reader,
        "pandas.read_excel engine=calamine": pandas_calamine,
        "openpyxl read_only": openpyxl_read_only,
    }
    if old_reader is not None:
        readers[f"{old_name} (regex, values)"] = old_reader
    results = {}
    for label, function in readers.items():
        results[label] = timed(function, content, args.repeat)
        log.info("%-55s %6.2f s", label, results[label]["seconds"])
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "file_bytes": len(content),
        "readers": results,
    }
    if old_reader is not None:
        new = results["assessments.spreadsheets (calamine, rows as text)"]["seconds"]
        old = results[f"{old_name} (regex, values)"]["seconds"]
        report["new_over_old"] = round(new / old, 2)
        report["budget"] = "new reader within 1.5x of the old regex reader"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "spreadsheets-latest.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    log.info(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
