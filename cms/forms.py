from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.throttle import address_refused
from learning.organisation import rules


class SignInForm(AuthenticationForm):
    """The site's sign-in form with labels and autocomplete hints for phones."""

    username = forms.CharField(
        label=_("Username or employee number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self):
        # An employee number as typed ("ｑｘ００２５３") names its account (QX00253).
        return rules.sign_in_name(self.cleaned_data["username"])

    def clean(self):
        # A password spray (one password tried on many names) from this address.
        if address_refused(self.request):
            raise forms.ValidationError(
                _(
                    "Too many failed sign-ins from your network. Wait %(minutes)s "
                    "minutes, then try again."
                )
                % {"minutes": settings.SIGNIN_FAILURES_WINDOW_MINUTES},
                code="address_throttled",
            )
        return super().clean()
