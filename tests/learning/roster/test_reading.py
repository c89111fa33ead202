"""Roster files as county offices save them: a legacy Excel 97-2003 workbook (.xls),
and a roster with a merged title and a notes line above the header in XLSX, XLS and
GBK CSV (made by openpyxl and LibreOffice, see files/make_files.py), import like the
template."""

import datetime
from pathlib import Path

import pytest

from learning.models import LearnerProfile, RosterImport
from learning.roster.apply import roster_apply
from learning.roster.reading import HEADER_SEARCH_ROWS, RosterFileError, roster_read
from learning.roster.services import roster_check
from tests.factories import PositionFactory, RankFactory, UserFactory, person_in

pytestmark = pytest.mark.django_db

LEGACY = Path(__file__).parent / "files" / "roster.xls"


def test_a_legacy_xls_roster_is_read_as_text():
    table = roster_read(content=LEGACY.read_bytes(), file_name="花名册.xls")
    rows = list(table.rows)
    assert [number for number, _cells in rows] == [2, 3, 4]
    first = rows[0][1]
    assert (first["employee_number"], first["full_name"]) == ("X1001", "欧阳娜")
    assert (first["hire_date"], first["phone"]) == ("2021-09-01", "13800138000")
    assert rows[1][1]["full_name"] == "王䶮"  # GB18030-only character, stored as text


def test_a_legacy_xls_roster_is_checked_and_applied(county):
    PositionFactory(code="KY", title="科员")
    RankFactory(code="R2", name="科员")
    leaver = person_in(county.section_a2, employee_number="S9", full_name="赵强")
    admin = UserFactory(is_superuser=True, is_staff=True)
    checked = roster_check(
        actor=admin, content=LEGACY.read_bytes(), file_name="花名册.xls"
    )
    assert checked.report["counts"]["errors"] == 0, checked.report["lines"]
    assert roster_apply(roster_import=checked).status == RosterImport.Status.APPLIED
    hired = LearnerProfile.objects.get(employee_number="X1001")
    assert hired.department == county.section_a1
    assert hired.hire_date == datetime.date(2021, 9, 1)
    assert (hired.position.code, hired.rank.code, hired.phone) == (
        "KY",
        "R2",
        "13800138000",
    )
    assert LearnerProfile.objects.get(employee_number="X1002").department == (
        county.section_b1
    )
    leaver.refresh_from_db()
    assert not leaver.is_active


# Files as county HR offices save them (see files/make_files.py) ----------------

FILES = Path(__file__).parent / "files"
COUNTY_FILES = ["county.xlsx", "county.xls", "county-gbk.csv"]


@pytest.fixture
def county_staff(county):
    PositionFactory(code="KY", title="科员")
    return {
        "known": person_in(
            county.section_a1, employee_number="QX00253", full_name="李忠"
        ),
        "leaver": person_in(county.section_a2, employee_number="QX00256"),
    }


@pytest.mark.parametrize("name", COUNTY_FILES)
def test_the_header_is_found_below_a_title_and_a_notes_line(name):
    table = roster_read(content=(FILES / name).read_bytes(), file_name=name)
    assert table.header_row == 3
    assert table.skipped_lines[0] == "清溪县2026年12月在编人员花名册"
    assert table.skipped_lines[1].startswith("说明")
    assert table.ignored_columns == ["序号"]
    rows = list(table.rows)
    assert [number for number, _cells in rows] == [4, 5, 6, 7]
    assert rows[0][1]["employee_number"] == "ＱＸ００２５３"  # as typed; rules clean it


@pytest.mark.parametrize("name", COUNTY_FILES)
def test_county_files_make_the_same_plan_in_every_format(county, county_staff, name):
    admin = UserFactory(is_superuser=True, is_staff=True)
    checked = roster_check(
        actor=admin, content=(FILES / name).read_bytes(), file_name=name
    )
    report = checked.report
    assert report["counts"]["errors"] == 0, report["lines"]
    assert report["header_row"] == 3
    assert (report["counts"]["create"], report["counts"]["deactivate"]) == (2, 1)
    # The full-width number and the aligned name are the person already known.
    assert report["counts"]["unchanged"] + report["counts"]["update"] == 1
    assert roster_apply(roster_import=checked).status == RosterImport.Status.APPLIED
    known = county_staff["known"]
    known.refresh_from_db()
    assert (known.full_name, known.hire_date) == ("李忠", datetime.date(2021, 9, 1))
    created = LearnerProfile.objects.get(employee_number="qx00255")
    assert (created.full_name, created.user.username) == ("王芳", "qx00255")
    assert created.hire_date == datetime.date(2020, 3, 1)
    serial = LearnerProfile.objects.get(employee_number="QX00254")
    assert (serial.full_name, serial.hire_date) == (
        "欧阳娜",
        datetime.date(2019, 7, 15),
    )
    assert serial.department == county.section_a2
    county_staff["leaver"].refresh_from_db()
    assert not county_staff["leaver"].is_active


def test_a_file_without_a_roster_header_names_its_columns_and_the_expected_ones():
    with pytest.raises(RosterFileError) as caught:
        roster_read(
            content=(FILES / "no-header.xlsx").read_bytes(), file_name="no-header.xlsx"
        )
    message = " ".join(caught.value.messages)
    assert "“名称”、“单位名称”、“人数”" in message  # what the file has
    assert "工号, 姓名, 部门 (required)" in message  # what was expected
    assert "encoding" not in message


def test_a_header_below_the_search_window_is_not_guessed():
    lines = ["标题"] * HEADER_SEARCH_ROWS + ["工号,姓名,部门", "E1,某人,CTY-A-1"]
    with pytest.raises(RosterFileError, match="first 10"):
        roster_read(content="\r\n".join(lines).encode(), file_name="r.csv")
