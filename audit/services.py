"""Writing to the audit log, and the retention purge (the only delete)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import context
from audit.models import AuditEntry

# Never written to the log, whatever the change.
SECRET_FIELDS = {"password", "secret", "secret_hash", "code_hash", "key", "token"}
_LABEL_LIMIT = 255


def _label(value: Any) -> str:
    text = str(value) if value is not None else ""
    return text[:_LABEL_LIMIT]


def _actor_label(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return user.get_username()[:150]


def record(
    action: str,
    *,
    target: Any = None,
    changes: dict | None = None,
    actor: Any = None,
    address: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
) -> AuditEntry:
    """Append one entry. The actor and address default to the current request's;
    outside a request (a worker, a command) pass `actor`, or the entry says the
    system acted. `target` is a model instance the action concerned."""
    current = context.current()
    if actor is None and current is not None:
        actor = current.user
    if address is None and current is not None:
        address = current.address
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_label = object_label or _label(target)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor_id=actor.pk if authenticated else None,
        actor_label=_actor_label(actor),
        address=address,
        action=action[:64],
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        object_label=_label(object_label),
        changes=changes or {},
    )


def record_export(what: str, *, file_format: str, rows: int | None = None) -> None:
    """An export (who exported what scope): the page's address says the scope
    (?department=…) and the filters."""
    current = context.current()
    changes: dict[str, Any] = {"format": file_format}
    if current is not None and current.url:
        changes["url"] = current.url
    if rows is not None:
        changes["rows"] = rows
    record("export", object_label=what, changes=changes)


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", 3 * 365))


@transaction.atomic
def purge(*, now: datetime.datetime | None = None) -> int:
    """Delete entries older than the retention period; returns how many. On
    PostgreSQL the trigger lets a DELETE through only inside this transaction."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL civicskills.audit_purge = 'on'")
        table = AuditEntry._meta.db_table
        cursor.execute(f'DELETE FROM "{table}" WHERE "at" < %s', [cutoff])  # noqa: S608
        return cursor.rowcount
