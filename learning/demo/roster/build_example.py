"""Rebuild the example rosters for the demo county (清溪县):

    .venv/bin/python learning/demo/roster/build_example.py

Writes example_roster.csv (GBK, as Excel on a Chinese Windows saves "CSV") and
example_roster.xlsx next to this file. Both hold the same 31 rows: 25 people as the
demo seeds them (unchanged), one transfer, one new phone number and e-mail, three
new hires and one leaver, so that importing either into the seeded demo shows every
kind of change and no error. Departments are written both as codes and as paths of
names, positions and ranks both as codes and as titles, as HR files mix them.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import os
import random
import sys
from pathlib import Path

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
HEADER = ["工号", "姓名", "部门", "职务", "职级", "入职日期", "邮箱", "电话", "状态"]


def _path_of(code: str, data) -> str:
    by_code = {d["code"]: d for d in data.DEPARTMENTS}
    names = []
    while code:
        names.append(by_code[code]["name"])
        code = by_code[code]["parent"]
    return "/".join([data.COUNTY["name"], *reversed(names)])


def example_rows() -> list[list]:
    from learning.demo import county_data as data
    from learning.demo.organisation import SEED, _staff_plan

    plan = _staff_plan(random.Random(SEED))
    positions = {p["code"]: p["title"] for p in data.POSITIONS}
    ranks = {r["code"]: r["name"] for r in data.RANKS}
    rows: list[list] = []

    def row(person, *, as_path=False, titles=False, **changes) -> list:
        values = {**person, **changes}
        department = values["department"]
        return [
            values["employee_number"],
            values["full_name"],
            _path_of(department, data) if as_path else department,
            positions[values["position"]] if titles else values["position"],
            ranks[values["rank"]] if titles else values["rank"],
            values["hire_date"],
            values.get("email", ""),
            values.get("phone", ""),
            values.get("status", "在职"),
        ]

    # 25 people exactly as seeded, spread over the county.
    for index, person in enumerate(plan[10:2510:100]):
        rows.append(row(person, as_path=index % 2 == 0, titles=index % 3 == 0))
    # A transfer: a window officer of the approval bureau moves to the government
    # service centre's one-stop window.
    mover = next(
        p for p in plan if p["department"] == "QX-XZSP-CK" and p["position"] == "CKRY"
    )
    rows.append(row(mover, department="QX-ZWFW-ZHCK", as_path=True))
    # New contact details for someone in the big-data bureau.
    contact = next(p for p in plan if p["department"].startswith("QX-DSJ"))
    rows.append(row(contact, phone="0571-86001234", email="dsj.staff@qingxi.gov.cn"))
    # Three new hires (numbers after the seeded ones).
    hires = [
        ("QX03001", "林语桐", "QX-XZSP-CK", "CKRY", "R1", "2026-09-01"),
        ("QX03002", "韩子墨", "QX-DSJ-WLAQ", "KY", "R2", "2026-09-01"),
        ("QX03003", "唐欣怡", "QX-12345-HWSL", "HWY", "R1", "2026-10-08"),
    ]
    for number, name, department, position, rank, hired in hires:
        rows.append(
            row(
                {
                    "employee_number": number,
                    "full_name": name,
                    "department": department,
                    "position": position,
                    "rank": rank,
                    "hire_date": datetime.date.fromisoformat(hired),
                },
                phone="138" + number[-5:].rjust(8, "0"),
            )
        )
    # A leaver.
    leaver = plan[2900]
    rows.append(row(leaver, status="离职"))
    return rows


def write(rows: list[list]) -> None:
    from openpyxl import Workbook

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    for values in rows:
        writer.writerow(
            [
                v.strftime("%Y/%m/%d") if isinstance(v, datetime.date) else v
                for v in values
            ]
        )
    (HERE / "example_roster.csv").write_bytes(text.getvalue().encode("gbk"))

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    for cell in sheet["F"][1:]:
        cell.number_format = "yyyy-mm-dd"
    # A fixed timestamp keeps the file the same from one build to the next.
    workbook.properties.created = workbook.properties.modified = datetime.datetime(
        2026, 11, 1
    )
    workbook.save(HERE / "example_roster.xlsx")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.base")
    os.environ.setdefault("SECRET_KEY", "build-example-only-" + "x" * 40)
    import django

    django.setup()
    rows = example_rows()
    write(rows)
    log.info("%s rows written to %s", len(rows), HERE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
