"""The learner's home page: assignments, courses, hours, competencies, certificates."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from wagtail.models import Site

from audit.limits import EXPORTS, rate_limited
from audit.services import record_export
from learning.curricula.selectors import my_assignments
from learning.hours.selectors import study_hour_entries, study_hours_summary
from learning.journey.selectors import my_activity_results, my_courses
from learning.me.export import my_data_json, my_data_zip
from learning.organisation.selectors import (
    department_ancestors,
    profile_get_for_user,
    role_scope_list,
)
from learning.targets.selectors import target_summary


@login_required
def me(request):
    """The learner's home: who they are in the organisation and what they hold."""
    profile = profile_get_for_user(request.user)
    year = timezone.localdate().year
    context = {
        "profile": profile,
        "hours": study_hours_summary(
            user=request.user, year=year, site=Site.find_for_request(request)
        ),
        "hour_entries": study_hour_entries(user=request.user, year=year)[:10],
        "department_chain": (
            department_ancestors(profile.department) if profile else []
        ),
        "role_scopes": role_scope_list(request.user),
        "courses": my_courses(request.user),
        "activities": my_activity_results(request.user),
        "assignments": my_assignments(request.user),
    }
    if profile is not None:
        context["competency_summary"] = target_summary(
            user=request.user, profile=profile
        )
    return render(request, "learning/me.html", context)


@login_required
@require_GET
@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def my_data(request, fmt: str):
    """The person's whole record as JSON, or as CSV files in a ZIP."""
    if fmt not in ("json", "zip"):
        raise Http404
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        content, kind = my_data_json(request.user), "application/json"
    else:
        content, kind = my_data_zip(request.user), "application/zip"
    record_export("my record", file_format=fmt)
    response = HttpResponse(content, content_type=kind)
    name = f"my-record-{stamp}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
