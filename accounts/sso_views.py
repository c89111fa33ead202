"""Signing out: the local session always ends; a person who came in through the
identity platform is then sent to it to end the single sign-on session too."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_cas_ng.models import SessionTicket

from accounts import cas_backend, oidc_backend, sso


def _provider_sign_out_url(request: HttpRequest) -> str:
    signed_in_with = request.session.get(sso.SIGNED_IN_WITH)
    if signed_in_with == "oidc" and sso.oidc_enabled():
        return oidc_backend.provider_sign_out_url(request)
    if signed_in_with == "cas" and sso.cas_enabled():
        return cas_backend.provider_sign_out_url(request)
    return ""


class SignOutView(LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Read before the session is flushed.
        provider_url = _provider_sign_out_url(request)
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if session_key:
            SessionTicket.objects.filter(session_key=session_key).delete()
        if provider_url:
            return HttpResponseRedirect(provider_url)
        return response
