"""HR's back-office screens for first sign-in codes: choose people, see the codes
once, download them as a printable sheet (PDF or XLSX) per department.

The codes in clear live only in the cache, for CODE_BATCH_MINUTES, under a random
batch id tied to the officer who issued them; "Done" forgets them at once.
"""

from __future__ import annotations

import secrets
from functools import wraps

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin.auth import permission_denied

from accounts import codes
from accounts.codes_email import activation_links_send
from accounts.codes_sheets import by_department, codes_pdf, codes_xlsx, signin_address
from accounts.forms import IssueCodesForm
from audit.limits import EXPORTS, rate_limited
from learning import policy

CODE_BATCH_MINUTES = 60


def may_issue_codes(user) -> bool:
    """HR officers (over some department) and site admins issue codes."""
    return policy.managed_departments(user).exists()


def _issuer_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_issue_codes(request.user):
            return permission_denied(request)
        return view(request, *args, **kwargs)

    return wrapped


def _batch_key(user_id: int, batch: str) -> str:
    return f"accounts:codes:batch:{user_id}:{batch}"


def _batch_get(request, batch: str) -> dict:
    data = cache.get(_batch_key(request.user.pk, batch))
    if data is None:
        raise Http404(_("These codes are no longer available."))
    return data


@_issuer_required
def codes_issue_view(request):
    form = IssueCodesForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        people = form.people
        mailed = []
        if form.cleaned_data["delivery"] == IssueCodesForm.EMAIL:
            mailed = activation_links_send(actor=request.user, profiles=people)
            mailed_ids = {p.pk for p in mailed}
            people = [p for p in people if p.pk not in mailed_ids]
        issued = codes.signin_codes_issue(actor=request.user, profiles=people)
        batch = secrets.token_urlsafe(16)
        cache.set(
            _batch_key(request.user.pk, batch),
            {
                "issued": issued,
                "mailed": [(p.full_name, p.employee_number) for p in mailed],
                "at": timezone.now(),
            },
            CODE_BATCH_MINUTES * 60,
        )
        return redirect("signin_codes:batch", batch)
    return TemplateResponse(
        request,
        "accounts/admin/codes_issue.html",
        {
            "page_title": _("Sign-in codes"),
            "header_icon": "key",
            "form": form,
            "signin_address": signin_address(),
        },
    )


@_issuer_required
def codes_batch_view(request, batch: str):
    data = _batch_get(request, batch)
    return TemplateResponse(
        request,
        "accounts/admin/codes_batch.html",
        {
            "page_title": _("Sign-in codes issued"),
            "header_icon": "key",
            "batch": batch,
            "groups": [
                {"department": name, "code": codes[0].department_code, "codes": codes}
                for name, codes in by_department(data["issued"])
            ],
            "count": len(data["issued"]),
            "mailed": data["mailed"],
            "minutes": CODE_BATCH_MINUTES,
        },
    )


@_issuer_required
@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def codes_sheet_view(request, batch: str, fmt: str):
    issued = _batch_get(request, batch)["issued"]
    department = request.GET.get("department")
    if department:
        issued = [code for code in issued if code.department_code == department]
        if not issued:
            raise Http404(_("No codes for this department in this batch."))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"signin-codes-{department or 'all'}-{stamp}"
    if fmt == "pdf":
        response = HttpResponse(codes_pdf(issued), content_type="application/pdf")
    elif fmt == "xlsx":
        response = HttpResponse(
            codes_xlsx(issued),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@_issuer_required
def codes_batch_forget_view(request, batch: str):
    cache.delete(_batch_key(request.user.pk, batch))
    return redirect("signin_codes:issue")
