"""Reading a learner's own xAPI statements back: filters and a stable cursor."""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from learning.xapi.models import XAPIStatement
from learning.xapi.statements import DEFAULT_LIMIT, MAX_LIMIT, StatementInvalid


def cursor_encode(*, stored: datetime.datetime, pk: int) -> str:
    raw = f"{stored.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(*, cursor: str) -> tuple[datetime.datetime, int]:
    """The (stored, pk) a cursor names; StatementInvalid when it names nothing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stored_text, pk_text = raw.rsplit("|", 1)
        stored = parse_datetime(stored_text)
        pk = int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        stored = None
    if stored is None:
        raise StatementInvalid(_("The cursor is not valid."))
    return stored, pk


def statements_list(
    *,
    learner,
    verb: str = "",
    activity: str = "",
    since: datetime.datetime | None = None,
    cursor: str = "",
    limit: int = DEFAULT_LIMIT,
) -> tuple[list[dict], str]:
    """The learner's statements, newest stored first, filtered, one page at a time.
    Returns the bodies and the cursor of the next page ("" on the last page)."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows = XAPIStatement.objects.filter(learner=learner)
    if verb:
        rows = rows.filter(verb=verb)
    if activity:
        rows = rows.filter(activity_iri=activity)
    if since is not None:
        rows = rows.filter(stored__gt=since)
    if cursor:
        stored, pk = cursor_decode(cursor=cursor)
        rows = rows.filter(Q(stored__lt=stored) | Q(stored=stored, pk__lt=pk))
    page = list(
        rows.order_by("-stored", "-pk").values_list("pk", "stored", "body")[: limit + 1]
    )
    more = ""
    if len(page) > limit:
        page = page[:limit]
        more = cursor_encode(stored=page[-1][1], pk=page[-1][0])
    return [body for _pk, _stored, body in page], more


def statement_get(*, learner, statement_id: str) -> dict | None:
    """One of the learner's statements by id, or None (unknown, or someone else's)."""
    try:
        wanted = uuid.UUID(statement_id)
    except ValueError:
        return None
    return (
        XAPIStatement.objects.filter(learner=learner, statement_id=wanted)
        .values_list("body", flat=True)
        .first()
    )
