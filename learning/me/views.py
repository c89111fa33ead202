"""The learner's home page: assignments, courses, hours, competencies, certificates."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from wagtail.models import Site

from learning.curricula.selectors import my_assignments
from learning.hours.selectors import study_hour_entries, study_hours_summary
from learning.journey.selectors import my_activity_results, my_courses
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
