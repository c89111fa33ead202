"""Enqueue a task with the change that asks for it, and never lose it.

`task_enqueue` writes the request into the outbox in the caller's transaction and
sends it to the broker once that commits. If the broker cannot be reached (Redis
stopped, the network gone) the change still succeeds and the row waits: the relay
(`outbox_relay`, every OUTBOX_RELAY_SECONDS from celery beat) sends what is still
waiting once the broker is back, and a process that died between commit and send
leaves a row the relay sends too. A task may so arrive twice; every task is
idempotent. Without a broker (the embedded default) tasks run in-process when the
transaction commits and nothing is written; a failure there is logged, not raised.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from learning.outbox.models import OutboxTask

logger = logging.getLogger(__name__)

# A row this old was not sent on commit (its process died, or the broker was away).
RELAY_AFTER = datetime.timedelta(seconds=10)
# Sent rows are kept this long (to look into), then deleted by the relay.
KEEP_SENT = datetime.timedelta(days=2)
RELAY_BATCH = 500


def task_enqueue(task, *args, **kwargs) -> None:
    """Enqueue `task(*args, **kwargs)` when the current transaction commits (at
    once outside one); arguments must be JSON."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Robust: a task that fails in-process is logged and left to its sweep; it
        # never undoes or interrupts the work that committed it.
        transaction.on_commit(lambda: task.delay(*args, **kwargs), robust=True)
        return
    row = OutboxTask.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: outbox_send(rows=[row]), robust=True)


def outbox_send(*, rows: Iterable[OutboxTask]) -> int:
    """Hand the rows' tasks to the broker, marking each sent. A broker that cannot
    be reached is given one try (well under a second when it refuses): the rows
    wait for the relay and the caller goes on. Returns how many went."""
    rows = list(rows)
    if not rows:
        return 0
    sent = 0
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.2, timeout=2
            )
            for row in rows:
                # No result is awaited: a result backend that is down too would
                # otherwise retry for a long while.
                current_app.send_task(
                    row.task,
                    args=row.args,
                    kwargs=row.kwargs,
                    connection=broker,
                    retry=False,
                    ignore_result=True,
                )
                OutboxTask.objects.filter(pk=row.pk).update(
                    sent_at=timezone.now(), attempts=row.attempts + 1
                )
                sent += 1
    except (BrokerUnreachable, OSError) as error:
        OutboxTask.objects.filter(pk__in=[row.pk for row in rows[sent:]]).update(
            attempts=F("attempts") + 1
        )
        logger.warning(
            "broker unreachable, %s task(s) wait in the outbox: %s",
            len(rows) - sent,
            error,
        )
    return sent


def outbox_relay(*, now: datetime.datetime | None = None) -> int:
    """Send the tasks still waiting (oldest first); delete those sent long ago.
    Two relays at once share the work (rows are locked, skipping locked ones,
    where the database can). Returns how many were sent."""
    now = now or timezone.now()
    OutboxTask.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    with transaction.atomic():
        waiting = OutboxTask.objects.filter(
            sent_at__isnull=True, created_at__lt=now - RELAY_AFTER
        ).order_by("created_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        return outbox_send(rows=list(waiting[:RELAY_BATCH]))
