"""The /team/ filter form."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from learning import policy
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
