"""HR's curriculum form: fields and widgets, choices inside the officer's scope;
the rules are the curricula services', which the admin views call with the
submitted values and whose messages the form shows."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.models import CoursePage
from learning import policy
from learning.curricula.models import Curriculum
from learning.curricula.services import CurriculumAudience, curriculum_rules_check
from learning.organisation import rules
from learning.organisation.forms import DepartmentChoiceField
from learning.organisation.models import LearnerProfile
from learning.organisation.selectors import department_paths


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


class DepartmentTreeWidget(forms.CheckboxSelectMultiple):
    """The department tree as a checklist (indented labels) with a filter that
    matches each department's whole path (curriculum-form.js); without script, a
    plain checklist. `paths` maps tree paths to full names, set by the form."""

    template_name = "learning/widgets/department_tree.html"
    paths: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, **kwargs):
        option = super().create_option(name, value, label, selected, index, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-path"] = self.paths.get(instance.path, "")
        return option


class CurriculumForm(WagtailAdminModelForm):
    """Curriculum editing for HR: the owning department and every department in the
    audience must be inside the officer's scope; named people are given by employee
    number. Saved by curriculum_create / curriculum_update, never by the form."""

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
            "departments": DepartmentTreeWidget,
            "departments_exact": DepartmentTreeWidget,
            "excluded_departments": DepartmentTreeWidget,
        }

    class Media:
        js = ["learning/js/curriculum-form.js"]
        css = {"all": ["learning/css/curriculum-form.css"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = policy.managed_departments(self.for_user).filter(is_active=True)
        scope = scope.order_by("path")
        paths = department_paths(scope)
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
            if isinstance(field.widget, DepartmentTreeWidget):
                field.widget.paths = paths
        self.fields["status"].help_text = _(
            "A draft assigns nobody: set it to active when the courses and the "
            "audience are right, and everyone it selects is assigned."
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
            rules.employee_number_key(p.employee_number): p
            for p in rules.with_employee_numbers(
                policy.managed_profiles(self.for_user), numbers
            ).select_related("department")
        }
        unknown = [n for n in numbers if rules.employee_number_key(n) not in found]
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
        self.formsets["items"].is_valid()  # the course rows are read below
        # The service's rules on the values as submitted, so that every message
        # shows at once; curriculum_create/curriculum_update check them again.
        candidate = Curriculum(
            pk=self.instance.pk,
            **{
                name: data.get(name)
                for name in (
                    "owner_department",
                    "status",
                    "required_count",
                    "due_kind",
                    "due_date",
                    "due_days",
                    "recurrence_months",
                    "renewal_window_days",
                )
            },
        )
        try:
            curriculum_rules_check(
                curriculum=candidate,
                courses=self.submitted_courses(),
                audience=self.submitted_audience(),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return data

    def submitted_courses(self) -> list[CoursePage]:
        """The course rows as submitted, in their order, without deleted or empty
        ones (the service checks them)."""
        formset = self.formsets["items"]
        rows = [
            form
            for form in formset.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("course")
        ]
        if formset.can_order:
            rows.sort(key=lambda form: form.cleaned_data.get("ORDER") or 0)
        return [form.cleaned_data["course"] for form in rows]

    def submitted_audience(self) -> CurriculumAudience:
        data = self.cleaned_data
        return CurriculumAudience(
            departments=list(data.get("departments") or []),
            departments_exact=list(data.get("departments_exact") or []),
            positions=list(data.get("positions") or []),
            ranks=list(data.get("ranks") or []),
            individuals=self.individual_people,
            excluded_departments=list(data.get("excluded_departments") or []),
            excluded_people=self.excluded_people,
        )
