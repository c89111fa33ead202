"""Roster import: HR uploads the staff roster, sees a dry run and applies it in one
transaction; every bad file is refused with a message and changes nothing."""

import csv
import datetime
import io
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook
from wagtail.users.models import UserProfile

from assessments import spreadsheets
from learning.curricula.services import curriculum_activate
from learning.models import (
    Assignment,
    Curriculum,
    CurriculumCourse,
    Department,
    LearnerProfile,
    RoleScope,
    RosterImport,
)
from learning.roster.apply import roster_apply
from learning.roster.reading import COLUMNS, RosterFileError, roster_read
from learning.roster.services import roster_check, roster_enqueue
from learning.roster.tasks import roster_import_apply
from tests.conftest import celery_worker, service_missing
from tests.factories import (
    PositionFactory,
    RankFactory,
    UserFactory,
    person_in,
    scoped_user,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
ROOT = Path(__file__).resolve().parents[2]
HEADER = ["工号", "姓名", "部门", "职务", "职级", "入职日期", "邮箱", "电话", "状态"]


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_of(checked: RosterImport) -> list[str]:
    return [error for line in checked.report["lines"] for error in line[6]]


def state() -> tuple:
    """What a failed or refused import must leave exactly as it was."""
    return (
        LearnerProfile.objects.count(),
        User.objects.count(),
        Department.objects.count(),
        sorted(
            LearnerProfile.objects.values_list(
                "employee_number", "full_name", "department_id", "is_active"
            )
        ),
    )


@pytest.fixture
def org(county):
    PositionFactory(code="KY", title="科员", title_en="Staff Member")
    PositionFactory(code="KZ", title="科长", title_en="Section Chief")
    RankFactory(code="R2", name="科员", name_en="Staff Member")
    RankFactory(code="R4", name="三级主任科员", name_en="Principal Staff Member 3")
    return county


@pytest.fixture
def admin_user(db):
    return UserFactory(username="siteadmin", is_superuser=True, is_staff=True)


def check(actor, content, name="roster.csv", **options) -> RosterImport:
    return roster_check(actor=actor, content=content, file_name=name, **options)


def check_and_apply(actor, content, name="roster.csv", **options) -> RosterImport:
    checked = check(actor, content, name, **options)
    assert errors_of(checked) == []
    return roster_apply(roster_import=checked)


# Encodings and formats ----------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "周晓雯"),
        ("utf-8-sig", "周晓雯"),
        ("gbk", "周晓雯"),
        ("gb18030", "王䶮"),  # 䶮 is in GB18030 only, not in GBK
    ],
)
def test_csv_in_each_encoding_is_read_correctly(org, admin_user, encoding, name):
    content = csv_bytes(
        [
            [
                "E1",
                name,
                "测试县/行政审批服务局/窗口服务科",
                "科员",
                "R2",
                "",
                "",
                "",
                "",
            ]
        ],
        encoding=encoding,
    )
    applied = check_and_apply(admin_user, content)
    assert applied.status == RosterImport.Status.APPLIED
    person = LearnerProfile.objects.get(employee_number="E1")
    assert person.full_name == name
    assert person.department == org.section_a1
    assert person.position.code == "KY"


