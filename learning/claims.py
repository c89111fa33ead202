"""Proof that the worker doing a piece of work is alive, for claims that a
redelivered task may take over (Celery delivers a task again when its worker dies).

On PostgreSQL the worker holds a session advisory lock for as long as it works: a
delivery that gets the lock knows nobody else is working (the lock goes with a dead
worker's session), one that does not leaves the work to the live worker holding it.
SQLite (the embedded default) has no such locks; its callers fall back on the age
of the claim.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# pg_try_advisory_lock's first key, one per kind of work (pg_advisory_xact_lock's
# 7301 is the curricula's).
ROSTER_IMPORT = 7302
NOTIFICATION_EMAIL = 7303


@contextmanager
def working_lock(kind: int, key: int) -> Iterator[bool | None]:
    """Hold the advisory lock (kind, key) while working. Yields True when this
    session holds it, False when another session does (a live worker is on it), and
    None on a database without advisory locks."""
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [kind, key])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [kind, key])
            except DatabaseError:  # a broken session has released it anyway
                logger.warning("lock (%s, %s) not released", kind, key)
