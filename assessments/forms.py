from django import forms
from django.utils.translation import gettext_lazy as _


class FrameworkImportForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file"),
        help_text=_("Moodle competency CSV (UTF-8) or IMS CASE 1.0 JSON."),
    )


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label=_("Question file"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8 or GB18030), at most 10 MB."),
    )