def test_xlsx_numbers_dates_and_formulas_are_read_as_text(org, admin_user):
    content = xlsx_bytes(
        [
            [
                1001,
                '=HYPERLINK("http://x","张三")',
                "CTY-A-1",
                "KY",
                "科员",
                datetime.datetime(2020, 5, 6),
                "zhang@example.org",
                13800138000,
                "在职",
            ],
            [1002, "李四", "CTY-A-2", "", "", 45352, "", "", "active"],
            [
                1003,
                "王五",
                "CTY-A-2",
                "",
                "",
                datetime.datetime(2021, 9, 1, 8, 30),
                "",
                "",
                "",
            ],
            [1004, "赵六", "CTY-A-2", "", "", 45352.75, "", "", ""],
        ]
    )
    check_and_apply(admin_user, content, "roster.xlsx")
    first = LearnerProfile.objects.get(employee_number="1001")
    assert first.full_name == '=HYPERLINK("http://x","张三")'  # never evaluated
    assert first.hire_date == datetime.date(2020, 5, 6)
    assert first.phone == "13800138000"
    assert first.user.email == "zhang@example.org"
    assert not first.user.has_usable_password()
    second = LearnerProfile.objects.get(employee_number="1002")
    assert second.hire_date == datetime.date(2024, 3, 1)  # an Excel serial date
    # A date-time cell is the date it names, whatever the time of day.
    assert LearnerProfile.objects.get(
        employee_number="1003"
    ).hire_date == datetime.date(2021, 9, 1)
    assert LearnerProfile.objects.get(
        employee_number="1004"
    ).hire_date == datetime.date(2024, 3, 1)


def test_english_headers_and_names_are_accepted(org, admin_user):
    org.section_a1.name_en = "Service Window Section"
    org.section_a1.save()
    content = csv_bytes(
        [["E7", "Chen Li", "Department 2/Service Window Section", "Staff Member"]],
        header=["Employee number", "Name", "Department", "Position"],
    )
    # Bureau A's English name comes from the factory ("Department N").
    bureau = org.bureau_a.name_en
    content = content.replace(b"Department 2", bureau.encode())
    check_and_apply(admin_user, content)
    assert LearnerProfile.objects.get(employee_number="E7").department == (
        org.section_a1
    )


# What an import changes ------------------------------------------------------------


