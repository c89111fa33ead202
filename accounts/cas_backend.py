"""Signing in with the province's identity platform over CAS 2.0 / 3.0
(django-cas-ng, python-cas).

The CAS server validates the service ticket (serviceValidate, or p3/serviceValidate
with attributes); the person on this site is the one whose employee number the
configured attribute (or the CAS user name) carries. A ticket the server refuses
(replayed, expired, for another service), a ticket already behind a live session
here, an unknown person or an unreachable server: each ends on the sign-in page with
a message, nobody signed in.
"""

from __future__ import annotations

import logging
from typing import Any
from xml.etree.ElementTree import ParseError

import requests
from cas import CASClientV3
from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django_cas_ng.models import SessionTicket
from django_cas_ng.signals import cas_user_authenticated
from django_cas_ng.utils import get_cas_client
from django_cas_ng.views import LoginView as CASLoginView

from accounts import sso

logger = logging.getLogger("accounts.cas_backend")


def _platform() -> str:
    return _("unified identity platform")


class _ValidationSession(requests.Session):
    """python-cas asks the server without a time limit; this one has
    CAS_TIMEOUT."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", settings.CAS_TIMEOUT)
        return super().request(*args, **kwargs)


def _ticket_attributes(
    request: HttpRequest | None, ticket: str, service: str
) -> tuple[str | None, dict[str, Any]]:
    """The CAS user and attributes the server vouches for (None when it refuses
    the ticket)."""
    client = get_cas_client(service_url=service, request=request)
    client.session = _ValidationSession()
    try:
        username, attributes, _pgtiou = client.verify_ticket(ticket)
    except requests.RequestException as error:
        logger.warning("CAS server unreachable: %s", error)
        raise sso.SignInRefused(
            _(
                "The identity platform cannot be reached just now, so nobody was "
                "signed in. Try again in a few minutes."
            )
        ) from error
    except (ParseError, IndexError) as error:
        logger.warning("CAS server answered something that is not CAS: %s", error)
        raise sso.SignInRefused(
            _(
                "The identity platform gave an answer this site cannot read, so "
                "nobody was signed in. Tell the site administrator."
            )
        ) from error
    return username, attributes or {}


class EmployeeNumberCASBackend(BaseBackend):
    """Matches the CAS user to a person by employee number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        ticket: str | None = None,
        service: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not sso.cas_enabled() or not ticket or not service:
            return None
        try:
            if SessionTicket.objects.filter(ticket=ticket).exists():
                logger.warning("CAS ticket presented again while its session lives")
                raise sso.SignInRefused(_ticket_refused())
            username, attributes = _ticket_attributes(request, ticket, service)
            if not username:
                logger.info("CAS server refused a ticket")
                raise sso.SignInRefused(_ticket_refused())
            attribute = settings.CAS_EMPLOYEE_NUMBER_ATTRIBUTE
            raw = attributes.get(attribute) if attribute else username
            number = sso.employee_number_from(raw, source=_platform())
            user = sso.account_for_employee_number(number, source=_platform())
        except sso.SignInRefused as refusal:
            sso.refuse(request, refusal.message)
            return None
        cas_user_authenticated.send(
            sender=self,
            user=user,
            created=False,
            username=username,
            attributes=attributes,
            pgtiou=None,
            ticket=ticket,
            service=service,
            request=request,
        )
        return user

    def get_user(self, user_id: int) -> Any:
        user = sso.User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None


def _ticket_refused() -> str:
    return _(
        "The identity platform did not accept this sign-in ticket (it was already "
        "used, has expired or is for another site), so nobody was signed in. Start "
        "again with the sign-in button."
    )


class LoginView(CASLoginView):
    """django-cas-ng's view, ending a refused ticket on the sign-in page with the
    reason instead of a 403 page."""

    def post(self, request: HttpRequest) -> HttpResponse:
        """The CAS server's single log-out (a SAML LogoutRequest naming the service
        ticket): the session that ticket opened ends. Not XML: 400, not a 500."""
        logout_request = request.POST.get("logoutRequest")
        if logout_request and CASClientV3.get_saml_slos(logout_request) is None:
            return HttpResponseBadRequest("logoutRequest is not XML")
        return super().post(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        try:
            response = super().get(request)
        except PermissionDenied:
            if not sso.refused(request):
                sso.refuse(request, _ticket_refused())
            return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
        if not was_signed_in and request.user.is_authenticated:
            request.session[sso.SIGNED_IN_WITH] = "cas"
        return response


def provider_sign_out_url(request: HttpRequest) -> str:
    """The CAS server's logout address, coming back to this site's signed-out page,
    so that signing out here ends the single sign-on session too."""
    client = get_cas_client(request=request)
    return client.get_logout_url(
        redirect_url=request.build_absolute_uri(
            resolve_url(settings.LOGOUT_REDIRECT_URL or "/")
        )
    )
