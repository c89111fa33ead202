"""A new e-mail address takes effect only when its owner confirms it: the engine
that signs the confirmation link, reads it back and sends the two messages (the link
to the new address, a notice to the old one). Without this, whoever may edit a
person's record could point their account at an address of their own and reset
its password."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from learning import policy

_SALT = "learning.people.email-change"
# How long a confirmation link works.
CONFIRM_DAYS = 3


class EmailLinkInvalid(Exception):
    """The link was altered, has expired, or the address changed since it was sent."""


def _fingerprint(address: str) -> str:
    # The current address, hashed into the link: a link dies once the address changes
    # (so an old link cannot undo a later change) without putting the address in it.
    return hashlib.sha256(address.lower().encode()).hexdigest()[:16]


def email_change_token(*, user: Any, new_email: str) -> str:
    return signing.dumps(
        {"u": user.pk, "e": new_email, "o": _fingerprint(user.email)},
        salt=_SALT,
        compress=True,
    )


def email_change_read(token: str) -> tuple[Any, str]:
    """The account and new address a confirmation link names, or EmailLinkInvalid."""
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=datetime.timedelta(days=CONFIRM_DAYS)
        )
        user = get_user_model().objects.get(pk=int(data["u"]), is_active=True)
        new_email, fingerprint = str(data["e"]), str(data["o"])
    except (
        signing.BadSignature,
        ObjectDoesNotExist,
        KeyError,
        TypeError,
        ValueError,
    ):
        raise EmailLinkInvalid from None
    if fingerprint != _fingerprint(user.email):
        raise EmailLinkInvalid
    return user, new_email


def _masked(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


def email_change_mail(*, user_id: int, new_email: str, requested_by: str) -> None:
    """Send the confirmation link to the new address and a notice to the old one,
    in the person's language."""
    user = get_user_model().objects.select_related("learner_profile").get(pk=user_id)
    profile = policy.profile_of(user)
    language = (profile.preferred_language if profile else "") or settings.LANGUAGE_CODE
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    token = email_change_token(user=user, new_email=new_email)
    with translation.override(language):
        link = base + reverse("learning:email_confirm", args=[token])
        title = str(settings.SITE_TITLE)
        send_mail(
            subject=f"[{title}] " + _("Confirm your new e-mail address"),
            message=_(
                "%(actor)s asked to change the e-mail address of your %(site)s "
                "account (%(username)s) to this address.\n\nTo confirm, open this "
                "link within %(days)s days:\n%(link)s\n\nIf you did not expect this, "
                "ignore this message: nothing changes until you confirm."
            )
            % {
                "actor": requested_by,
                "site": title,
                "username": user.get_username(),
                "days": CONFIRM_DAYS,
                "link": link,
            },
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[new_email],
        )
        if user.email:
            send_mail(
                subject=f"[{title}] "
                + _("A change of your e-mail address was asked for"),
                message=_(
                    "%(actor)s asked to change the e-mail address of your %(site)s "
                    "account (%(username)s) to %(masked)s. It changes only when "
                    "confirmed from that address. If you did not expect this, tell "
                    "your HR office."
                )
                % {
                    "actor": requested_by,
                    "site": title,
                    "username": user.get_username(),
                    "masked": _masked(new_email),
                },
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )
