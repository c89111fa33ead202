"""Per-request sign-in rules: the absolute session lifetime, sessions of people who
can no longer sign in, an expired password, and the back office's second factor."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import otp, sessions
from accounts.passwords import password_expired


class SessionRulesMiddleware:
    """Ends a session SESSION_ABSOLUTE_HOURS after sign-in however active it is,
    drops the session of an account that can no longer sign in (deactivated: Django
    already treats it as signed out; this makes sure it never comes back), and notes
    each signed-in session so that all of a person's can be ended at once."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None:
            if user.is_authenticated:
                if sessions.session_expired(session):
                    logout(request)
                    messages.info(
                        request,
                        _(
                            "You were signed out because your session reached its "
                            "maximum length. Please sign in again."
                        ),
                    )
                else:
                    sessions.session_record(user=user, session=session)
            elif sessions.session_has_user(session):
                session.flush()
        return self.get_response(request)


def _exempt(request: Any) -> bool:
    path = request.path_info
    return path.startswith(
        (
            reverse("accounts:password_change"),
            reverse("logout"),
            reverse("set_language"),
            settings.STATIC_URL,
        )
    )


class PasswordChangeRequiredMiddleware:
    """With PASSWORD_MAX_AGE_DAYS set, a person whose password is older must change
    it before going anywhere else."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        if (
            settings.PASSWORD_MAX_AGE_DAYS
            and user is not None
            and user.is_authenticated
            and not _exempt(request)
            and password_expired(user, session=request.session)
        ):
            messages.warning(
                request,
                _(
                    "Your password is more than %(days)d days old. Choose a new one "
                    "to continue."
                )
                % {"days": settings.PASSWORD_MAX_AGE_DAYS},
            )
            return HttpResponseRedirect(reverse("accounts:password_change"))
        return self.get_response(request)


class TwoFactorMiddleware:
    """Sends a back-office user who needs a second factor and has not given one in
    this session to enrolment (first visit) or verification."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path_info.startswith(reverse("wagtailadmin_home"))
            and request.path_info != reverse("wagtailadmin_logout")
            and not user.is_verified()
            and otp.two_factor_required(user)
        ):
            target = reverse("accounts:two_factor")
            return HttpResponseRedirect(
                f"{target}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
