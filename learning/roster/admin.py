"""Back office for roster imports (registered from learning.wagtail_hooks): upload →
dry-run report → apply (a task) → progress, the list of past imports and the
templates. HR officers and site admins only (learning.policy.can_import_roster);
anyone else gets 403."""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.defaults import permission_denied
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from assessments.spreadsheets import xlsx_bytes
from audit.limits import EXPORTS, UPLOADS, rate_limited
from audit.services import record_export
from learning import policy
from learning.roster.models import RosterImport
from learning.roster.planning import ACTIONS
from learning.roster.reading import RosterFileError
from learning.roster.selectors import (
    ACTION_LABELS,
    roster_report_lines,
    roster_report_table,
)
from learning.roster.services import (
    deactivations_to_confirm,
    roster_check,
    roster_enqueue,
    roster_import_list,
    roster_template_csv,
    roster_template_xlsx,
)

LINES_PER_PAGE = 100


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy(
            "Excel (.xlsx or .xls) or CSV (UTF-8 or GBK), with the template's column "
            "headers (a title line above them is fine)."
        ),
    )
    full_roster = forms.BooleanField(
        label=gettext_lazy("This is the full roster"),
        required=False,
        help_text=gettext_lazy(
            "Active people in your departments who are not in the file are recorded "
            "as leavers (their accounts close; their records stay)."
        ),
    )
    create_departments = forms.BooleanField(
        label=gettext_lazy("Create missing departments"),
        required=False,
        help_text=gettext_lazy(
            "A department given as a path of names (清溪县/行政审批服务局/新科室) "
            "that does not exist yet is created under the part that exists."
        ),
    )


def _importer_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not policy.can_import_roster(request.user):
            return permission_denied(request, PermissionDenied())
        return view(request, *args, **kwargs)

    return wrapped


def _import_or_404(request, pk: int) -> RosterImport:
    return get_object_or_404(roster_import_list(user=request.user), pk=pk)


@_importer_required
@rate_limited(UPLOADS)
def roster_index_view(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read at most one byte past the limit: the service refuses a larger file.
        content = upload.read(settings.ROSTER_MAX_BYTES + 1)
        try:
            roster_import = roster_check(
                actor=request.user,
                content=content,
                file_name=upload.name,
                full_roster=form.cleaned_data["full_roster"],
                create_departments=form.cleaned_data["create_departments"],
            )
        except RosterFileError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            return redirect("roster_import:report", roster_import.pk)
    imports = Paginator(roster_import_list(user=request.user), 20)
    return TemplateResponse(
        request,
        "learning/admin/roster_index.html",
        {
            "page_title": _("Roster import"),
            "header_icon": "upload",
            "form": form,
            "imports": imports.get_page(request.GET.get("p")),
        },
    )


@_importer_required
def roster_report_view(request, pk: int):
    roster_import = _import_or_404(request, pk)
    report = roster_import.report or {}
    lines = report.get("lines", [])
    only_errors = request.GET.get("show") == "errors"
    if only_errors:
        lines = [line for line in lines if line[4] == "error"]
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("p"))
    counts = report.get("counts", {})
    return TemplateResponse(
        request,
        "learning/admin/roster_report.html",
        {
            "page_title": _("Roster check: %(file)s")
            % {"file": roster_import.file_name},
            "header_icon": "upload",
            "roster_import": roster_import,
            "counts": [
                (ACTION_LABELS[action], counts.get(action, 0)) for action in ACTIONS
            ],
            "error_count": counts.get("errors", 0),
            "new_departments": report.get("new_departments", []),
            "ignored_columns": report.get("ignored_columns", []),
            "page": page,
            "lines": roster_report_lines(list(page.object_list)),
            "only_errors": only_errors,
            "can_apply": roster_import.status == RosterImport.Status.CHECKED
            and not counts.get("errors"),
            "header_row": report.get("header_row", 1),
            "skipped_lines": report.get("skipped_lines", []),
            "confirm_count": deactivations_to_confirm(report),
            "in_scope_active": report.get("in_scope_active", 0),
        },
    )


@_importer_required
@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def roster_report_download_view(request, pk: int):
    """The whole report as Excel, in the words of the screen."""
    roster_import = _import_or_404(request, pk)
    header, rows = roster_report_table((roster_import.report or {}).get("lines", []))
    response = HttpResponse(
        xlsx_bytes(
            rows,
            sheet_title=_("Roster check"),
            header=header,
            widths=(8, 14, 12, 40, 10, 60),
        ),
        content_type=XLSX,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="roster-check-{roster_import.pk}.xlsx"'
    )
    record_export(f"roster check {roster_import.pk}", file_format="xlsx")
    return response


@require_POST
@_importer_required
def roster_apply_view(request, pk: int):
    roster_import = _import_or_404(request, pk)
    try:
        roster_enqueue(
            actor=request.user,
            roster_import=roster_import,
            confirm_deactivations=request.POST.get("confirm_deactivations", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("roster_import:report", pk)
    return redirect("roster_import:progress", pk)


@_importer_required
def roster_progress_view(request, pk: int):
    roster_import = _import_or_404(request, pk)
    return TemplateResponse(
        request,
        "learning/admin/roster_progress.html",
        {
            "page_title": _("Applying the roster: %(file)s")
            % {"file": roster_import.file_name},
            "header_icon": "upload",
            "roster_import": roster_import,
            "status_url": reverse("roster_import:status", args=[pk]),
            "report_url": reverse("roster_import:report", args=[pk]),
        },
    )


@_importer_required
def roster_status_view(request, pk: int):
    roster_import = _import_or_404(request, pk)
    done = roster_import.status in (
        RosterImport.Status.APPLIED,
        RosterImport.Status.FAILED,
    )
    return JsonResponse(
        {
            "status": roster_import.status,
            "status_label": roster_import.get_status_display(),
            "processed_rows": roster_import.processed_rows,
            "total_rows": roster_import.total_rows,
            "percent": roster_import.progress_percent,
            "error": roster_import.error,
            "done": done,
        }
    )


@_importer_required
def roster_template_view(request, fmt: str):
    if fmt == "xlsx":
        content, content_type = roster_template_xlsx(), XLSX
    elif fmt == "csv":
        content, content_type = roster_template_csv(), "text/csv"
    else:
        return permission_denied(request, PermissionDenied())
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="roster-template.{fmt}"'
    return response


urlpatterns = [
    path("", roster_index_view, name="index"),
    path("<int:pk>/", roster_report_view, name="report"),
    path("<int:pk>/apply/", roster_apply_view, name="apply"),
    path("<int:pk>/report.xlsx", roster_report_download_view, name="download"),
    path("<int:pk>/progress/", roster_progress_view, name="progress"),
    path("<int:pk>/status.json", roster_status_view, name="status"),
    path("template.<str:fmt>", roster_template_view, name="template"),
]


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [path("roster/", include((urlpatterns, "roster_import")))]


class RosterMenuItem(MenuItem):
    def is_shown(self, request):
        return policy.can_import_roster(request.user)


@hooks.register("register_admin_menu_item")
def register_roster_menu_item():
    return RosterMenuItem(
        gettext_lazy("Roster import"),
        reverse("roster_import:index"),
        icon_name="upload",
        order=305,
    )
