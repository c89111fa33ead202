"""The dry-run report in HR's words (department paths, 在职/离职, titles) on screen
and in the Excel download, in both languages; and the full-roster guard: a file that
would record many leavers is applied only once HR types how many."""

import csv
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from learning.models import LearnerProfile, RoleScope, RosterImport
from learning.roster.selectors import roster_report_lines
from learning.roster.services import roster_check, roster_enqueue
from tests.factories import PositionFactory, person_in, scoped_user

pytestmark = pytest.mark.django_db
HEADER = ["工号", "姓名", "部门", "职务", "状态"]


def csv_content(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def hr(county, client):
    officer = scoped_user(RoleScope.Role.HR, county.county, employee_number="HR1")
    client.force_login(officer.user)
    return officer.user


def upload(client, rows, *, full=False, language="zh-hans"):
    file = io.BytesIO(csv_content(rows))
    file.name = "花名册.csv"
    data = {"file": file}
    if full:
        data["full_roster"] = "on"
    response = client.post(
        reverse("roster_import:index"), data, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return RosterImport.objects.latest("pk")


def test_the_report_names_paths_titles_and_statuses_in_chinese(county, client, hr):
    PositionFactory(code="KY", title="科员", title_en="Staff Member")
    PositionFactory(code="KZ", title="科长", title_en="Section Chief")
    mover = person_in(county.section_a1, employee_number="M1", full_name="王芳")
    mover.position = None
    mover.save()
    person_in(county.section_a1, employee_number="L1", full_name="赵强")
    checked = upload(
        client,
        [
            ["HR1", LearnerProfile.objects.get(user=hr).full_name, "CTY", "", ""],
            ["M1", "王芳", "CTY-A-2", "KZ", "在职"],
            ["L1", "赵强", "CTY-A-1", "", "离职"],
        ],
    )
    body = client.get(
        reverse("roster_import:report", args=[checked.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    a1 = "/".join(d.name for d in (county.county, county.bureau_a, county.section_a1))
    a2 = "/".join(d.name for d in (county.county, county.bureau_a, county.section_a2))
    assert f"{a1} → {a2}" in body
    assert "— → 科长" in body
    assert "在职 → 离职" in body
    assert "active → left" not in body and "CTY-A-1" not in body
    english = client.get(
        reverse("roster_import:report", args=[checked.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    a1_en = "/".join(
        d.name_en for d in (county.county, county.bureau_a, county.section_a1)
    )
    assert a1_en in english
    assert "Active (在职) → Left (离职)" in english
    assert "Section Chief" in english


def test_the_download_says_what_the_screen_says(county, client, hr):
    person_in(county.section_a1, employee_number="L1", full_name="赵强")
    checked = upload(client, [["L1", "赵强", "CTY-A-2", "", "离职"]])
    response = client.get(
        reverse("roster_import:download", args=[checked.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["行", "工号", "姓名"]
    a2 = "/".join(d.name for d in (county.county, county.bureau_a, county.section_a2))
    assert rows[1][:4] == [2, "L1", "赵强", a2]
    assert "在职 → 离职" in rows[1][5]


def test_a_page_of_the_report_costs_the_same_queries_for_more_lines(county, client, hr):
    def queries(count):
        RosterImport.objects.all().delete()
        rows = [[f"N{count}-{n}", f"新人{n}", "CTY-A-1", "", ""] for n in range(count)]
        checked = upload(client, rows)
        url = reverse("roster_import:report", args=[checked.pk])
        client.get(url)  # warm caches (site, locale)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(3) == queries(60)


# The full-roster guard ------------------------------------------------------------


@pytest.fixture
def staff(county, hr):
    """Twenty people in HR's county (with HR, 21 active)."""
    return [
        person_in(county.section_a1, employee_number=f"S{n}", full_name=f"员工{n}")
        for n in range(20)
    ]


def full_file(hr, staff, keep):
    own = LearnerProfile.objects.get(user=hr)
    return [["HR1", own.full_name, "CTY", "", ""]] + [
        [p.employee_number, p.full_name, "CTY-A-1", "", ""] for p in staff[:keep]
    ]


def active_count():
    return LearnerProfile.objects.filter(is_active=True).count()


def test_a_full_roster_that_drops_many_needs_their_number_typed(
    county, client, hr, staff, django_capture_on_commit_callbacks
):
    checked = upload(client, full_file(hr, staff, keep=5), full=True)
    assert checked.report["counts"]["deactivate"] == 15
    report = client.get(reverse("roster_import:report", args=[checked.pk]))
    assert "data-roster-confirm" in report.content.decode()
    url = reverse("roster_import:apply", args=[checked.pk])
    for typed in ("", "14", "fifteen", "16"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"confirm_deactivations": typed}, follow=True)
        assert "15" in response.content.decode()
        checked.refresh_from_db()
        assert checked.status == RosterImport.Status.CHECKED
        assert active_count() == 21
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm_deactivations": "１５"})  # full-width digits too
    checked.refresh_from_db()
    assert checked.status == RosterImport.Status.APPLIED
    assert active_count() == 6


def test_a_few_leavers_need_no_confirmation(county, client, hr, staff):
    checked = upload(client, full_file(hr, staff, keep=18), full=True)
    assert checked.report["counts"]["deactivate"] == 2  # 2 of 21: under 10%
    report = client.get(reverse("roster_import:report", args=[checked.pk]))
    assert "data-roster-confirm" not in report.content.decode()
    roster_enqueue(actor=hr, roster_import=checked)


@override_settings(ROSTER_CONFIRM_DEACTIVATE_SHARE=0.5)
def test_the_share_is_a_setting(county, hr, staff):
    checked = roster_check(
        actor=hr,
        content=csv_content(full_file(hr, staff, keep=10)),
        file_name="r.csv",
        full_roster=True,
    )
    assert checked.report["counts"]["deactivate"] == 10  # 10 of 21: under 50%
    roster_enqueue(actor=hr, roster_import=checked)


def test_the_service_refuses_without_the_number(county, hr, staff):
    checked = roster_check(
        actor=hr,
        content=csv_content(full_file(hr, staff, keep=0)),
        file_name="r.csv",
        full_roster=True,
    )
    with pytest.raises(ValidationError, match="20"):
        roster_enqueue(actor=hr, roster_import=checked, confirm_deactivations="19")
    checked.refresh_from_db()
    assert checked.status == RosterImport.Status.CHECKED


def test_the_command_line_asks_for_the_number_too(county, hr, staff, tmp_path):
    source = tmp_path / "roster.csv"
    source.write_bytes(csv_content(full_file(hr, staff, keep=2)))
    with pytest.raises(CommandError, match="--confirm-leavers"):
        call_command("import_roster", str(source), "--full")
    assert active_count() == 21
    out = io.StringIO()
    call_command(
        "import_roster", str(source), "--full", "--confirm-leavers", "18", stdout=out
    )
    assert active_count() == 3
    assert "Applied" in out.getvalue()


def test_the_command_line_says_which_row_held_the_headers(county, tmp_path):
    PositionFactory(code="KY", title="科员")
    out = io.StringIO()
    files = Path(__file__).parent / "files"
    call_command(
        "import_roster", str(files / "county-gbk.csv"), "--dry-run", stdout=out
    )
    assert "Column headers read from row 3." in out.getvalue()


def test_an_xls_with_a_title_uploads_and_says_which_row_was_the_header(
    county, client, hr
):
    PositionFactory(code="KY", title="科员")
    files = Path(__file__).parent / "files"
    file = io.BytesIO((files / "county.xls").read_bytes())
    file.name = "清溪县花名册.xls"
    response = client.post(
        reverse("roster_import:index"), {"file": file}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    body = client.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "列标题取自第 3 行" in body
    assert "清溪县2026年12月在编人员花名册" in body


def test_a_file_without_a_header_is_explained_on_the_form_in_chinese(client, hr):
    files = Path(__file__).parent / "files"
    file = io.BytesIO((files / "no-header.xlsx").read_bytes())
    file.name = "部门.xlsx"
    response = client.post(
        reverse("roster_import:index"), {"file": file}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "“名称”、“单位名称”、“人数”" in body
    assert "缺少 工号, 姓名, 部门" in body
    assert not RosterImport.objects.exists()


def test_a_download_naming_many_departments_reads_the_tree_once(county):
    parent = county.section_a1
    units = [
        parent.add_child(code=f"U{n}", name=f"单元{n}", name_en=f"Unit {n}")
        for n in range(501)
    ]
    lines = [
        [n + 2, f"N{n}", "某人", unit.pk, "create", [], []]
        for n, unit in enumerate(units)
    ]
    with CaptureQueriesContext(connection) as captured, translation.override("zh-hans"):
        shown = roster_report_lines(lines)
    assert len(captured) == 1
    assert shown[0]["department"] == "测试县/行政审批服务局/窗口服务科/单元0"
    assert shown[-1]["department"].endswith("/单元500")
