"""Leaders' /team/: the people in scope, one person's record and rating."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.selectors import competency_profile_for
from learning import policy
from learning.curricula.selectors import my_assignments
from learning.organisation.selectors import department_ancestors, department_labels
from learning.people.email import EmailLinkInvalid, email_change_read
from learning.people.forms import TeamFilterForm
from learning.people.selectors import profile_list, team_filter, with_overdue_counts
from learning.people.services import email_change_confirm
from learning.targets.forms import RatingForm
from learning.targets.selectors import (
    competency_rows,
    competency_summary,
    targets_for_profile,
)
from learning.targets.services import manager_rating_record


@login_required
def team(request):
    """People in the leader's or HR officer's scope, filterable by department."""
    if not policy.can_use_dashboard(request.user):
        raise PermissionDenied
    form = TeamFilterForm(request.GET or None, user=request.user)
    people = with_overdue_counts(profile_list(request.user).filter(is_active=True))
    if form.is_valid():
        people = team_filter(
            people,
            department=form.cleaned_data.get("department"),
            query=form.cleaned_data.get("q", ""),
            overdue_only=form.cleaned_data.get("overdue", False),
        )
    page = Paginator(
        people.order_by("department__path", "employee_number"), 50
    ).get_page(request.GET.get("page"))
    labels = department_labels(person.department for person in page.object_list)
    for person in page.object_list:
        person.department_label = labels[person.department.path]
    return render(request, "learning/team.html", {"form": form, "page": page})


@login_required
def team_member(request, pk: int):
    """One person in scope: their record, competency profile against their targets
    and, for their leader, a rating form."""
    profile = get_object_or_404(
        profile_list(request.user).filter(is_active=True).exclude(user=request.user),
        pk=pk,
    )
    areas = competency_profile_for(learner=profile.user)
    rows = competency_rows(areas, targets_for_profile(profile))
    can_rate = policy.can_rate_person(request.user, profile)
    return render(
        request,
        "learning/team_member.html",
        {
            "person": profile,
            "department_chain": department_ancestors(profile.department),
            "areas": rows,
            "summary": competency_summary(rows),
            "can_rate": can_rate,
            "frameworks": sorted({a.framework for a in areas}, key=lambda f: f.code),
            "rating_url": reverse("learning:team_rate", args=[profile.pk]),
            "assignments": my_assignments(profile.user),
        },
    )


@login_required
@require_POST
def team_rate(request, pk: int):
    """A leader records a rating for a person in their scope."""
    profile = get_object_or_404(
        profile_list(request.user).filter(is_active=True), pk=pk
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
        manager_rating_record(
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


def email_confirm(request, token):
    """The link sent to a new e-mail address: GET shows what will change, the POST
    (the button) writes it. No sign-in needed: the signed link proves the address."""
    try:
        user, new_email = email_change_read(token)
    except EmailLinkInvalid:
        return render(
            request, "learning/people/email_confirm.html", {"invalid": True}, status=400
        )
    if request.method == "POST":
        try:
            email_change_confirm(token=token)
        except EmailLinkInvalid:
            return render(
                request,
                "learning/people/email_confirm.html",
                {"invalid": True},
                status=400,
            )
        return render(
            request,
            "learning/people/email_confirm.html",
            {"done": True, "new_email": new_email},
        )
    return render(
        request,
        "learning/people/email_confirm.html",
        {"username": user.get_username(), "new_email": new_email},
    )
