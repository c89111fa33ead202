"""The staff roster as a spreadsheet: HR uploads the organisation's people (XLSX, legacy
XLS or CSV), sees a dry run of what would change, and applies it in one transaction.

The file is read by assessments.spreadsheets, as every upload of rows is: size limits
before parsing, the zip's declared sizes and the sheet's area checked before a workbook
is opened, cells read as stored text (formulas are never evaluated), UTF-8 then
GB18030 for CSV and a refusal of CSV files that mix encodings. The roster's limits
(bytes, unpacked bytes, rows) come from settings, sized for a province.

Columns (first row; Chinese or English headers, any order):
    工号 employee number*, 姓名 name*, 部门 department*, 职务 position, 职级 rank,
    入职日期 hire date, 邮箱 e-mail, 电话 phone, 状态 status
A department is a code (QX-XZSP) or a path of names from the top
(清溪县/行政审批服务局/窗口服务科, English names too). An empty optional cell leaves
the stored value as it is; an empty status means the person works here.

The dry run (`roster_check`) and the apply (`roster_apply`) compute the plan with the
same function, so what the report promises is what the apply does.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from assessments.spreadsheets import csv_bytes, spreadsheet_safe, workbook_bytes
from learning import policy
from learning.organisation.models import Department
from learning.organisation.rules import normalised
from learning.outbox.services import task_enqueue
from learning.roster.models import RosterImport
from learning.roster.planning import _plan, _report, _Scope
from learning.roster.reading import TEMPLATE_HEADERS
from learning.roster.tasks import roster_import_apply


def roster_check(
    *,
    actor: Any | None,
    content: bytes,
    file_name: str,
    full_roster: bool = False,
    create_departments: bool = False,
) -> RosterImport:
    """The dry run: read and check every row, store the upload with its report
    (status checked) and change nothing else. `actor` None acts for the whole
    organisation (the management command). A file refused as a whole raises
    RosterFileError and stores nothing."""
    policy.require_roster_importer(actor)
    scope = _Scope(actor)
    plan, table = _plan(
        scope=scope,
        content=content,
        file_name=file_name,
        full_roster=full_roster,
        create_departments=create_departments,
    )
    managed = (
        list(policy.managed_departments(actor).filter(depth__gte=1).order_by("path"))
        if actor is not None and not policy.is_site_admin(actor)
        else []
    )
    top: list[Department] = []
    for department in managed:  # in path order: a subtree follows its root
        if not top or not department.path.startswith(top[-1].path):
            top.append(department)
    return RosterImport.objects.create(
        uploaded_by=actor,
        scope_department=top[0] if len(top) == 1 else None,
        file_name=file_name[:255],
        checksum=hashlib.sha256(content).hexdigest(),
        content=content,
        full_roster=full_roster,
        create_departments=create_departments,
        status=RosterImport.Status.CHECKED,
        total_rows=plan.total_rows,
        report=_report(plan, table, scope=scope),
    )


def deactivations_to_confirm(report: dict) -> int:
    """How many leavers HR must type to apply a full roster: the number it records
    as leavers when that is more than settings.ROSTER_CONFIRM_DEACTIVATE_SHARE of
    the active people in scope (a file cut short, the wrong sheet); else 0."""
    count = report.get("counts", {}).get("deactivate", 0)
    in_scope = report.get("in_scope_active", 0)
    share = settings.ROSTER_CONFIRM_DEACTIVATE_SHARE
    return count if count and count > share * in_scope else 0


def deactivations_confirm(*, report: dict, typed: object) -> None:
    """Refuse (ValidationError) unless `typed` is the number of leavers a large
    deactivation needs confirmed (see deactivations_to_confirm)."""
    expected = deactivations_to_confirm(report)
    if not expected:
        return
    given = normalised(typed)
    if given != str(expected):
        raise ValidationError(
            _(
                "This full roster records %(count)s people as leavers, more than "
                "%(share)s%% of the %(total)s active people in your departments. "
                "Nothing was applied. If that is right, type %(count)s in the box "
                "and apply again; if not, check that the file holds everyone."
            )
            % {
                "count": expected,
                "share": round(settings.ROSTER_CONFIRM_DEACTIVATE_SHARE * 100),
                "total": report.get("in_scope_active", 0),
            },
            code="confirm_deactivations",
        )


def roster_enqueue(
    *, actor: Any, roster_import: RosterImport, confirm_deactivations: object = ""
) -> RosterImport:
    """Queue a checked import without errors for the worker (the task runs after
    the surrounding transaction commits). A full roster that records many leavers
    needs their number typed in `confirm_deactivations` (deactivations_confirm)."""
    policy.require_roster_importer(actor)
    if not roster_import_list(user=actor).filter(pk=roster_import.pk).exists():
        raise PermissionDenied(_("You may apply only the rosters you uploaded."))
    if roster_import.report.get("counts", {}).get("errors"):
        raise ValidationError(
            _("The roster has errors. Correct the file and upload it again.")
        )
    deactivations_confirm(report=roster_import.report, typed=confirm_deactivations)
    queued = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.CHECKED
    ).update(status=RosterImport.Status.QUEUED)
    roster_import.refresh_from_db()
    if queued:
        task_enqueue(roster_import_apply, roster_import.pk)
    return roster_import


def roster_import_list(*, user: Any) -> QuerySet:
    """The imports a user may look at and apply (policy.visible_roster_imports),
    newest first."""
    return policy.visible_roster_imports(
        user,
        RosterImport.objects.defer("content", "report").select_related(
            "uploaded_by", "scope_department"
        ),
    )


_TEMPLATE_ROWS = (
    (
        "QX10001",
        "张伟",
        "QX-XZSP-CK",
        "CKRY",
        "R2",
        "2021-09-01",
        "zhangwei@example.gov.cn",
        "13800000001",
        "在职",
    ),
    (
        "QX10002",
        "李娜",
        "清溪县/大数据发展局/电子政务科",
        "科员",
        "四级主任科员",
        "2018-03-15",
        "",
        "0571-88880002",
        "在职",
    ),
)


def roster_template_xlsx() -> bytes:
    """An empty roster to fill in: the header row and two example rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(TEMPLATE_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _TEMPLATE_ROWS:
        sheet.append([spreadsheet_safe(value) for value in row])
    for column, width in zip(
        "ABCDEFGHI", (12, 10, 34, 16, 16, 14, 28, 16, 8), strict=True
    ):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(workbook)


def roster_template_csv() -> bytes:
    """The same template as CSV in UTF-8 with BOM (Excel opens it correctly)."""
    return csv_bytes([TEMPLATE_HEADERS, *_TEMPLATE_ROWS])