def active_curriculum(admin, owner, *audience) -> Curriculum:
    """A mandatory curriculum of one course for the given departments (with their
    subtrees), activated: everyone in its audience is assigned it at once."""
    curriculum = Curriculum.objects.create(
        owner_department=owner,
        name=f"必修课程 {owner.code}",
        due_kind=Curriculum.DueKind.AFTER_ASSIGNMENT,
        due_days=30,
    )
    curriculum.departments.set(audience)
    CurriculumCourse.objects.create(
        curriculum=curriculum, course_key=uuid.uuid4(), sort_order=0
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    return curriculum


def assignment_states(profile) -> dict[int, str]:
    """The state of the person's current cycle of each curriculum."""
    return dict(
        Assignment.objects.filter(profile=profile, is_current=True).values_list(
            "curriculum_id", "state"
        )
    )


def test_creates_updates_moves_leavers_and_returners(
    org, admin_user, django_capture_on_commit_callbacks
):
    stays = person_in(org.section_a1, employee_number="S1", full_name="王芳")
    renamed = person_in(org.section_a1, employee_number="S2", full_name="旧名")
    mover = person_in(org.section_a1, employee_number="S3", full_name="刘洋")
    leaver = person_in(org.section_a2, employee_number="S4", full_name="赵强")
    returner = person_in(org.section_a2, employee_number="S5", full_name="孙丽")
    roster_person = returner
    roster_person.is_active = False
    roster_person.save()
    # The sync that follows the apply runs for real: everyone in the county has a
    # mandatory curriculum, bureau B's people one more.
    everyone = active_curriculum(admin_user, org.county, org.county)
    bureau_b = active_curriculum(admin_user, org.bureau_b, org.bureau_b)
    assert assignment_states(mover) == {everyone.pk: "open"}
    assert assignment_states(leaver) == {everyone.pk: "open"}
    assert assignment_states(returner) == {}
    content = csv_bytes(
        [
            ["S1", "王芳", "CTY-A-1"],
            ["S2", "新名", "CTY-A-1", "", "", "2019/03/01"],
            ["S3", "刘洋", "CTY-B-1"],
            ["S4", "赵强", "CTY-A-2", "", "", "", "", "", "离职"],
            ["S5", "孙丽", "CTY-A-2"],
            ["N1", "新人", "CTY-T-1", "KZ", "R4", "2026-09-01"],
        ]
    )
    checked = check(admin_user, content)
    assert checked.report["counts"] == {
        "create": 1,
        "update": 1,
        "move": 1,
        "deactivate": 1,
        "reactivate": 1,
        "unchanged": 1,
        "errors": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        roster_apply(roster_import=checked)
    renamed.refresh_from_db()
    assert renamed.full_name == "新名"
    assert renamed.user.first_name == "新名"
    assert renamed.hire_date == datetime.date(2019, 3, 1)
    mover.refresh_from_db()
    assert mover.department == org.section_b1
    leaver.refresh_from_db()
    assert not leaver.is_active and leaver.left_on is not None
    assert not leaver.user.is_active
    returner.refresh_from_db()
    assert returner.is_active and returner.user.is_active
    new = LearnerProfile.objects.get(employee_number="N1")
    assert new.department == org.township_office
    assert (new.position.code, new.rank.code) == ("KZ", "R4")
    # Their assignments followed without HR acting: the new hire and the returner
    # have the county's curriculum, the mover bureau B's as well, the leaver's open
    # assignment is closed, and whoever did not change keeps what they had.
    assert assignment_states(new) == {everyone.pk: "open"}
    assert assignment_states(returner) == {everyone.pk: "open"}
    assert assignment_states(mover) == {everyone.pk: "open", bureau_b.pk: "open"}
    assert assignment_states(leaver) == {everyone.pk: "closed"}
    assert assignment_states(stays) == {everyone.pk: "open"}


def test_full_roster_deactivates_the_missing_and_keeps_their_records(org, admin_user):
    kept = person_in(org.section_a1, employee_number="K1", full_name="留任")
    gone = person_in(org.section_b1, employee_number="G1", full_name="离开")
    checked = check(
        admin_user, csv_bytes([["K1", "留任", "CTY-A-1"]]), full_roster=True
    )
    assert checked.report["counts"]["deactivate"] == 1
    deactivated = [line for line in checked.report["lines"] if line[4] == "deactivate"]
    assert [(line[0], line[1]) for line in deactivated] == [(None, "G1")]
    roster_apply(roster_import=checked)
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert not gone.is_active and not gone.user.is_active
    assert kept.is_active
    assert LearnerProfile.objects.filter(pk=gone.pk).exists()  # never deleted


def test_dry_run_equals_apply_and_the_same_file_twice_changes_nothing(org, admin_user):
    person_in(org.section_a1, employee_number="S1", full_name="王芳")
    content = csv_bytes(
        [
            ["S1", "王芳", "CTY-B-1", "KY"],
            ["N1", "新人甲", "CTY-A-2", "", "", "2026-01-05"],
            ["N2", "新人乙", "测试县/测试科", "", "", "2026-01-06"],
        ]
    )
    checked = check(admin_user, content, create_departments=True)
    promised = (checked.report["counts"], checked.report["lines"])
    applied = roster_apply(roster_import=checked)
    assert applied.status == RosterImport.Status.APPLIED
    assert (applied.report["counts"], applied.report["lines"]) == promised
    assert applied.processed_rows == applied.total_rows == 3
    assert applied.progress_percent == 100

    again = check(admin_user, content, create_departments=True)
    assert again.report["counts"]["unchanged"] == 3
    assert again.report["lines"] == []
    assert again.report["new_departments"] == []
    before = state()
    roster_apply(roster_import=again)
    assert state() == before


def test_progress_is_reported_while_applying(org, admin_user):
    rows = [[f"P{n:05d}", f"人{n}", "CTY-A-1"] for n in range(12_000)]
    checked = check(admin_user, csv_bytes(rows))
    seen: list[int] = []
    applied = roster_apply(
        roster_import=checked, progress=lambda done, total: seen.append(done)
    )
    assert applied.status == RosterImport.Status.APPLIED
    assert len(seen) >= 4 and seen == sorted(seen)
    assert 0 < seen[0] < seen[-1] <= 12_000
    assert LearnerProfile.objects.filter(employee_number__startswith="P").count() == (
        12_000
    )


# Bad input -------------------------------------------------------------------------


def assert_refused(actor, content, name, *fragments):
    before = (state(), RosterImport.objects.count())
    with pytest.raises(RosterFileError) as caught:
        check(actor, content, name)
    message = " ".join(caught.value.messages)
    for fragment in fragments:
        assert fragment in message
    assert (state(), RosterImport.objects.count()) == before
    return message


def test_missing_columns_are_named(org, admin_user):
    content = csv_bytes([["E1", "某人"]], header=["工号", "姓名", "电话"])
    message = assert_refused(admin_user, content, "r.csv", "lacks 部门", "row 1")
    # What the file has, and what was expected.
    assert "“工号”、“姓名”、“电话”" in message
    assert "工号, 姓名, 部门 (required)" in message


def test_empty_too_large_and_not_spreadsheet_files_are_refused(org, admin_user):
    assert_refused(admin_user, b"", "r.csv", "empty")
    assert_refused(admin_user, b"\x89PNG\r\n\x1a\n\x00\x00\x00", "r.png", "not a")
    assert_refused(admin_user, b"\xd0\xcf\x11\xe0" + b"\0" * 100, "r.xls", ".xlsx")
    assert_refused(admin_user, b"PK\x03\x04 not really a zip", "r.xlsx", "Excel")
    with override_settings(ROSTER_MAX_BYTES=200):
        big = csv_bytes([["E1", "某人", "CTY-A-1"]] * 20)
        assert len(big) > 200
        assert_refused(admin_user, big, "r.csv", "larger than")


def test_too_many_rows_are_refused(org, admin_user):
    rows = [[f"E{n}", "某人", "CTY-A-1"] for n in range(11)]
    with override_settings(ROSTER_MAX_ROWS=10):
        assert_refused(admin_user, csv_bytes(rows), "r.csv", "more than 10 rows")


def test_a_zip_bomb_is_refused_before_it_is_opened(org, admin_user, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    content = buffer.getvalue()
    assert len(content) < 100_000

    class NeverOpened:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("a zip bomb must not be opened")

    monkeypatch.setattr(spreadsheets, "CalamineWorkbook", NeverOpened)
    assert_refused(admin_user, content, "bomb.xlsx", "unpacks to far more")


def test_mixed_encodings_are_refused(org, admin_user):
    content = (
        "工号,姓名,部门\n".encode()
        + "E1,王芳,CTY-A-1\n".encode()
        + "E2,李娜,CTY-A-1\n".encode("gbk")
    )
    assert_refused(admin_user, content, "r.csv", "mixes text encodings", "line 3")


def test_row_errors_name_row_and_column_and_nothing_is_applied(org, admin_user):
    person_in(org.section_a1, employee_number="S1", full_name="王芳")
    content = csv_bytes(
        [
            ["S1", "王芳", "CTY-A-1", "", "", "", "", "", ""],
            ["N1", "甲", "CTY-A-1", "", "", "2026-02-30", "", "", ""],
            ["N1", "乙", "CTY-A-1", "", "", "", "", "", ""],
            ["N3", "丙", "测试县/不存在的局", "", "", "", "", "", ""],
            ["N4", "丁", "CTY-A-1", "处长", "", "", "not-an-email", "", ""],
            ["N5", "戊", "CTY-A-1", "", "R99", "", "", "电话", "退职"],
            ["N6", "", "", "", "", "", "", "", ""],
        ]
    )
    before = state()
    checked = check(admin_user, content)
    errors = errors_of(checked)
    expected = [
        "Row 3, column hire date: 2026-02-30 is not a date",
        "Row 4, column employee number: N1 is also on row 3",
        "Row 5, column department: Unknown department “测试县/不存在的局”",
        "Row 6, column position: Unknown position “处长”",
        "Row 6, column e-mail: not-an-email is not an e-mail address",
        "Row 7, column rank: Unknown rank “R99”",
        "Row 7, column phone: 电话 is not a phone number",
        "Row 7, column status: Unknown status “退职”",
        "Row 8, column name: Give the person's name.",
        "Row 8, column department: Give the department",
    ]
    for fragment in expected:
        assert any(error.startswith(fragment) for error in errors), fragment
    assert checked.report["counts"]["errors"] == len(errors) == len(expected)
    with pytest.raises(ValidationError):
        roster_enqueue(actor=admin_user, roster_import=checked)
    failed = roster_apply(roster_import=checked)
    assert failed.status == RosterImport.Status.FAILED
    assert state() == before


def test_unknown_department_is_created_from_its_path_when_asked(org, admin_user):
    content = csv_bytes([["N1", "甲", "测试县/行政审批服务局/数据科/一组"]])
    assert errors_of(check(admin_user, content))
    checked = check(admin_user, content, create_departments=True)
    assert [d["path"] for d in checked.report["new_departments"]] == [
        "测试县/行政审批服务局/数据科",
        "测试县/行政审批服务局/数据科/一组",
    ]
    roster_apply(roster_import=checked)
    group = LearnerProfile.objects.get(employee_number="N1").department
    assert group.name == "一组"
    assert group.get_parent().name == "数据科"
    assert group.get_parent().get_parent() == org.bureau_a
    # An unknown code is a typo, never the name of a new unit.
    typo = check(
        admin_user, csv_bytes([["N2", "乙", "CTY-A-9"]]), create_departments=True
    )
    assert errors_of(typo) and typo.report["new_departments"] == []


def test_a_failure_while_applying_leaves_nothing_behind(org, admin_user, monkeypatch):
    person_in(org.section_a1, employee_number="S1", full_name="王芳")
    content = csv_bytes([["N1", "甲", "CTY-A-1"], ["S1", "王芳", "CTY-B-1"]])
    checked = check(admin_user, content)
    before = state()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(LearnerProfile.objects, "bulk_update", broken)
    failed = roster_apply(roster_import=checked)
    assert failed.status == RosterImport.Status.FAILED
    assert "disk full" in failed.error and "nothing was changed" in failed.error
    assert state() == before


def test_a_change_between_check_and_apply_fails_the_apply(org, admin_user):
    content = csv_bytes([["N1", "甲", "CTY-A-1"], ["N2", "乙", "CTY-A-1"]])
    checked = check(admin_user, content)
    UserFactory(username="N2")  # someone else took the sign-in name meanwhile
    before = state()
    failed = roster_apply(roster_import=checked)
    assert failed.status == RosterImport.Status.FAILED
    assert "changed since the dry run" in failed.error
    assert state() == before


def test_an_apply_never_does_more_than_the_dry_run_showed(org, admin_user):
    """A full roster checked with nobody to deactivate; a colleague adds people
    before the apply: the apply refuses instead of deactivating them unseen."""
    person_in(org.section_a1, employee_number="K1", full_name="甲")
    admin_profile = getattr(admin_user, "learner_profile", None)
    rows = [["K1", "甲", "CTY-A-1"]]
    if admin_profile is not None:
        rows.append([admin_profile.employee_number, admin_profile.full_name, "CTY-A-1"])
    checked = check(admin_user, csv_bytes(rows), full_roster=True)
    assert checked.report["counts"]["deactivate"] == 0
    newcomer = person_in(org.section_a2, employee_number="K2", full_name="乙")
    failed = roster_apply(roster_import=checked)
    assert failed.status == RosterImport.Status.FAILED
    assert "changed since the dry run" in failed.error
    newcomer.refresh_from_db()
    assert newcomer.is_active


# Scope -----------------------------------------------------------------------------


def test_bureau_hr_cannot_import_into_another_bureau(org):
    hr = scoped_user(RoleScope.Role.HR, org.bureau_a, employee_number="HR1")
    other = person_in(org.section_b1, employee_number="B1", full_name="财政人")
    content = csv_bytes(
        [
            ["N1", "甲", "CTY-B-1"],
            ["B1", "财政人", "CTY-A-1"],
            ["N2", "乙", "CTY-A-1"],
        ]
    )
    before = state()
    checked = check(hr.user, content)
    errors = errors_of(checked)
    assert any(e.startswith("Row 2, column department:") for e in errors)
    assert any(
        e.startswith(
            "Row 3, column employee number: B1 belongs to a department you do not"
        )
        for e in errors
    )
    assert not any("财政局" in e for e in errors if e.startswith("Row 3"))
    assert checked.scope_department == org.bureau_a
    roster_apply(roster_import=checked)
    assert state() == before
    # A full roster of bureau A leaves bureau B alone.
    full = check(hr.user, csv_bytes([["HR1", hr.full_name, "CTY-A"]]), full_roster=True)
    assert full.report["counts"]["errors"] == 0
    roster_apply(roster_import=full)
    other.refresh_from_db()
    assert other.is_active


def test_a_full_roster_without_the_hr_officer_is_refused(org):
    hr = scoped_user(RoleScope.Role.HR, org.bureau_a, employee_number="HR1")
    checked = check(hr.user, csv_bytes([["N1", "甲", "CTY-A-1"]]), full_roster=True)
    assert any("record you as a leaver" in e for e in errors_of(checked))


def test_people_without_hr_rights_cannot_import(org):
    learner = person_in(org.section_a1)
    with pytest.raises(PermissionDenied):
        check(learner.user, csv_bytes([["N1", "甲", "CTY-A-1"]]))
    assert not RosterImport.objects.exists()


# Task and command ------------------------------------------------------------------


def test_the_task_applies_once(org, admin_user):
    checked = check(admin_user, csv_bytes([["N1", "甲", "CTY-A-1"]]))
    assert roster_import_apply(checked.pk) == "checked"  # not queued: nothing done
    assert not LearnerProfile.objects.filter(employee_number="N1").exists()
    RosterImport.objects.filter(pk=checked.pk).update(status="queued")
    assert roster_import_apply(checked.pk) == "applied"
    assert roster_import_apply(checked.pk) == "applied"
    assert LearnerProfile.objects.filter(employee_number="N1").count() == 1


def test_the_command_checks_applies_and_fails_on_errors(org, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["N1", "甲", "CTY-A-1"]], encoding="gbk"))
    out = io.StringIO()
    call_command("import_roster", str(good), "--dry-run", stdout=out)
    assert "create: 1" in out.getvalue()
    assert not LearnerProfile.objects.filter(employee_number="N1").exists()
    call_command("import_roster", str(good), stdout=out)
    assert LearnerProfile.objects.filter(employee_number="N1").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["N2", "乙", "CTY-A-1", "", "", "2026-13-01"]]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(bad), stdout=io.StringIO(), stderr=err)
    assert "Row 2, column hire date" in err.getvalue()
    with pytest.raises(CommandError, match="empty"):
        empty = tmp_path / "empty.csv"
        empty.write_bytes(b"")
        call_command("import_roster", str(empty), stdout=io.StringIO())


