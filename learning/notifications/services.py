"""Creating notifications and marking them read; e-mail goes out on commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from learning.notifications.email import subject_line
from learning.notifications.models import Notification
from learning.notifications.selectors import UNREAD_CACHE_KEY
from learning.notifications.tasks import notification_email_send


def _unread_changed(user_id: int) -> None:
    key = UNREAD_CACHE_KEY.format(user_id=user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _enqueue_email(notification_id: int) -> None:
    # Robust: a broker that is down, or a send that fails when tasks run eagerly,
    # is logged and the notification stays pending for the sweep; it never breaks
    # the work that committed it (a reminder run would stop half-way).
    transaction.on_commit(
        lambda: notification_email_send.delay(notification_id), robust=True
    )


def notification_create(
    *, user, kind: str, subject: str, body: str, url: str = "", email: bool = True
) -> Notification:
    """Put a message in the user's notification centre (and e-mail it on commit
    when the user has an address)."""
    wants_email = email and bool(user.email)
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        subject=subject_line(subject)[:300],
        body=body,
        url=url[:500],
        email_wanted=wants_email,
    )
    _unread_changed(user.pk)
    if wants_email:
        _enqueue_email(notification.pk)
    return notification


def notification_mark_read(
    *, user, notification_ids: Iterable[int] | None = None
) -> int:
    """Mark the user's notifications read (all of them when no ids are given)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    count = rows.update(read_at=timezone.now())
    _unread_changed(user.pk)
    return count
