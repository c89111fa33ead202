"""Back-office forms for the organisation. They collect and validate input; the
services in learning.services make the change."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from assessments.models import Competency

from . import policy
from .models import (
    CompetencyTarget,
    CourseFeedback,
    Curriculum,
    Department,
    LearnerProfile,
    RoleScope,
)
from .services import curricula


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
    overdue = forms.BooleanField(
        label=_("Only people overdue with mandatory training"), required=False
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


class EmployeeNumbersField(forms.CharField):
    """People named by employee number, one per line or separated by commas (pasted
    from a spreadsheet); unknown numbers are an error that lists them."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        text = super().to_python(value) or ""
        numbers = [
            n.strip() for n in text.replace(",", "\n").replace("，", "\n").split()
        ]
        return list(dict.fromkeys(n for n in numbers if n))


class CurriculumForm(WagtailAdminModelForm):
    """Curriculum editing for HR: the owning department and every department in the
    audience must be inside the officer's scope; named people are given by employee
    number. The sync runs after a save (learning.services.curricula)."""

    individual_numbers = EmployeeNumbersField(
        label=_("Named individuals (employee numbers)"), required=False
    )
    excluded_numbers = EmployeeNumbersField(
        label=_("Excluded people (employee numbers)"), required=False
    )

    class Meta:
        model = Curriculum
        fields = [
            "name",
            "name_en",
            "description",
            "owner_department",
            "status",
            "required_count",
            "departments",
            "departments_exact",
            "positions",
            "ranks",
            "excluded_departments",
            "due_kind",
            "due_date",
            "due_days",
            "recurrence_months",
            "renewal_window_days",
            "grace_days",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "positions": forms.CheckboxSelectMultiple,
            "ranks": forms.CheckboxSelectMultiple,
            "departments": forms.SelectMultiple(attrs={"size": 10}),
            "departments_exact": forms.SelectMultiple(attrs={"size": 6}),
            "excluded_departments": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = policy.managed_departments(self.for_user).filter(is_active=True)
        scope = scope.order_by("path")
        for name in (
            "owner_department",
            "departments",
            "departments_exact",
            "excluded_departments",
        ):
            field = self.fields[name]
            field.queryset = scope
            field.label_from_instance = (
                DepartmentChoiceField.label_from_instance.__get__(field)
            )
        if self.instance.pk:
            self.fields["individual_numbers"].initial = "\n".join(
                self.instance.individuals.values_list("employee_number", flat=True)
            )
            self.fields["excluded_numbers"].initial = "\n".join(
                self.instance.excluded_people.values_list("employee_number", flat=True)
            )

    def _people(self, field: str) -> list[LearnerProfile]:
        numbers = self.cleaned_data.get(field) or []
        if not numbers:
            return []
        # Only people in the officer's scope: whether a number exists elsewhere,
        # and who it is, is not theirs to learn.
        found = {
            p.employee_number: p
            for p in policy.managed_profiles(self.for_user)
            .filter(employee_number__in=numbers)
            .select_related("department")
        }
        unknown = [n for n in numbers if n not in found]
        if unknown:
            self.add_error(
                field,
                _("No one in your departments has these employee numbers: %(numbers)s")
                % {"numbers": ", ".join(unknown[:20])},
            )
        return list(found.values())

    def clean(self):
        data = super().clean()
        self.individual_people = self._people("individual_numbers")
        self.excluded_people = self._people("excluded_numbers")
        owner = data.get("owner_department")
        if owner is not None:
            outside = curricula.audience_outside(
                owner,
                departments=[
                    d
                    for name in (
                        "departments",
                        "departments_exact",
                        "excluded_departments",
                    )
                    for d in data.get(name) or []
                ],
                people=self.individual_people + self.excluded_people,
            )
            if outside:
                raise curricula.audience_outside_error(outside)
        formset = self.formsets["items"]
        formset.is_valid()  # the course rows are checked after the form otherwise
        courses = [
            form.cleaned_data.get("course")
            for form in formset.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("course")
        ]
        keys = [c.translation_key for c in courses]
        if len(keys) != len(set(keys)):
            raise forms.ValidationError(_("Each course can be listed only once."))
        # The service holds the rules; checked here on the values as submitted.
        candidate = Curriculum(
            **{
                name: data.get(name)
                for name in (
                    "status",
                    "required_count",
                    "due_kind",
                    "due_date",
                    "due_days",
                    "recurrence_months",
                    "renewal_window_days",
                )
            }
        )
        try:
            curricula.curriculum_validate(candidate, course_count=len(courses))
        except ValidationError as error:
            self.add_error(None, error)
        if (
            data.get("status") == Curriculum.Status.DRAFT
            and self.instance.pk
            and self.instance.assignments.exists()
        ):
            self.add_error(
                "status",
                _("People are already assigned: archive the curriculum instead."),
            )
        return data

    def save(self, commit=True):
        curriculum = super().save(commit=commit)
        if commit:
            curriculum.individuals.set(self.individual_people)
            curriculum.excluded_people.set(self.excluded_people)
        return curriculum
