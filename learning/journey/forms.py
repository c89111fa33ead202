"""The satisfaction survey after a completed course."""

from django import forms

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
