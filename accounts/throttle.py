"""Failed sign-ins counted per address, whatever the account name. django-axes locks
an account name from an address after a few failures; a password spray tries one
password on many names and is never slowed by that. Past
SIGNIN_FAILURES_PER_ADDRESS failures in SIGNIN_FAILURES_WINDOW_MINUTES, the address
may not try again until the window ends. The limit is high on purpose: a county
office reaches the site through one public address. Counted by the platform's one
limiter (audit.limits)."""

from __future__ import annotations

from typing import Any

from audit.context import request_address
from audit.limits import SIGNIN_FAILURES, limit_count, limit_reached


def _address(request: Any) -> str | None:
    return request_address(request) if request is not None else None


def address_failure_count(request: Any) -> None:
    """Count one failed sign-in from the request's address."""
    limit_count(SIGNIN_FAILURES, address=_address(request))


def address_refused(request: Any) -> bool:
    """Has the request's address failed too often in the window?"""
    return limit_reached(SIGNIN_FAILURES, address=_address(request)) is not None
