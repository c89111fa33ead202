"""Sign-in pages for everyone: first sign-in with a code, the new password, change
and reset of the password, the back office's second factor."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import codes, otp
from accounts.forms import CodeSigninForm, NewPasswordForm, SecondFactorForm
from accounts.models import SigninCode
from accounts.passwords import password_expiry_forget
from audit.context import request_address
from audit.limits import PASSWORD_RESETS, Limited, limit_hit, too_many_requests

# A checked code waits this long in the session for its new password.
_PENDING = "_accounts_code_pending"
_PENDING_SECONDS = 15 * 60
# Password sign-in is the model backend's (the axes backend only counts failures).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _home() -> str:
    return reverse("learning:me")


@sensitive_post_parameters("code")
@never_cache
def first_signin(request: HttpRequest) -> HttpResponse:
    """Step 1: employee number and code. Nothing is signed in or used up yet."""
    form = CodeSigninForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        code: SigninCode = form.signin_code  # type: ignore[assignment]
        request.session[_PENDING] = {
            "code": code.pk,
            "user": code.user_id,
            "at": int(time.time()),
        }
        return redirect("accounts:first_signin_password")
    return render(request, "accounts/first_signin.html", {"form": form})


def _pending_code(request: HttpRequest) -> SigninCode | None:
    pending = request.session.get(_PENDING)
    if not pending or time.time() - pending["at"] > _PENDING_SECONDS:
        return None
    return (
        SigninCode.objects.select_related("user")
        .filter(
            pk=pending["code"],
            user_id=pending["user"],
            used_at__isnull=True,
            revoked_at__isnull=True,
        )
        .first()
    )


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def first_signin_password(request: HttpRequest) -> HttpResponse:
    """Step 2: the new password; then the code is used up and the person signed in."""
    code = _pending_code(request)
    if code is None:
        request.session.pop(_PENDING, None)
        messages.error(
            request,
            _("Give your employee number and code again (the step timed out)."),
        )
        return redirect("accounts:first_signin")
    user = code.user
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = codes.signin_code_redeem(
                code_id=code.pk, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            request.session.pop(_PENDING, None)
            messages.error(request, error.messages[0])
            return redirect("accounts:first_signin")
        request.session.pop(_PENDING, None)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request, _("Your password is set. Sign in with it from now on.")
        )
        return redirect(_home())
    profile = getattr(user, "learner_profile", None)
    return render(
        request,
        "accounts/first_signin_password.html",
        {"form": form, "person": profile, "account": user},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password in the site; every other session ends."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("learning:me")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_expiry_forget(self.request.session)
        messages.success(
            self.request,
            _("Your password is changed; you were signed out everywhere else."),
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_email_context = {"site_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Requests count per address and per e-mail asked for (whether or not an
        account has it, so the answer tells nothing); past the limit no mail goes."""
        email = str(request.POST.get("email", "")).strip().lower()[:254]
        try:
            limit_hit(
                PASSWORD_RESETS,
                user_key=email or None,
                address=request_address(request),
            )
        except Limited as limited:
            return too_many_requests(request, limited)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail (reset, or HR's activation link): a new password,
    then signed in on /me/."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("learning:me")
    title = gettext_lazy("Choose a new password")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        codes.signin_codes_revoke(user_id=form.user.pk)
        messages.success(
            self.request, _("Your password is set. Sign in with it from now on.")
        )
        return response


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("wagtailadmin_home")


@sensitive_post_parameters("token")
@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (first back-office visit) or give a code from it
    (or a recovery code) once per session."""
    next_url = _next_url(request)
    user: AbstractBaseUser = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(next_url)
    form = SecondFactorForm(request.POST or None)
    if otp.authenticator_get(user) is not None:
        if request.method == "POST" and form.is_valid():
            if otp.second_factor_verify(
                request=request, token=form.cleaned_data["token"]
            ):
                return HttpResponseRedirect(next_url)
            form.add_error(
                "token",
                _(
                    "That code is wrong or already used. Give the 6 digits your app "
                    "shows now, or one of your recovery codes."
                ),
            )
        return render(
            request,
            "accounts/two_factor_verify.html",
            {"form": form, "next": next_url},
        )
    device = otp.enrolment_start(user)
    if request.method == "POST" and form.is_valid():
        recovery = otp.enrolment_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if recovery is not None:
            return render(
                request,
                "accounts/two_factor_recovery.html",
                {"codes": recovery, "next": next_url},
            )
        form.add_error(
            "token",
            _(
                "That code does not match. Check the phone's clock and give the 6 "
                "digits the app shows now."
            ),
        )
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": otp.qr_svg(device),
            "secret": otp.secret_text(device),
        },
    )
