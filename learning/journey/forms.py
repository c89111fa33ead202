"""The satisfaction survey after a completed course; the admin's reason for
withdrawing a certificate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learning.journey.models import CourseFeedback


class CourseFeedbackForm(forms.ModelForm):
    """The satisfaction survey after completing a course."""

    class Meta:
        model = CourseFeedback
        fields = ["rating", "comment"]
        widgets = {
            "rating": forms.RadioSelect,
            "comment": forms.Textarea(attrs={"rows": 3}),
        }


class CertificateWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept in the learner's study-hour ledger and with the withdrawn evidence."
        ),
    )
