"""The learner's competency profile against the targets of their position."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.selectors import competency_profile_for
from learning.organisation.selectors import profile_get_for_user
from learning.targets.forms import SelfAssessmentForm
from learning.targets.selectors import (
    competency_rows,
    competency_summary,
    targets_for_profile,
)
from learning.targets.services import self_assessment_record


@login_required
def my_competencies(request):
    """The learner's competency profile: per area, current level against the target
    for their position, the evidence behind it and what expires soon."""
    profile = profile_get_for_user(request.user)
    areas = competency_profile_for(learner=request.user)
    targets = targets_for_profile(profile) if profile else {}
    rows = competency_rows(areas, targets)
    frameworks = {area.framework for area in areas}
    return render(
        request,
        "learning/my_competencies.html",
        {
            "areas": rows,
            "summary": competency_summary(rows),
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
            self_assessment_record(
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
