"""Back-office forms for the organisation. They collect and validate input; the
services in learning.services make the change."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from assessments.models import Competency

from . import policy
from .models import (
    CompetencyTarget,
    CourseFeedback,
    Department,
    LearnerProfile,
    RoleScope,
)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "—" * max(obj.depth - 1, 0) + f" {obj.display_name} ({obj.code})"


class DepartmentForm(WagtailAdminModelForm):
    parent = DepartmentChoiceField(
        label=_("Parent department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Leave empty only for the county itself (site administrators)."),
    )

    class Meta:
        model = Department
        fields = ["code", "name", "name_en", "kind", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = policy.managed_departments(
            self.for_user
        ).order_by("path")
        if self.instance.pk:
            parent = self.instance.get_parent()
            self.fields["parent"].initial = parent.pk if parent else None
            # Moving under itself or its own sections is refused in the service too.
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                path__startswith=self.instance.path
            )

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        user = self.for_user
        if parent is None and not (user and user.is_superuser):
            raise forms.ValidationError(
                _("Choose the parent department: it must be inside your scope.")
            )
        return parent


class LearnerProfileForm(WagtailAdminModelForm):
    email = forms.EmailField(label=_("E-mail"), required=False)

    class Meta:
        model = LearnerProfile
        fields = [
            "employee_number",
            "full_name",
            "department",
            "position",
            "rank",
            "hire_date",
            "phone",
            "preferred_language",
        ]
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = policy.managed_departments(
            self.for_user
        ).order_by("path")
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email

    def clean_employee_number(self):
        number = self.cleaned_data["employee_number"].strip()
        user_model = get_user_model()
        accounts = user_model.objects.filter(username=number)
        if self.instance.pk:
            accounts = accounts.exclude(pk=self.instance.user_id)
        if accounts.exists():
            raise forms.ValidationError(
                _("Another account already uses this employee number as its name.")
            )
        return number


class RoleScopeForm(WagtailAdminModelForm):
    class Meta:
        model = RoleScope
        fields = ["user", "role", "department"]
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = policy.managed_departments(
            self.for_user
        ).order_by("path")
        people = policy.managed_profiles(self.for_user).values("user_id")
        user_model = get_user_model()
        self.fields["user"].queryset = user_model.objects.filter(
            pk__in=people
        ).order_by("username")


class CompetencyTargetForm(WagtailAdminModelForm):
    class Meta:
        model = CompetencyTarget
        fields = ["position", "competency", "required_level", "department"]
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = policy.managed_departments(
            self.for_user
        ).order_by("path")
        self.fields["department"].help_text = _(
            "Empty: the target applies to this position across the county."
        )
        # Targets are set on competences, not on whole areas.
        self.fields["competency"].queryset = Competency.objects.filter(
            depth__gt=1
        ).order_by("code")

    def clean(self):
        cleaned = super().clean()
        competency = cleaned.get("competency")
        level = cleaned.get("required_level")
        if competency and level is not None:
            top = competency.framework.scale.max_level
            if not 1 <= level <= top:
                self.add_error(
                    "required_level",
                    _("Choose a level from 1 to %(max)s.") % {"max": top},
                )
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


class TeamFilterForm(forms.Form):
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    q = forms.CharField(
        label=_("Name or employee number"), required=False, max_length=50
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = policy.visible_departments(user).order_by(
            "path"
        )


class CourseFeedbackForm(forms.ModelForm):
    """The satisfaction survey after completing a course."""

    class Meta:
        model = CourseFeedback
        fields = ["rating", "comment"]
        widgets = {
            "rating": forms.RadioSelect,
            "comment": forms.Textarea(attrs={"rows": 3}),
        }
