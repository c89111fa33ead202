"""Back-office forms for departments, people and role scopes."""

from django import forms


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "—" * max(obj.depth - 1, 0) + f" {obj.display_name} ({obj.code})"
