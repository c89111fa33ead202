"""Two-factor sign-in for the back office: a TOTP authenticator app (django-otp)
with one-time recovery codes, shown as an SVG QR code (segno).

Site admins always need it; HR officers and leaders when
TWO_FACTOR_FOR_HR_AND_LEADERS is on. It is asked for on the first visit to the back
office (TwoFactorMiddleware), not at every sign-in to the learner's pages.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from learning import policy

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"


def two_factor_required(user: Any) -> bool:
    """Must this user prove a second factor before using the back office?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(settings.TWO_FACTOR_FOR_HR_AND_LEADERS) and (
        policy.has_role(user, policy.HR) or policy.has_role(user, policy.LEADER)
    )


def authenticator_get(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if enrolled."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def enrolment_start(user: Any) -> TOTPDevice:
    """An unconfirmed authenticator for the user to scan (the same one until it is
    confirmed, so reloading the page keeps the QR code the phone already has)."""
    device = TOTPDevice.objects.filter(
        user_id=user.pk, confirmed=False, name=AUTHENTICATOR
    ).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=AUTHENTICATOR, confirmed=False
        )
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1f2933", light="#ffffff"
    )


def secret_text(device: TOTPDevice) -> str:
    """The key in base32 groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def enrolment_confirm(
    *, request: Any, device: TOTPDevice, token: str
) -> list[str] | None:
    """Confirm the authenticator with a code from it; the recovery codes (shown
    once) on success, None when the code is wrong. Any older authenticator and
    recovery codes are replaced; the session counts as verified."""
    token = "".join(ch for ch in str(token) if ch.isdigit())
    if not token or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_renew(user=device.user)
    otp_login(request, device)
    return codes


def recovery_codes_renew(*, user: Any) -> list[str]:
    """New recovery codes (each works once), the old ones void."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [
        StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code) for code in codes]
    )
    return codes


def second_factor_verify(*, request: Any, token: str) -> bool:
    """Check a code from the authenticator or a recovery code; on success the
    session counts as verified. Wrong codes slow further tries (django-otp's
    throttling doubles the wait after each)."""
    user = request.user
    text = "".join(str(token).split()).lower()
    if text.isdigit():
        device: Any = authenticator_get(user)
    else:
        device = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    if device is None:
        return False
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(text):
            return False
    otp_login(request, device)
    return True


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk).count()


def second_factors_remove(*, user: Any) -> int:
    """Delete the user's authenticators and recovery codes; how many devices."""
    removed, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
    static, _ = StaticDevice.objects.filter(user_id=user.pk).delete()
    return removed + static
