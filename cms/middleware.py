"""Site-wide request handling: idle sign-out, the signed-in user's language, and
the security headers of every response."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import translation
from django.utils.translation import gettext as _

_LAST_SEEN = "_civicskills_last_seen"
# Write the session at most once a minute for the idle clock, not on every request.
_TOUCH_EVERY = 60


class IdleTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_TIMEOUT_MINUTES without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN)
            limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                messages.info(
                    request, _("You were signed out after a period of inactivity.")
                )
            elif last_seen is None or now - last_seen >= _TOUCH_EVERY:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


PREFERRED_LANGUAGE_SESSION_KEY = "preferred_language"


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over Accept-Language when no language
    cookie says otherwise (e.g. on a new phone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            # Read the profile once per session, not on every request.
            preferred = request.session.get(PREFERRED_LANGUAGE_SESSION_KEY)
            if preferred is None:
                preferred = _preferred_language(user)
                request.session[PREFERRED_LANGUAGE_SESSION_KEY] = preferred
            if preferred:
                translation.activate(preferred)
                request.LANGUAGE_CODE = preferred
        return self.get_response(request)


def _preferred_language(user) -> str:
    # A missing profile (e.g. the site admin) raises RelatedObjectDoesNotExist, an
    # AttributeError, so getattr's default covers it.
    profile = getattr(user, "learner_profile", None)
    return profile.preferred_language if profile else ""


# Browser features no page of the site uses; an injected or embedded script cannot
# ask for them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """Headers every response carries: a Permissions-Policy, and for a signed-in
    user "Cache-Control: private, no-store" unless the view chose its own (a
    personal page, an export or a certificate must not stay in a shared browser's or
    a proxy's cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "Cache-Control" not in response.headers
        ):
            response.headers["Cache-Control"] = "private, no-store"
        return response
