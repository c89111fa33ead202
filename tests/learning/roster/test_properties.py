"""Property: a roster says the same whatever the office's tools did to it. Any mixture
of full-width characters, surrounding and aligning spaces, text encodings (UTF-8,
UTF-8 with BOM, GBK, GB18030), line ends (CRLF, LF, CR), a title line above the
header, and date spellings (2026-03-01, 2026/3/1, 2026年3月1日, 20260301, full-width
digits; date cells and Excel serial numbers in XLSX) gives the plan of the clean
file."""

import csv
import datetime
import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from learning.roster.services import roster_check
from tests.factories import PositionFactory, person_in

pytestmark = pytest.mark.django_db

HEADER = ["工号", "姓名", "部门", "职务", "入职日期", "状态"]
# (number, name, department, position, hire date, status), as a clean file says it.
CLEAN = [
    ("QX00253", "李忠", "CTY-A-1", "KY", datetime.date(2021, 9, 1), "在职"),
    ("QX00254", "欧阳娜", "CTY-A-2", "", datetime.date(2018, 3, 15), ""),
    (
        "QX00255",
        "王芳",
        "测试县/财政局/预算科",
        "KZ",
        datetime.date(2026, 3, 1),
        "在职",
    ),
    ("QX00256", "赵强", "CTY-A-1", "", None, "离职"),
    ("E7", "Zhang Wei", "CTY-B-1", "", datetime.date(2020, 1, 2), "active"),
]
EXCEL_EPOCH = datetime.date(1899, 12, 30)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def organisation(county):
    ky = PositionFactory(code="KY", title="科员")
    PositionFactory(code="KZ", title="科长")
    person_in(
        county.section_a1,
        employee_number="QX00253",
        full_name="李忠",
        position=ky,
        hire_date=datetime.date(2021, 9, 1),
    )
    person_in(county.section_a1, employee_number="QX00254", full_name="欧阳娜")
    person_in(county.section_a1, employee_number="QX00256", full_name="赵强")
    return county


def _wide(text: str, rng: random.Random) -> str:
    """Some ASCII characters as their full-width forms (what input methods type)."""
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and rng.random() < 0.5 else c
        for c in text
    )


def _padded(text: str, rng: random.Random) -> str:
    spaces = ["", "", " ", "\u3000", "  "]
    return rng.choice(spaces) + text + rng.choice(spaces)


def _name(name: str, rng: random.Random) -> str:
    if all("\u4e00" <= c <= "\u9fff" for c in name):  # aligned Chinese names
        gap = rng.choice(["", " ", "\u3000", "\u3000\u3000"])
        return gap.join(name)
    return name.replace(" ", rng.choice([" ", "  ", "\u3000"]))


def _path(department: str, rng: random.Random) -> str:
    if "/" in department:
        return rng.choice([" / ", "／", "/"]).join(department.split("/"))
    return _wide(department, rng)


def _date_text(date: datetime.date, rng: random.Random) -> str:
    spellings = [
        date.isoformat(),
        f"{date.year}/{date.month}/{date.day}",
        f"{date.year}年{date.month}月{date.day}日",
        f"{date.year} 年 {date.month:02d} 月 {date.day:02d} 日",
        date.strftime("%Y%m%d"),
        f"{date.year}.{date.month}.{date.day}",
    ]
    return _wide(rng.choice(spellings), rng)


def _status(status: str, rng: random.Random) -> str:
    if status and all("\u4e00" <= c <= "\u9fff" for c in status):
        return rng.choice(["", " ", "\u3000"]).join(status)
    return _wide(status.upper() if rng.random() < 0.5 else status, rng)


def _rows(rng: random.Random, *, clean: bool, xlsx: bool) -> list[list]:
    rows = []
    for number, name, department, position, hire_date, status in CLEAN:
        if clean:
            rows.append([number, name, department, position, hire_date or "", status])
            continue
        if hire_date is None:
            date: object = ""
        elif xlsx and rng.random() < 0.5:
            date = rng.choice(
                [
                    datetime.datetime.combine(hire_date, datetime.time()),
                    (hire_date - EXCEL_EPOCH).days,  # a serial without a date format
                ]
            )
        else:
            date = _date_text(hire_date, rng)
        rows.append(
            [
                _padded(_wide(number, rng), rng),
                _padded(_name(name, rng), rng),
                _padded(_path(department, rng), rng),
                _padded(_wide(position, rng), rng),
                date,
                _padded(_status(status, rng), rng),
            ]
        )
    return rows


def _csv(rows, *, title: bool, encoding: str, newline: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if title:
        writer.writerow(["清溪县2026年12月在编人员花名册"] + [""] * 5)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [v.isoformat() if isinstance(v, datetime.date) else v for v in row]
        )
    return buffer.getvalue().encode(encoding)


def _xlsx(rows, *, title: bool) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["清溪县2026年12月在编人员花名册"])
        sheet.merge_cells("A1:F1")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
        cell = sheet.cell(row=sheet.max_row, column=5)
        if isinstance(cell.value, datetime.datetime):
            cell.number_format = 'yyyy"年"m"月"d"日"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plan(content: bytes, name: str) -> dict:
    report = roster_check(actor=None, content=content, file_name=name).report
    return {
        "counts": report["counts"],
        # Row numbers move with a title line; everything else must not.
        "lines": [line[1:] for line in report["lines"]],
        "new_departments": report["new_departments"],
    }


@pytest.fixture
def clean_plan(organisation):
    rows = _rows(random.Random(0), clean=True, xlsx=False)
    plan = _plan(_csv(rows, title=False, encoding="utf-8", newline="\n"), "r.csv")
    assert plan["counts"]["errors"] == 0, plan["lines"]
    assert (plan["counts"]["create"], plan["counts"]["move"]) == (2, 1)
    assert (plan["counts"]["deactivate"], plan["counts"]["unchanged"]) == (1, 1)
    return plan


@SETTINGS
@given(
    rng=st.randoms(use_true_random=False),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    title=st.booleans(),
)
def test_any_csv_spelling_gives_the_clean_plan(
    clean_plan, rng, encoding, newline, title
):
    rows = _rows(rng, clean=False, xlsx=False)
    content = _csv(rows, title=title, encoding=encoding, newline=newline)
    assert _plan(content, "花名册.csv") == clean_plan


@SETTINGS
@given(rng=st.randoms(use_true_random=False), title=st.booleans())
def test_any_xlsx_spelling_gives_the_clean_plan(clean_plan, rng, title):
    rows = _rows(rng, clean=False, xlsx=True)
    assert _plan(_xlsx(rows, title=title), "花名册.xlsx") == clean_plan


def test_the_clean_plan_is_what_the_rows_say(clean_plan):
    """The property is not vacuous: the clean plan moves, creates and deactivates."""
    actions = {line[0]: line[3] for line in clean_plan["lines"]}
    assert actions == {
        "QX00254": "move",
        "QX00255": "create",
        "QX00256": "deactivate",
        "E7": "create",
    }
    created = [line for line in clean_plan["lines"] if line[3] == "create"]
    assert sorted(line[1] for line in created) == ["Zhang Wei", "王芳"]
