"""Failed sign-ins counted per address, whatever the account name. django-axes locks
an account name from an address after a few failures; a password spray tries one
password on many names and is never slowed by that. Past
SIGNIN_FAILURES_PER_ADDRESS failures in SIGNIN_FAILURES_WINDOW_MINUTES, the address
may not try again until the window ends. The limit is high on purpose: a county
office reaches the site through one public address."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from audit.context import request_address


def _key(request: Any) -> str | None:
    """The counter of the address for the current window (fixed windows, named by
    their start, so that a counter ends with its window on any cache backend)."""
    address = request_address(request) if request is not None else None
    if not address:
        return None
    window = int(time.time()) // (settings.SIGNIN_FAILURES_WINDOW_MINUTES * 60)
    return f"accounts:signin-failures:{address}:{window}"


def address_failure_count(request: Any) -> None:
    """Count one failed sign-in from the request's address."""
    key = _key(request)
    if key is None:
        return
    window = settings.SIGNIN_FAILURES_WINDOW_MINUTES * 60
    cache.add(key, 0, window * 2)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window * 2)


def address_refused(request: Any) -> bool:
    """Has the request's address failed too often in the window?"""
    key = _key(request)
    limit = settings.SIGNIN_FAILURES_PER_ADDRESS
    return key is not None and (cache.get(key) or 0) >= limit
