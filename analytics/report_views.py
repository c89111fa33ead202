"""The leadership report PDF as a download (`/dashboard/report.pdf`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from analytics.report import (
    ReportUnavailable,
    leadership_report,
    report_filename,
    report_month,
)
from analytics.report_pdf import ReportFontMissing
from analytics.report_pdf import report_pdf as report_pdf_bytes
from analytics.scope import dashboard_scope
from audit.limits import EXPORTS, rate_limited
from audit.services import record_export
from learning import policy


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "analytics/report_unavailable.html",
        {"message": message},
        status=status,
    )


@login_required
@require_safe
@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def report_pdf(request: HttpRequest) -> HttpResponse:
    """The report on `?department=` (default: the top of the viewer's scope) for
    `?month=YYYY-MM` (default: last month), in the viewer's language. 404 for a
    department outside the scope; a page saying why for a month out of range or a
    department without people."""
    if not policy.can_use_dashboard(request.user):
        raise PermissionDenied
    scope = dashboard_scope(request.user, request.GET)
    try:
        month = report_month(request.GET, today=scope.today)
        report = leadership_report(scope, month=month)
        pdf = report_pdf_bytes(report)
    except ReportUnavailable as refusal:
        return _refused(request, refusal.message, status=404)
    except ReportFontMissing:
        return _refused(
            request,
            _(
                "The report cannot be made on this server: its font is not "
                "installed. Please tell the site administrator."
            ),
            status=503,
        )
    record_export(f"report {report.month_label}", file_format="pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=report_filename(scope.department, report.month_label),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
