"""What the external ways in share: which are switched on, the one rule that turns
an identity from the directory or the province's identity platform into a person on
this site, and how a refusal reaches the person.

The staff roster stays the source of truth for who exists: an external identity
signs in only as the person whose employee number it carries (normalised as the
roster normalises it); nobody is created on the way unless the directory is
explicitly allowed to create people in one named department.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from learning.organisation.models import LearnerProfile
from learning.organisation.rules import employee_number_clean, with_employee_numbers

logger = logging.getLogger("accounts.sso")
User = get_user_model()

# Session key: how the person signed in, so that signing out can end the session
# at the identity platform too ("oidc" or "cas"; absent for local and directory).
SIGNED_IN_WITH = "accounts_signed_in_with"


# SignInRefused.code: why, for callers that treat some refusals differently.
UNKNOWN_PERSON = "unknown_person"


class SignInRefused(Exception):
    """An identity that was proven but may not sign in here; the message says why
    and what to do."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


def ldap_enabled() -> bool:
    return bool(getattr(settings, "LDAP_SERVER_URI", ""))


def oidc_enabled() -> bool:
    return bool(
        getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", "")
        and getattr(settings, "OIDC_RP_CLIENT_ID", "")
    )


def cas_enabled() -> bool:
    return bool(getattr(settings, "CAS_SERVER_URL", ""))


def employee_number_from(value: Any, *, source: str) -> str:
    """The employee number an external identity carries, as the roster stores it
    (full-width digits and spaces normalised); refused when it is missing or not an
    employee number at all."""
    if isinstance(value, list | tuple):
        value = value[0] if len(value) == 1 else ""
    try:
        return employee_number_clean(value)
    except ValidationError as error:
        logger.warning("%s gave an unusable employee number %r", source, value)
        raise SignInRefused(
            _(
                "Your %(source)s account carries no usable employee number, so it "
                "cannot be matched to a person on this site. Ask the administrator "
                "of the %(source)s to record your employee number."
            )
            % {"source": source}
        ) from error


def account_for_employee_number(number: str, *, source: str) -> Any:
    """The active account of the person with this (clean) employee number, as
    the roster compares numbers (any width or case).

    Raises SignInRefused when no person has it or the person has left; never
    creates or changes anything."""
    profile = with_employee_numbers(
        LearnerProfile.objects.select_related("user"), [number]
    ).first()
    if profile is None:
        logger.info("%s identity %s matches no person", source, number)
        raise SignInRefused(
            _(
                "You proved who you are to the %(source)s, but no person on this "
                "site has employee number %(number)s. Ask your HR officer to add "
                "you to the staff roster, then sign in again."
            )
            % {"source": source, "number": number},
            code=UNKNOWN_PERSON,
        )
    if not profile.is_active or not profile.user.is_active:
        logger.info("%s identity %s belongs to a deactivated person", source, number)
        raise SignInRefused(
            _(
                "The account with employee number %(number)s is deactivated on "
                "this site. Ask your HR officer if you still work here."
            )
            % {"number": number}
        )
    return profile.user


def refuse(request: HttpRequest | None, message: str) -> None:
    """Show the person why signing in did not work (on the sign-in page they land
    on next)."""
    if request is None:
        return
    request._sign_in_refused = True  # type: ignore[attr-defined]
    if hasattr(request, "_messages"):
        messages.error(request, message)


def refused(request: HttpRequest) -> bool:
    """Whether `refuse` already told the person why, in this request."""
    return bool(getattr(request, "_sign_in_refused", False))


def sso_providers(request: HttpRequest | None) -> list[dict[str, str]]:
    """The single sign-on buttons for the sign-in page, in the order shown: one per
    configured identity platform, each a link that starts the sign-in there and
    comes back to `next`."""
    next_url = request.GET.get("next", "") if request is not None else ""
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    providers = []
    if oidc_enabled():
        providers.append(
            {
                "key": "oidc",
                "label": settings.OIDC_BUTTON_LABEL
                or _("Sign in with the unified identity platform"),
                "url": reverse("oidc_authentication_init") + query,
            }
        )
    if cas_enabled():
        providers.append(
            {
                "key": "cas",
                "label": settings.CAS_BUTTON_LABEL
                or _("Sign in with the unified identity platform (CAS)"),
                "url": reverse("cas_ng_login") + query,
            }
        )
    return providers
