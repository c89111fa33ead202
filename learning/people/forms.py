"""The /team/ filter form."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from learning import policy
from learning.admin_base import ScopedDepartmentForm
from learning.organisation import rules
from learning.organisation.forms import DepartmentChoiceField
from learning.organisation.models import Department, LearnerProfile, RoleScope


class TeamFilterForm(forms.Form):
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    q = forms.CharField(
        label=_("Name or employee number"), required=False, max_length=50
    )
    overdue = forms.BooleanField(
        label=_("Only people overdue with mandatory training"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = policy.visible_departments(user).order_by(
            "path"
        )


class LearnerProfileForm(ScopedDepartmentForm):
    email = forms.CharField(label=_("E-mail"), required=False)

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
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
        for name in ("employee_number", "full_name", "email", "phone"):
            # Lengths are checked by the rules below, with the roster's words.
            self.fields[name].validators = [
                v
                for v in self.fields[name].validators
                if not isinstance(v, MaxLengthValidator)
            ]

    def validate_unique(self):
        """A number already taken is the service's answer, in the roster's words."""

    # The person rules, field by field, as the service and the roster apply them;
    # a number already taken is the service's answer (see ServiceErrorsMixin).
    def clean_employee_number(self):
        return _rule(rules.employee_number_clean, self.cleaned_data["employee_number"])

    def clean_full_name(self):
        return _rule(rules.full_name_clean, self.cleaned_data["full_name"])

    def clean_email(self):
        return _rule(rules.email_clean, self.cleaned_data["email"])

    def clean_phone(self):
        return _rule(rules.phone_clean, self.cleaned_data["phone"])

    def clean_hire_date(self):
        return _rule(rules.hire_date_check, self.cleaned_data["hire_date"])


def _rule(check, value):
    try:
        return check(value)
    except ValidationError as error:
        raise forms.ValidationError(error.messages) from None


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
                Department.subtree_q([self.instance])
            )

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None and not policy.can_add_department(self.for_user, None):
            raise forms.ValidationError(
                _("Choose the parent department: it must be inside your scope.")
            )
        return parent


class RoleScopeForm(ScopedDepartmentForm):
    class Meta:
        model = RoleScope
        fields = ["user", "role", "department"]
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = policy.managed_profiles(self.for_user).values("user_id")
        user_model = get_user_model()
        self.fields["user"].queryset = user_model.objects.filter(
            pk__in=people
        ).order_by("username")
