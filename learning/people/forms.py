"""The /team/ filter form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learning import policy
from learning.organisation.forms import DepartmentChoiceField
from learning.organisation.models import Department


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
