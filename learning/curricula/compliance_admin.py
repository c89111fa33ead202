"""Back office for curriculum compliance (registered from learning.wagtail_hooks).

HR officers and leaders see, inside their scope, who has done which mandatory
curriculum: a summary that drills down the department tree, the people behind every
count, and exports. HR officers (who manage the people) also remind and exempt;
leaders read. learning.policy decides every one of those; these views only ask."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from audit.limits import EXPORTS, rate_limited
from audit.services import record_export
from learning import policy
from learning.curricula.compliance import (
    compliance_curricula,
    compliance_departments,
    compliance_people,
    compliance_remindable,
    compliance_reminded_today,
    compliance_summary,
    current_assignments,
)
from learning.curricula.export import people_csv_stream, people_xlsx
from learning.curricula.models import Assignment, Curriculum
from learning.curricula.reminders import assignment_remind_now
from learning.curricula.services import assignment_exempt, assignment_unexempt
from learning.curricula.status import (
    COMPLIANCE_STATUSES,
    OPEN_STATUSES,
    AssignmentStatus,
    status_of,
)
from learning.curricula.tasks import assignments_remind_now_task
from learning.organisation.models import Department
from learning.organisation.selectors import department_labels
from learning.outbox.services import task_enqueue

PER_PAGE = 50


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


COUNT_COLUMNS = [
    # (attribute of ComplianceCounts, status the count links to, heading)
    ("assigned", "", gettext_lazy("Assigned")),
    ("completed", AssignmentStatus.COMPLETED, gettext_lazy("Completed")),
    ("in_progress", AssignmentStatus.IN_PROGRESS, gettext_lazy("In progress")),
    ("not_started", AssignmentStatus.NOT_STARTED, gettext_lazy("Not started")),
    ("overdue", AssignmentStatus.OVERDUE, gettext_lazy("Overdue")),
    ("exempt", AssignmentStatus.EXEMPT, gettext_lazy("Exempt")),
]


class ComplianceFilterForm(forms.Form):
    """Choices come from the viewer's scope only, so an id from outside it is not a
    valid choice (the views answer 404)."""

    curriculum = forms.ChoiceField(label=gettext_lazy("Curriculum"), required=False)
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    unit = forms.BooleanField(
        label=gettext_lazy("Only people directly in the department"), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status"))]
        + [(status.value, status.label) for status in COMPLIANCE_STATUSES],
    )
    q = forms.CharField(
        label=gettext_lazy("Name or employee number"), required=False, max_length=100
    )

    def __init__(self, data, *, curricula, departments):
        super().__init__(data)
        self.fields["curriculum"].choices = [("", _("All curricula"))] + [
            (str(c.pk), c.display_name) for c in curricula
        ]
        self.fields["department"].choices = [("", _("My whole scope"))] + [
            (str(d.pk), d.tree_label) for d in departments
        ]


@dataclass
class Filters:
    form: ComplianceFilterForm
    departments: list[Department]
    curricula: list[Curriculum]
    curriculum: Curriculum | None
    department: Department | None
    unit_only: bool
    status: str
    search: str

    def params(self, **overrides) -> dict[str, str]:
        values = {
            "curriculum": str(self.curriculum.pk) if self.curriculum else "",
            "department": str(self.department.pk) if self.department else "",
            "unit": "1" if self.unit_only else "",
            "status": self.status,
            "q": self.search,
        }
        values.update({key: str(value) for key, value in overrides.items()})
        return {key: value for key, value in values.items() if value}

    def query(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    def people_url(self, **overrides) -> str:
        return reverse("compliance:people") + "?" + self.query(**overrides)

    def selector_kwargs(self) -> dict:
        return {
            "curriculum": self.curriculum,
            "department": self.department,
            "unit_only": self.unit_only,
            "status": self.status or None,
        }


def _require_viewer(request) -> None:
    if not policy.can_use_dashboard(request.user):
        raise PermissionDenied


def _filters(request, data) -> Filters:
    _require_viewer(request)
    user = request.user
    departments = compliance_departments(user=user)
    curricula = compliance_curricula(user=user)
    form = ComplianceFilterForm(data, curricula=curricula, departments=departments)
    form.is_valid()
    if "department" in form.errors or "curriculum" in form.errors:
        raise Http404(_("No such curriculum or department in your scope."))
    cleaned = form.cleaned_data
    by_department = {str(d.pk): d for d in departments}
    by_curriculum = {str(c.pk): c for c in curricula}
    department = by_department.get(cleaned.get("department") or "")
    return Filters(
        form=form,
        departments=departments,
        curricula=curricula,
        curriculum=by_curriculum.get(cleaned.get("curriculum") or ""),
        department=department,
        unit_only=bool(cleaned.get("unit")) and department is not None,
        status=cleaned.get("status") or "",
        search=(cleaned.get("q") or "").strip(),
    )


def _people(request, filters: Filters):
    return compliance_people(
        user=request.user,
        today=timezone.localdate(),
        search=filters.search,
        **filters.selector_kwargs(),
    )


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _count_cells(filters: Filters, counts, **where) -> list[dict]:
    cells = []
    for attribute, status, _heading in COUNT_COLUMNS:
        value = getattr(counts, attribute)
        link = filters.people_url(**where, status=status) if value else ""
        if status and filters.status and status != filters.status:
            link = ""
        cells.append({"value": value, "url": link, "status": status})
    return cells


def _scope_where(*, department=None, unit_only=False) -> dict:
    return {
        "department": department.pk if department else "",
        "unit": "1" if unit_only else "",
    }


@require_GET
def summary_view(request):
    filters = _filters(request, request.GET)
    summary = compliance_summary(
        user=request.user,
        today=timezone.localdate(),
        departments=filters.departments,
        curricula=filters.curricula,
        curriculum=filters.curriculum,
        department=filters.department,
        status=filters.status or None,
    )
    index = reverse("compliance:index")
    where = _scope_where(department=filters.department)
    curriculum_rows = [
        {
            "label": row.curriculum.display_name,
            "inactive": row.curriculum.status != Curriculum.Status.ACTIVE,
            "cells": _count_cells(
                filters, row.counts, **where, curriculum=row.curriculum.pk
            ),
            "rate": row.counts.completion_percent,
            "url": index + "?" + filters.query(curriculum=row.curriculum.pk),
        }
        for row in summary.by_curriculum
    ]
    department_rows = []
    for row in summary.by_department:
        here = _scope_where(department=row.department, unit_only=row.unit_only)
        drill = ""
        if row.has_children:
            drill = index + "?" + filters.query(department=row.department.pk)
        department_rows.append(
            {
                "label": row.department.display_name,
                "unit_only": row.unit_only,
                "url": drill,
                "cells": _count_cells(filters, row.counts, **here),
                "rate": row.counts.completion_percent,
            }
        )
    parent = None
    if filters.department is not None and filters.department.depth > 1:
        parent_path = filters.department.path[: -filters.department.steplen]
        parent = next((d for d in filters.departments if d.path == parent_path), None)
    return TemplateResponse(
        request,
        "learning/admin/compliance_summary.html",
        {
            "title": _("Compliance"),
            "summary": summary,
            "filters": filters,
            "form": filters.form,
            "columns": [heading for _a, _s, heading in COUNT_COLUMNS],
            "curriculum_rows": curriculum_rows,
            "department_rows": department_rows,
            "total_cells": _count_cells(filters, summary.total, **where),
            "total_rate": summary.total.completion_percent,
            "people_url": filters.people_url(),
            "up_url": (
                index + "?" + filters.query(department=parent.pk) if parent else ""
            ),
        },
    )


@require_GET
def people_view(request):
    filters = _filters(request, request.GET)
    user = request.user
    page = Paginator(_people(request, filters), PER_PAGE).get_page(
        request.GET.get("page")
    )
    may_remind = policy.has_role(user, policy.HR)
    labels = department_labels(row.profile.department for row in page.object_list)
    rows = [
        {
            "assignment": row,
            "department": labels[row.profile.department.path],
            "status_label": AssignmentStatus(row.compliance_status).label,
            "overdue": row.compliance_status == AssignmentStatus.OVERDUE,
            "remindable": row.compliance_status in OPEN_STATUSES,
            "manage": may_remind and policy.can_manage_person(user, row.profile),
        }
        for row in page.object_list
    ]
    return TemplateResponse(
        request,
        "learning/admin/compliance_people.html",
        {
            "title": _("People and their assignments"),
            "filters": filters,
            "form": filters.form,
            "page": page,
            "rows": rows,
            "may_remind": may_remind,
            "here": request.get_full_path(),
            "summary_url": reverse("compliance:index") + "?" + filters.query(q=""),
            "remind_url": reverse("compliance:remind") + "?" + filters.query(),
            "csv_url": reverse("compliance:export", args=["csv"])
            + "?"
            + filters.query(),
            "xlsx_url": reverse("compliance:export", args=["xlsx"])
            + "?"
            + filters.query(),
            "previous_url": (
                filters.people_url(page=page.previous_page_number())
                if page.has_previous()
                else ""
            ),
            "next_url": (
                filters.people_url(page=page.next_page_number())
                if page.has_next()
                else ""
            ),
        },
    )


@require_GET
@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def export_view(request, fmt: str):
    filters = _filters(request, request.GET)
    people = _people(request, filters)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = StreamingHttpResponse(
            people_csv_stream(people),
            content_type="text/csv; charset=utf-8",
        )
    elif fmt == "xlsx":
        response = HttpResponse(people_xlsx(people), XLSX)
    else:
        raise Http404
    record_export(str(_("Mandatory training compliance")), file_format=fmt)
    response["Content-Disposition"] = f'attachment; filename="compliance-{stamp}.{fmt}"'
    return response


def _require_hr(request) -> None:
    if not policy.has_role(request.user, policy.HR):
        raise PermissionDenied


# A larger filtered "remind now" goes to a task instead of holding the request.
REMIND_IN_REQUEST_MAX = 200


def _assignment_in_scope(request, pk: int) -> Assignment:
    """A current cycle the user may see, loaded for the services; 404 otherwise."""
    row = (
        current_assignments(user=request.user, today=timezone.localdate())
        .select_related("curriculum", "profile__department", "learner__learner_profile")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404(_("No such assignment in your scope."))
    return row


def _remind_message(request, *, sent: int, already: int) -> None:
    if sent:
        text = ngettext("Sent %(sent)s reminder.", "Sent %(sent)s reminders.", sent) % {
            "sent": sent
        }
        if already:
            text += " " + ngettext(
                "%(already)s had been reminded today already and got nothing new.",
                "%(already)s had been reminded today already and got nothing new.",
                already,
            ) % {"already": already}
        messages.success(request, text)
    elif already:
        messages.warning(
            request,
            ngettext(
                "Nothing sent: %(already)s had been reminded today already. "
                "Try again tomorrow.",
                "Nothing sent: all %(already)s had been reminded today already. "
                "Try again tomorrow.",
                already,
            )
            % {"already": already},
        )
    else:
        messages.warning(
            request, _("Nothing sent: nobody in this list has an open assignment.")
        )


@require_http_methods(["GET", "POST"])
def remind_view(request):
    """GET: confirm reminding the whole filtered list. POST: remind one assignment
    (`assignment`) or the whole filtered list (`all`)."""
    _require_hr(request)
    data = request.POST if request.method == "POST" else request.GET
    filters = _filters(request, data)
    today = timezone.localdate()
    if request.method == "POST" and request.POST.get("assignment"):
        try:
            pk = int(request.POST["assignment"])
        except ValueError as error:
            raise Http404 from error
        assignment = _assignment_in_scope(request, pk)
        if not policy.can_manage_person(request.user, assignment.profile):
            raise PermissionDenied
        remindable = status_of(assignment, today) in OPEN_STATUSES
        eligible = [assignment] if remindable else []
        sent = assignment_remind_now(
            actor=request.user, assignments=eligible, today=today
        )
        _remind_message(request, sent=sent, already=len(eligible) - sent)
        return redirect(_next_url(request, filters.people_url()))

    remindable = compliance_remindable(
        user=request.user, people=_people(request, filters)
    )
    if request.method == "POST":
        if not request.POST.get("all"):
            raise Http404
        ids = list(remindable.values_list("pk", flat=True))
        if len(ids) > REMIND_IN_REQUEST_MAX:
            task_enqueue(assignments_remind_now_task, request.user.pk, ids)
            messages.success(
                request,
                _(
                    "Reminders to %(count)s assignments are being sent in the "
                    "background; the list shows them as they go out."
                )
                % {"count": len(ids)},
            )
            return redirect(filters.people_url())
        eligible = list(remindable.select_related("profile__department", "curriculum"))
        sent = assignment_remind_now(
            actor=request.user, assignments=eligible, today=today
        )
        _remind_message(request, sent=sent, already=len(eligible) - sent)
        return redirect(filters.people_url())

    total = remindable.count()
    already = compliance_reminded_today(assignments=remindable, today=today)
    return TemplateResponse(
        request,
        "learning/admin/compliance_remind_confirm.html",
        {
            "title": _("Remind everyone in this list"),
            "filters": filters,
            "params": filters.params(),
            "total": total,
            "already": already,
            "to_send": total - already,
            "back_url": filters.people_url(),
        },
    )


@require_POST
def exempt_view(request, pk: int):
    _require_hr(request)
    assignment = _assignment_in_scope(request, pk)
    back = _next_url(request, reverse("compliance:people"))
    try:
        assignment_exempt(
            actor=request.user,
            assignment=assignment,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(
            request,
            _("%(name)s was not exempted: %(problem)s")
            % {
                "name": assignment.profile.full_name,
                "problem": " ".join(error.messages),
            },
        )
    else:
        messages.success(
            request,
            _("%(name)s is exempt from “%(curriculum)s”.")
            % {
                "name": assignment.profile.full_name,
                "curriculum": assignment.curriculum.display_name,
            },
        )
    return redirect(back)


@require_POST
def unexempt_view(request, pk: int):
    _require_hr(request)
    assignment = _assignment_in_scope(request, pk)
    back = _next_url(request, reverse("compliance:people"))
    assignment_unexempt(actor=request.user, assignment=assignment)
    messages.success(
        request,
        _("%(name)s must complete “%(curriculum)s” again.")
        % {
            "name": assignment.profile.full_name,
            "curriculum": assignment.curriculum.display_name,
        },
    )
    return redirect(back)


urlpatterns = [
    path("", summary_view, name="index"),
    path("people/", people_view, name="people"),
    path("people/export/<str:fmt>/", export_view, name="export"),
    path("people/remind/", remind_view, name="remind"),
    path("assignments/<int:pk>/exempt/", exempt_view, name="exempt"),
    path("assignments/<int:pk>/unexempt/", unexempt_view, name="unexempt"),
]


@hooks.register("register_admin_urls")
def register_compliance_urls():
    return [path("compliance/", include((urlpatterns, "compliance")))]


class ComplianceMenuItem(MenuItem):
    def is_shown(self, request):
        return policy.can_use_dashboard(request.user)


@hooks.register("register_admin_menu_item")
def register_compliance_menu_item():
    return ComplianceMenuItem(
        gettext_lazy("Compliance"),
        reverse("compliance:index"),
        name="compliance",
        icon_name="tasks",
        order=320,
    )
