from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Site

from assessments.selectors import competency_profile_for

from . import curriculum_selectors, journey_selectors, policy, selectors, services
from .forms import RatingForm, SelfAssessmentForm, TeamFilterForm
from .services import notifications


@login_required
def me(request):
    """The learner's home: who they are in the organisation and what they hold."""
    profile = selectors.profile_get_for_user(request.user)
    year = timezone.localdate().year
    context = {
        "profile": profile,
        "hours": selectors.study_hours_summary(
            user=request.user, year=year, site=Site.find_for_request(request)
        ),
        "hour_entries": selectors.study_hour_entries(user=request.user, year=year)[:10],
        "department_chain": (
            selectors.department_ancestors(profile.department) if profile else []
        ),
        "role_scopes": selectors.role_scope_list(request.user),
        "courses": journey_selectors.my_courses(request.user),
        "activities": journey_selectors.my_activity_results(request.user),
        "assignments": curriculum_selectors.my_assignments(request.user),
    }
    if profile is not None:
        context["competency_summary"] = selectors.target_summary(
            user=request.user, profile=profile
        )
    return render(request, "learning/me.html", context)


@login_required
def my_competencies(request):
    """The learner's competency profile: per area, current level against the target
    for their position, the evidence behind it and what expires soon."""
    profile = selectors.profile_get_for_user(request.user)
    areas = competency_profile_for(learner=request.user)
    targets = selectors.targets_for_profile(profile) if profile else {}
    rows = selectors.competency_rows(areas, targets)
    frameworks = {area.framework for area in areas}
    return render(
        request,
        "learning/my_competencies.html",
        {
            "areas": rows,
            "summary": selectors.competency_summary(rows),
            "frameworks": sorted(frameworks, key=lambda f: f.code),
            "has_targets": bool(targets),
            "self_form": SelfAssessmentForm(),
        },
    )


@login_required
@require_POST
def self_assessment(request):
    """Record the learner's own view of their level (shown apart, never official)."""
    form = SelfAssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.self_assessment_record(
                learner=request.user,
                competency=form.cleaned_data["competency"],
                level=form.cleaned_data["level"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your self-assessment was saved."))
    else:
        messages.error(request, _("Choose a competence and a level, then save again."))
    return redirect(
        f"{reverse('learning:my_competencies')}#c-{request.POST.get('competency', '')}"
    )


@login_required
def team(request):
    """People in the leader's or HR officer's scope, filterable by department."""
    if not policy.can_use_dashboard(request.user):
        raise PermissionDenied
    form = TeamFilterForm(request.GET or None, user=request.user)
    people = selectors.with_overdue_counts(
        selectors.profile_list(request.user).filter(is_active=True)
    )
    if form.is_valid():
        people = selectors.team_filter(
            people,
            department=form.cleaned_data.get("department"),
            query=form.cleaned_data.get("q", ""),
            overdue_only=form.cleaned_data.get("overdue", False),
        )
    page = Paginator(
        people.order_by("department__path", "employee_number"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "learning/team.html", {"form": form, "page": page})


@login_required
def team_member(request, pk: int):
    """One person in scope: their record, competency profile against their targets
    and, for their leader, a rating form."""
    profile = get_object_or_404(
        selectors.profile_list(request.user)
        .filter(is_active=True)
        .exclude(user=request.user),
        pk=pk,
    )
    areas = competency_profile_for(learner=profile.user)
    rows = selectors.competency_rows(areas, selectors.targets_for_profile(profile))
    can_rate = policy.can_rate_person(request.user, profile)
    return render(
        request,
        "learning/team_member.html",
        {
            "person": profile,
            "department_chain": selectors.department_ancestors(profile.department),
            "areas": rows,
            "summary": selectors.competency_summary(rows),
            "can_rate": can_rate,
            "frameworks": sorted({a.framework for a in areas}, key=lambda f: f.code),
            "rating_url": reverse("learning:team_rate", args=[profile.pk]),
            "assignments": curriculum_selectors.my_assignments(profile.user),
        },
    )


@login_required
@require_POST
def team_rate(request, pk: int):
    """A leader records a rating for a person in their scope."""
    profile = get_object_or_404(
        selectors.profile_list(request.user).filter(is_active=True), pk=pk
    )
    form = RatingForm(request.POST)
    target = reverse("learning:team_member", args=[profile.pk])
    if not form.is_valid():
        messages.error(
            request,
            _("Choose a level and say what the rating is based on, then save again."),
        )
        return redirect(target)
    try:
        services.manager_rating_record(
            rater=request.user,
            profile=profile,
            competency=form.cleaned_data["competency"],
            level=form.cleaned_data["level"],
            comment=form.cleaned_data["comment"],
        )
    except PermissionDenied:
        messages.error(
            request, _("You may rate only people in the departments you lead.")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Rating recorded for %(name)s.") % {"name": profile.full_name},
        )
    return redirect(f"{target}#c-{form.cleaned_data['competency'].pk}")


@login_required
def notification_centre(request):
    """The signed-in person's notifications, newest first, 20 a page."""
    page = Paginator(curriculum_selectors.notification_list(request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "learning/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    """Mark one notification (`id`) or all of them read; opening one follows its
    link (only a path on this site)."""
    raw = request.POST.get("id", "")
    if raw:
        if not (raw.isascii() and raw.isdigit()):
            messages.error(request, _("That notification does not exist."))
            return redirect("learning:notifications")
        notification = get_object_or_404(
            curriculum_selectors.notification_list(request.user), pk=int(raw)
        )
        notifications.notification_mark_read(
            user=request.user, notification_ids=[notification.pk]
        )
        if request.POST.get("open") and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts=None
        ):
            return redirect(notification.url)
        return redirect("learning:notifications")
    count = notifications.notification_mark_read(user=request.user)
    messages.success(
        request, _("%(count)s notifications marked read.") % {"count": count}
    )
    return redirect("learning:notifications")
