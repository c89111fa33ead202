"""Signing in with the province's identity platform over OpenID Connect
(mozilla-django-oidc, authorization code flow with PKCE, state and nonce).

The provider proves who the person is; the person on this site is the one whose
employee number the configured claim carries. Unknown subjects are refused, never
created. A callback that does not belong to a sign-in started in this browser
(wrong or missing state), an ID token that is not for us, stale, or carries the
wrong nonce, and a provider that cannot be reached: each ends on the sign-in page
with a message, nobody signed in.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts import sso

logger = logging.getLogger("accounts.oidc_backend")

_ERROR_CODE = re.compile(r"[a-z_]{1,40}")
# Seconds of clock difference tolerated between the provider and this server.
CLOCK_SKEW = 120


def _platform() -> str:
    return _("unified identity platform")


def _error_code(error: str) -> str:
    """The provider's error code as shown to the person: only an OAuth error code
    (access_denied, login_required …), never free text from the address bar."""
    return error if _ERROR_CODE.fullmatch(error) else "?"


def _unverifiable() -> str:
    return _(
        "The answer from the identity platform could not be verified (it may be "
        "stale, replayed or forged), so nobody was signed in. Start again with the "
        "sign-in button."
    )


class EmployeeNumberOIDCBackend(OIDCAuthenticationBackend):
    """Matches the provider's subject to a person by employee number."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or "code" not in request.GET:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except sso.SignInRefused as refusal:
            sso.refuse(request, refusal.message)
        except SuspiciousOperation as error:
            logger.warning("OIDC answer refused: %s", error)
            sso.refuse(request, _unverifiable())
        except requests.RequestException as error:
            logger.warning("OIDC provider unreachable: %s", error)
            sso.refuse(
                request,
                _(
                    "The identity platform cannot be reached just now, so nobody "
                    "was signed in. Try again in a few minutes."
                ),
            )
        return None

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        """The library checks the signature and the nonce; an ID token must also be
        meant for this site, from the configured issuer and not expired."""
        try:
            payload = super().verify_token(token, **kwargs)
        except jwt.InvalidTokenError as error:  # expired, not yet valid, malformed
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        if "nonce" not in kwargs:
            return payload  # a signed userinfo answer, not an ID token
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is for another client")
        issuer = self.get_settings("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        expires = payload.get("exp")
        if not isinstance(expires, int | float) or expires + CLOCK_SKEW < time.time():
            raise SuspiciousOperation("ID token expired")
        return payload

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> Any:
        """The person whose employee number the claim carries (ID token or
        userinfo); never created."""
        user_info = self.get_userinfo(access_token, id_token, payload)
        if user_info.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: userinfo about someone else is not used.
            logger.warning("OIDC userinfo subject differs from the ID token's")
            raise sso.SignInRefused(_unverifiable())
        claims = {**payload, **user_info}
        claim = self.get_settings("OIDC_EMPLOYEE_NUMBER_CLAIM", "employee_number")
        number = sso.employee_number_from(claims.get(claim), source=_platform())
        return sso.account_for_employee_number(number, source=_platform())

    def get_user(self, user_id: int) -> Any:
        # The library's returns inactive users too; a leaver's session must end.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: a wrong state or an error from the provider
    ends on the sign-in page with a message instead of a 400 page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("error"):
            logger.info("OIDC provider answered %s", request.GET.get("error"))
            sso.refuse(
                request,
                _(
                    "The identity platform did not sign you in (%(error)s). Nobody "
                    "was signed in here; try again."
                )
                % {"error": _error_code(request.GET.get("error", ""))},
            )
        elif "code" in request.GET:
            states = request.session.get("oidc_states") or {}
            if request.GET.get("state") not in states:
                logger.warning("OIDC callback with a state this session never sent")
                sso.refuse(
                    request,
                    _(
                        "This sign-in answer does not belong to a sign-in started "
                        "in this browser (it may be old, or someone sent you the "
                        "link). Nobody was signed in; start again with the "
                        "sign-in button."
                    ),
                )
                return HttpResponseRedirect(self.failure_url)
        return super().get(request)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[sso.SIGNED_IN_WITH] = "oidc"
        return response

    def login_failure(self) -> HttpResponse:
        if not sso.refused(self.request):
            sso.refuse(
                self.request,
                _(
                    "Signing in with the identity platform did not work, so "
                    "nobody was signed in. Try again."
                ),
            )
        return super().login_failure()


def provider_sign_out_url(request: HttpRequest) -> str:
    """Where to send a person signed in through OpenID Connect when they sign out,
    so that the provider's session ends too ("" when it has no end_session
    endpoint). Read before the local session is flushed."""
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    if not endpoint:
        return ""
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(
            resolve_url(settings.LOGOUT_REDIRECT_URL or "/")
        ),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)
