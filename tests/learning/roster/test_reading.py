"""Roster files beyond XLSX and CSV: a legacy Excel 97-2003 workbook (.xls), made by
LibreOffice (see files/make_files.py), imports like any other."""

import datetime
from pathlib import Path

import pytest

from learning.models import LearnerProfile, RosterImport
from learning.roster.apply import roster_apply
from learning.roster.reading import roster_read
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
