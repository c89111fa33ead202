"""Creating notifications and marking them read; e-mail goes out on commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from learning.notifications.email import subject_line
from learning.notifications.messages import MESSAGES
from learning.notifications.models import Notification
from learning.notifications.selectors import UNREAD_CACHE_KEY
from learning.notifications.tasks import notification_email_send
from learning.outbox.services import task_enqueue


def _unread_changed(user_id: int) -> None:
    key = UNREAD_CACHE_KEY.format(user_id=user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _enqueue_email(notification_id: int) -> None:
    task_enqueue(notification_email_send, notification_id)


def notification_create(
    *,
    user,
    kind: str,
    message: str = "",
    params: dict | None = None,
    subject: str = "",
    body: str = "",
    url: str = "",
    assignment_id: int | None = None,
    email: bool = True,
) -> Notification:
    """Put a message in the user's notification centre (and e-mail it on commit
    when the user has an address). A `message` key of
    learning.notifications.messages with its `params` is shown in the reader's
    language; `subject` and `body` are text shown as given."""
    if message and message not in MESSAGES:
        raise ValueError(f"unknown notification message {message!r}")
    wants_email = email and bool(user.email)
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        message=message,
        params=params or {},
        subject=subject_line(subject)[:300],
        body=body,
        url=url[:500],
        assignment_id=assignment_id,
        email_wanted=wants_email,
    )
    _unread_changed(user.pk)
    if wants_email:
        _enqueue_email(notification.pk)
    return notification


def notifications_create_many(
    *, kind: str, message: str, url: str, rows: Iterable[tuple[int, int, dict]]
) -> int:
    """One notification per (user id, assignment id, params), in bulk, shown in the
    notification centre only (a curriculum may assign thousands of people at once;
    the e-mail reminders follow as the due date nears). Returns how many."""
    if message not in MESSAGES:
        raise ValueError(f"unknown notification message {message!r}")
    created = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                message=message,
                params=params,
                url=url,
                assignment_id=assignment_id,
            )
            for user_id, assignment_id, params in rows
        ],
        batch_size=2000,
    )
    for user_id in {n.user_id for n in created}:
        _unread_changed(user_id)
    return len(created)


def notifications_resolve(*, assignment_ids: Iterable[int]) -> int:
    """The mandatory training these notifications are about was finished (or no
    longer applies): they are marked resolved, and read, so that the centre and the
    header's count stop calling for action. Returns how many changed."""
    ids = list(assignment_ids)
    if not ids:
        return 0
    rows = Notification.objects.filter(
        assignment_id__in=ids, resolved_at__isnull=True
    )
    user_ids = set(rows.values_list("user_id", flat=True))
    now = timezone.now()
    count = rows.update(resolved_at=now, read_at=Coalesce("read_at", Value(now)))
    for user_id in user_ids:
        _unread_changed(user_id)
    return count


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
