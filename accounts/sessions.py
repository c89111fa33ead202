"""The sessions a person holds: recorded at sign-in, ended all at once when the
password changes or the person is deactivated, and bounded in age."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import IntegrityError, transaction

from accounts.models import UserSession

# When the session signed in (epoch seconds): the absolute lifetime counts from it.
SIGNED_IN_AT = "_accounts_signed_in_at"
# The session key last written to UserSession (a key cycled by Django is new).
RECORDED_KEY = "_accounts_recorded_key"


def _store(session_key: str | None = None) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_record(*, user: Any, session: Any) -> None:
    """Note that `session` (saved, so it has a key) belongs to `user`."""
    if session.session_key is None:
        session.save()
    key = session.session_key
    if session.get(RECORDED_KEY) == key:
        return
    try:
        with transaction.atomic():
            UserSession.objects.get_or_create(
                session_key=key, defaults={"user_id": user.pk}
            )
    except IntegrityError:  # a parallel request recorded it first
        pass
    session[RECORDED_KEY] = key


def session_signed_in(*, user: Any, session: Any) -> None:
    """A new sign-in: start the absolute lifetime and record the session."""
    session[SIGNED_IN_AT] = int(time.time())
    session_record(user=user, session=session)


def session_expired(session: Any) -> bool:
    """True when the session signed in longer ago than SESSION_ABSOLUTE_HOURS."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        # Signed in before sessions were stamped: the lifetime starts now.
        session[SIGNED_IN_AT] = int(time.time())
        return False
    return time.time() - signed_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600


def user_sessions_end(*, user_id: int, keep: str | None = None) -> int:
    """End every session of the user (but `keep`, a session key); the number ended.
    Each is deleted from the session store itself, so a cached session goes too."""
    rows = UserSession.objects.filter(user_id=user_id)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        _store().delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def inactive_user_sessions_end() -> int:
    """End the sessions of every deactivated account (people a roster import
    deactivated in bulk, which sends no signal); the number ended."""
    ended = 0
    user_ids = (
        UserSession.objects.filter(user__is_active=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in list(user_ids):
        ended += user_sessions_end(user_id=user_id)
    return ended


def session_has_user(session: Any) -> bool:
    return SESSION_KEY in session
