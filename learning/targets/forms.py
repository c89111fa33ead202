"""Forms for targets, self-assessment and a leader's rating."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Competency
from learning import policy
from learning.admin_base import ScopedDepartmentForm
from learning.organisation.forms import DepartmentChoiceField
from learning.targets.models import CompetencyTarget


class CompetencyTargetForm(ScopedDepartmentForm):
    class Meta:
        model = CompetencyTarget
        fields = ["position", "competency", "required_level", "department"]
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].help_text = _(
            "Empty: the target applies to this position across the county."
        )
        # Targets are set on competences, not on whole areas.
        self.fields["competency"].queryset = Competency.objects.filter(
            depth__gt=1
        ).order_by("code")

    def clean(self):
        cleaned = super().clean()
        # Asked here as well as in the service: the uniqueness check of the model
        # form can refuse the row first, and the officer should see both problems.
        competency = cleaned.get("competency")
        level = cleaned.get("required_level")
        if competency and level is not None:
            message = competency.framework.scale.level_error(level)
            if message:
                self.add_error("required_level", message)
        if not policy.can_set_targets(self.for_user, cleaned.get("department")):
            self.add_error(
                "department",
                _(
                    "Choose a department you manage; county-wide targets need "
                    "county HR."
                ),
            )
        return cleaned


class SelfAssessmentForm(forms.Form):
    competency = forms.ModelChoiceField(
        label=_("Competence"), queryset=Competency.objects.filter(depth__gt=1)
    )
    level = forms.IntegerField(label=_("My level"), min_value=1)


class RatingForm(forms.Form):
    competency = forms.ModelChoiceField(queryset=Competency.objects.filter(depth__gt=1))
    level = forms.IntegerField(min_value=1)
    comment = forms.CharField(max_length=1000)
