"""Rate limits: the one counter behind every limit of the platform (statement posts,
sign-in codes, failed passwords, reading beats, uploads, exports, password resets).

A limit counts events per person and per client address in fixed windows named by
their start (`limits:<name>:<who>:<window start>`), so that a counter ends with its
window on every cache backend. Counting is `cache.add` then `cache.incr`: atomic on
Redis (INCR) and under the local-memory cache's lock, so parallel requests never
lose a count. The address is found as the lock-out and the audit log find it
(audit.context.request_address). A limit lives in the lowest layer so that every
app may use it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from audit.context import request_address


def _setting(value: int | str | None) -> int | None:
    """A number given directly, or the name of the setting that holds it."""
    if value is None or isinstance(value, int):
        return value
    return int(getattr(settings, value))


@dataclass(frozen=True)
class Limit:
    """At most `per_user` events per person (or tool) and `per_address` per client
    address in each window of `window_minutes`; each may be a number or the name of
    a setting (read when counting, so a changed setting applies at once). None: no
    limit of that kind."""

    name: str
    per_user: int | str | None = None
    per_address: int | str | None = None
    window_minutes: int | str = 1

    @property
    def window_seconds(self) -> int:
        return max(1, int(_setting(self.window_minutes) or 1) * 60)


class Limited(Exception):
    """A limit was reached: `retry_after` seconds until its window ends."""

    def __init__(self, limit: Limit, retry_after: int):
        self.limit = limit
        self.retry_after = max(1, retry_after)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        minutes = -(-self.retry_after // 60)
        return ngettext(
            "Too many requests of this kind. Wait %(minutes)d minute, then try again.",
            "Too many requests of this kind. Wait %(minutes)d minutes, then try again.",
            minutes,
        ) % {"minutes": minutes}


def _window(limit: Limit, now: float) -> tuple[int, int]:
    """The current window's start (seconds since 1970) and seconds left in it."""
    length = limit.window_seconds
    start = int(now) // length * length
    return start, start + length - int(now)


def _counters(
    limit: Limit, *, user_key: object, address: str | None, now: float
) -> list[tuple[str, int]]:
    """(cache key, most allowed) of each counter that applies."""
    start, _left = _window(limit, now)
    found = []
    per_user = _setting(limit.per_user)
    if per_user is not None and user_key not in (None, ""):
        found.append((f"limits:{limit.name}:user:{user_key}:{start}", per_user))
    per_address = _setting(limit.per_address)
    if per_address is not None and address:
        found.append((f"limits:{limit.name}:addr:{address}:{start}", per_address))
    return found


def _increment(key: str, timeout: int) -> int:
    """Add one to the counter and return the new count (atomic: INCR on Redis)."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout)
        return 1


def limit_count(
    limit: Limit,
    *,
    user_key: object = None,
    address: str | None = None,
    now: float | None = None,
) -> list[int]:
    """Count one event for the person and the address; the new counts."""
    moment = time.time() if now is None else now
    # Kept for two windows, so that a counter outlives its window on any backend.
    timeout = limit.window_seconds * 2
    return [
        _increment(key, timeout)
        for key, _most in _counters(
            limit, user_key=user_key, address=address, now=moment
        )
    ]


def limit_reached(
    limit: Limit,
    *,
    user_key: object = None,
    address: str | None = None,
    now: float | None = None,
) -> Limited | None:
    """Limited when the person or the address has already used up the window
    (counts nothing): for limits on failures, checked before trying."""
    moment = time.time() if now is None else now
    for key, most in _counters(limit, user_key=user_key, address=address, now=moment):
        if (cache.get(key) or 0) >= most:
            return Limited(limit, _window(limit, moment)[1])
    return None


def limit_hit(
    limit: Limit,
    *,
    user_key: object = None,
    address: str | None = None,
    now: float | None = None,
) -> None:
    """Count one request for the person and the address; raise Limited when either
    has gone past its limit in this window (the refused request counts too, so that
    hammering does not shorten the wait)."""
    moment = time.time() if now is None else now
    counters = _counters(limit, user_key=user_key, address=address, now=moment)
    timeout = limit.window_seconds * 2
    over = False
    for key, most in counters:
        over = _increment(key, timeout) > most or over
    if over:
        raise Limited(limit, _window(limit, moment)[1])


def request_user_key(request: HttpRequest) -> object:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


def request_limit_hit(limit: Limit, request: HttpRequest) -> None:
    """limit_hit for the request's signed-in person and address."""
    limit_hit(
        limit, user_key=request_user_key(request), address=request_address(request)
    )


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (
        request.headers.get("X-Requested-With") in ("fetch", "XMLHttpRequest")
        or "application/json" in accept
        or request.content_type == "application/json"
    )


def too_many_requests(request: HttpRequest, limited: Limited) -> HttpResponse:
    """429 saying how long to wait, with Retry-After: JSON for the pages' scripts
    and API clients, a page for people."""
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"error": limited.message}, status=429)
    else:
        response = render(
            request,
            "audit/too_many_requests.html",
            {"message": limited.message},
            status=429,
        )
    response["Retry-After"] = str(limited.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def rate_limited(
    limit: Limit,
    *,
    methods: tuple[str, ...] = ("POST",),
    when: Callable[[HttpRequest], bool] | None = None,
) -> Callable:
    """A view decorator: each request with one of `methods` (and, if given, for
    which `when(request)` holds) counts towards `limit` for its person and address;
    past it the view does not run (nothing is written) and the answer is a 429."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and (when is None or when(request)):
                try:
                    request_limit_hit(limit, request)
                except Limited as limited:
                    return too_many_requests(request, limited)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


# The platform's limits (settings in cms/settings/base.py, documented in README).
XAPI_POSTS = Limit(
    "xapi",
    per_user="XAPI_POSTS_PER_MINUTE",
    per_address="XAPI_POSTS_PER_MINUTE_PER_ADDRESS",
)
SIGNIN_CODE_ATTEMPTS = Limit(
    "signin-code",
    per_user="SIGNIN_CODE_ATTEMPTS_PER_PERSON",
    per_address="SIGNIN_CODE_ATTEMPTS_PER_ADDRESS",
    window_minutes="SIGNIN_CODE_WINDOW_MINUTES",
)
SIGNIN_FAILURES = Limit(
    "signin-failures",
    per_address="SIGNIN_FAILURES_PER_ADDRESS",
    window_minutes="SIGNIN_FAILURES_WINDOW_MINUTES",
)
LESSON_BEATS = Limit(
    "lesson-beats",
    per_user="LESSON_BEATS_PER_MINUTE",
    per_address="LESSON_BEATS_PER_MINUTE_PER_ADDRESS",
)
UPLOADS = Limit(
    "uploads",
    per_user="UPLOADS_PER_HOUR",
    per_address="UPLOADS_PER_HOUR_PER_ADDRESS",
    window_minutes=60,
)
EXPORTS = Limit(
    "exports",
    per_user="EXPORTS_PER_HOUR",
    per_address="EXPORTS_PER_HOUR_PER_ADDRESS",
    window_minutes=60,
)
PASSWORD_RESETS = Limit(
    "password-resets",
    per_user="PASSWORD_RESETS_PER_HOUR",
    per_address="PASSWORD_RESETS_PER_HOUR_PER_ADDRESS",
    window_minutes=60,
)
