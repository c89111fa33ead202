"""Who is acting and from where, for the length of one request (set by the
middleware), so that records made deep inside a service know it."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any | None
    address: str | None
    # The request's path and query (what an export was asked for).
    url: str = ""


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "audit_actor", default=None
)


def current() -> Actor | None:
    return _current.get()


_unwatched: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "audit_unwatched", default=False
)


@contextlib.contextmanager
def unwatched() -> Iterator[None]:
    """Model changes inside are not recorded field by field (the caller records one
    entry itself): an anonymisation must not copy the names it removes into the
    log."""
    token = _unwatched.set(True)
    try:
        yield
    finally:
        _unwatched.reset(token)


def is_unwatched() -> bool:
    return _unwatched.get()


def request_address(request) -> str | None:
    """The client's address, found the way the sign-in lock-out finds it
    (django-axes: REMOTE_ADDR, or behind a reverse proxy the address it forwards when
    AXES_IPWARE_PROXY_COUNT says how many proxies there are)."""
    from axes.helpers import get_client_ip_address  # noqa: PLC0415

    return get_client_ip_address(request) or None


class AuditContextMiddleware:
    """Remembers the signed-in user and address of the request being served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = Actor(
            user=user,
            address=request_address(request),
            url=request.get_full_path()[:1000],
        )
        token = _current.set(actor)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
