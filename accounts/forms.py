"""Forms of sign-in: a first sign-in code, a new password, HR's issuing of codes,
a second factor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import codes
from accounts.models import SigninCode
from learning import policy
from learning.organisation import rules
from learning.organisation.models import LearnerProfile


class CodeSigninForm(forms.Form):
    """Employee number and first sign-in code; valid when they name an open code."""

    employee_number = forms.CharField(
        label=_("Employee number"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "inputmode": "text",
            }
        ),
    )
    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=64,
        help_text=_("10 letters and digits, as on the sheet from your HR officer."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.signin_code: SigninCode | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            self.signin_code = codes.signin_code_check(
                number=data["employee_number"], code=data["code"], request=self.request
            )
        return data


class NewPasswordForm(auth_forms.SetPasswordForm):
    """Django's form for a new password (twice), checked against every rule."""

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].widget.attrs["autofocus"] = True


class IssueCodesForm(forms.Form):
    """HR's choice of whom to give first sign-in codes (within their scope)."""

    PERSON = "person"
    DEPARTMENT = "department"
    SCOPE_CHOICES = [
        (DEPARTMENT, _("Everyone in a department (and its sub-departments)")),
        (PERSON, _("One person")),
    ]
    SHEET = "sheet"
    EMAIL = "email"
    DELIVERY_CHOICES = [
        (SHEET, _("Codes on a printable sheet")),
        (
            EMAIL,
            _(
                "An activation link by e-mail where the person has an address "
                "(codes on the sheet for the others)"
            ),
        ),
    ]

    scope = forms.ChoiceField(
        label=_("Who"),
        choices=SCOPE_CHOICES,
        initial=DEPARTMENT,
        widget=forms.RadioSelect,
    )
    department: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False
    )
    employee_number = forms.CharField(
        label=_("Employee number"), max_length=64, required=False
    )
    not_activated_only = forms.BooleanField(
        label=_("Only people who have not signed in yet"),
        required=False,
        initial=True,
        help_text=_(
            "Untick to give new codes to everyone (a new code replaces any earlier "
            "one; a signed-in person keeps the password until using the code)."
        ),
    )
    delivery = forms.ChoiceField(
        label=_("How"),
        choices=DELIVERY_CHOICES,
        initial=SHEET,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        departments = policy.managed_departments(actor).filter(is_active=True)
        field = self.fields["department"]
        field.queryset = departments.order_by("path")  # type: ignore[attr-defined]
        field.label_from_instance = lambda d: d.tree_label  # type: ignore[attr-defined]
        self.people: list[LearnerProfile] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data["scope"] == self.PERSON:
            self.people = [self._person(data.get("employee_number"))]
        else:
            department = data.get("department")
            if department is None:
                raise ValidationError(
                    {"department": _("Choose the department.")}, code="required"
                )
            self.people = list(
                codes.code_candidates(
                    actor=self.actor,
                    department=department,
                    not_activated_only=data["not_activated_only"],
                )
            )
            if not self.people:
                raise ValidationError(
                    _(
                        "Nobody in this department needs a code: everyone active "
                        "has signed in already. Untick the box to give everyone a "
                        "new code."
                    )
                    if data["not_activated_only"]
                    else _("This department has no active staff."),
                    code="empty",
                )
        return data

    def _person(self, typed: object) -> LearnerProfile:
        try:
            number = rules.employee_number_clean(typed)
        except ValidationError as error:
            raise ValidationError({"employee_number": error}) from None
        person = (
            codes.code_candidates(actor=self.actor)
            .filter(employee_number=number)
            .first()
        )
        if person is None:
            raise ValidationError(
                {
                    "employee_number": _(
                        "No active person with employee number %(number)s in the "
                        "departments you manage."
                    )
                    % {"number": number}
                }
            )
        return person


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "spellcheck": "false",
            }
        ),
    )