def test_the_demo_example_roster_imports_cleanly(db):
    from learning.demo.organisation import (
        seed_departments,
        seed_ranks_and_positions,
        seed_staff,
    )

    seed_departments()
    seed_ranks_and_positions()
    seed_staff()
    folder = ROOT / "learning" / "demo" / "roster"
    for name in ("example_roster.csv", "example_roster.xlsx"):
        checked = check(None, (folder / name).read_bytes(), name)
        assert errors_of(checked) == [], name
        counts = checked.report["counts"]
        assert counts["create"] >= 2 and counts["move"] >= 1
        assert counts["deactivate"] >= 1
    assert roster_apply(roster_import=checked).status == "applied"


# Back office -----------------------------------------------------------------------


def in_english(user):
    """The back office speaks the user's chosen language; these tests read English."""
    preferences = UserProfile.get_for_user(user)
    preferences.preferred_language = "en"
    preferences.save()
    return user


@pytest.fixture
def hr_client(org, client):
    hr = scoped_user(RoleScope.Role.HR, org.bureau_a, employee_number="HR1")
    client.force_login(in_english(hr.user))
    return client


def test_hr_uploads_checks_applies_and_follows_progress(
    org, hr_client, django_capture_on_commit_callbacks
):
    person_in(org.section_a1, employee_number="S1", full_name="王芳")
    index = hr_client.get(reverse("roster_import:index"))
    assert index.status_code == 200
    upload = io.BytesIO(
        xlsx_bytes([["S1", "王芳", "CTY-A-2"], ["N1", "新人", "CTY-A-1"]])
    )
    upload.name = "roster.xlsx"
    response = hr_client.post(reverse("roster_import:index"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    checked = RosterImport.objects.get()
    report = hr_client.get(response.url)
    body = report.content.decode()
    assert report.status_code == 200
    assert "Apply these changes" in body
    # Departments by their path of names, not their codes.
    path = "/".join(d.name_en for d in (org.county, org.bureau_a, org.section_a2))
    assert path in body and "CTY-A-2" not in body
    assert not LearnerProfile.objects.filter(employee_number="N1").exists()

    with django_capture_on_commit_callbacks(execute=True):
        applied = hr_client.post(reverse("roster_import:apply", args=[checked.pk]))
    assert applied.url == reverse("roster_import:progress", args=[checked.pk])
    assert hr_client.get(applied.url).status_code == 200
    status = hr_client.get(reverse("roster_import:status", args=[checked.pk])).json()
    assert status["status"] == "applied" and status["percent"] == 100
    assert status["done"]
    assert LearnerProfile.objects.get(employee_number="S1").department == (
        org.section_a2
    )
    assert LearnerProfile.objects.filter(employee_number="N1").exists()
    # Applying again does nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(reverse("roster_import:apply", args=[checked.pk]))
    assert LearnerProfile.objects.filter(employee_number="N1").count() == 1


def test_the_report_shows_errors_and_offers_no_apply(org, hr_client):
    upload = io.BytesIO(csv_bytes([["N1", "甲", "CTY-B-1"]]))
    upload.name = "roster.csv"
    response = hr_client.post(reverse("roster_import:index"), {"file": upload})
    body = hr_client.get(response.url).content.decode()
    assert "Row 2, column department" in body
    assert "Apply these changes" not in body
    checked = RosterImport.objects.get()
    hr_client.post(reverse("roster_import:apply", args=[checked.pk]))
    assert RosterImport.objects.get().status == "checked"
    assert not LearnerProfile.objects.filter(employee_number="N1").exists()


def test_a_refused_file_is_explained_on_the_form(org, hr_client):
    upload = io.BytesIO(csv_bytes([["N1", "甲"]], header=["工号", "姓名"]))
    upload.name = "roster.csv"
    response = hr_client.post(reverse("roster_import:index"), {"file": upload})
    assert response.status_code == 200
    assert "it lacks 部门" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_templates_download_and_reimport(org, hr_client):
    for fmt in ("xlsx", "csv"):
        response = hr_client.get(reverse("roster_import:template", args=[fmt]))
        assert response.status_code == 200
        table = roster_read(content=response.content, file_name=f"t.{fmt}")
        rows = list(table.rows)
        assert len(rows) == 2 and table.columns == list(COLUMNS)
        assert rows[1][1]["full_name"] == "李娜"


def test_others_are_refused_the_screens(org, client):
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get(reverse("roster_import:index")).status_code == 403
    assert client.get(reverse("roster_import:template", args=["csv"])).status_code == (
        403
    )
    learner = person_in(org.section_a1)
    client.force_login(learner.user)
    assert client.get(reverse("roster_import:index")).status_code in (302, 403)


def test_one_hr_officer_cannot_see_anothers_import(org, client, admin_user):
    checked = check(admin_user, csv_bytes([["N1", "甲", "CTY-A-1"]]))
    hr = scoped_user(RoleScope.Role.HR, org.bureau_a)
    client.force_login(hr.user)
    assert client.get(
        reverse("roster_import:report", args=[checked.pk])
    ).status_code == (404)


# A real worker -----------------------------------------------------------------------


@pytest.fixture
def roster_worker(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL")
    if not settings.CELERY_BROKER_URL or not settings.CELERY_RESULT_BACKEND:
        service_missing("CELERY_BROKER_URL (redis://) is not set")
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        f"{database['NAME']}"
    )
    log = tmp_path / "worker.log"
    # The worker must see this test's database, not the one DATABASE_URL names.
    with celery_worker(log, DATABASE_URL=url) as (queue, process):
        yield queue, process, log


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore:task_always_eager")
def test_a_real_worker_applies_a_roster(org, admin_user, roster_worker):
    from cms.celery import app

    queue, process, log = roster_worker
    rows = [[f"W{n:04d}", f"工人{n}", "CTY-A-1"] for n in range(300)]
    checked = check(admin_user, csv_bytes(rows))
    RosterImport.objects.filter(pk=checked.pk).update(status="queued")
    app.send_task("learning.roster_import_apply", args=[checked.pk], queue=queue)
    deadline = time.monotonic() + 60
    checked.refresh_from_db()
    while checked.status not in ("applied", "failed") and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{log.read_text()}")
        time.sleep(0.3)
        checked.refresh_from_db()
    assert checked.status == "applied", f"{checked.error}\n{log.read_text()}"
    assert checked.processed_rows == 300
    assert LearnerProfile.objects.filter(employee_number__startswith="W").count() == 300
    assert "learning.roster_import_apply" in log.read_text()


def _patched_xlsx(replace: tuple[bytes, bytes]) -> bytes:
    """An XLSX whose first sheet's XML has one substitution (a damaged file)."""
    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["P1", "甲", "CTY-A-1"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as patched:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert replace[0] in data
                data = data.replace(replace[0], replace[1], 1)
            patched.writestr(item, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        # A column far beyond Excel's, one past the last column.
        ((b'r="A2"', b'r="ZZZZZZZZZZZZZZZ2"'), "could not be read"),
        ((b'r="A2"', b'r="XFE2"'), "could not be read"),
        # A tiny file whose cells span the whole sheet (the reader would allocate it).
        ((b'r="A2"', b'r="XFD1048576"'), "was not opened"),
    ],
    ids=["column-overflow", "column-past-xfd", "sparse-cells"],
)
def test_a_damaged_workbook_is_refused_with_a_message(
    org, admin_user, replace, message
):
    before = state()
    with pytest.raises(RosterFileError, match=message):
        check(admin_user, _patched_xlsx(replace), name="roster.xlsx")
    assert state() == before


@pytest.mark.parametrize("row", [b'<row r="2000000000"', b'<row r="x2"'])
def test_row_numbers_that_disagree_with_the_cells_are_read_by_the_cells(
    org, admin_user, row
):
    checked = check(admin_user, _patched_xlsx((b'<row r="2"', row)), "roster.xlsx")
    assert [line[:2] for line in checked.report["lines"]] == [[2, "P1"]]


def test_control_characters_in_cells_are_dropped(org, admin_user):
    padding = [[f"F{n}", f"填充{n}", "CTY-A-1"] for n in range(200)]
    content = csv_bytes(padding + [["C1", "王\x1f小\x01明", "CTY-A-1"]])
    applied = check_and_apply(admin_user, content)
    assert applied.status == RosterImport.Status.APPLIED
    assert LearnerProfile.objects.get(employee_number="C1").full_name == "王小明"


def test_a_csv_with_nul_characters_is_refused(org, admin_user):
    padding = [[f"F{n}", f"填充{n}", "CTY-A-1"] for n in range(200)]
    content = csv_bytes(padding + [["C1", "王\x00小明", "CTY-A-1"]])
    assert_refused(admin_user, content, "r.csv", "NUL characters", "CSV UTF-8")
