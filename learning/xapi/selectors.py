"""Reading statements back: what a reader may see (a learner their own, a tool the
people of its department and what it wrote), the xAPI 1.0.3 query filters, and a
stable cursor."""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Evidence
from learning.xapi.models import LaunchRegistration, XAPIStatement
from learning.xapi.statements import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    StatementInvalid,
    moment_parse,
)


@dataclass(frozen=True)
class StatementQuery:
    """The filters of GET /xapi/statements, already parsed."""

    agent_ifi: str = ""
    verb: str = ""
    activity: str = ""
    registration: uuid.UUID | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    ascending: bool = False
    limit: int = DEFAULT_LIMIT


def cursor_encode(*, stored: datetime.datetime, pk: int) -> str:
    raw = f"{stored.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(*, cursor: str) -> tuple[datetime.datetime, int]:
    """The (stored, pk) a cursor names; StatementInvalid when it names nothing."""
    stored = None
    pk = 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stored_text, pk_text = raw.rsplit("|", 1)
        stored = moment_parse(stored_text)
        pk = int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        stored = None
    if stored is None or not 0 < pk < 2**63:
        raise StatementInvalid(_("The cursor is not valid."))
    return stored, pk


def statements_visible(*, learner=None, credential=None) -> QuerySet:
    """The statements a reader may see: a signed-in learner their own; a tool those
    about people of its department subtree and those it wrote itself."""
    rows = XAPIStatement.objects.all()
    if credential is not None:
        return rows.filter(
            Q(credential=credential)
            | Q(
                learner__learner_profile__department__path__startswith=(
                    credential.department.path
                )
            )
        )
    return rows.filter(learner=learner)


def _matching(query: StatementQuery) -> Q | None:
    """The query's non-time filters as one condition (None when there are none)."""
    condition = Q()
    if query.agent_ifi:
        if query.related_agents:
            condition &= Q(related_agents__contains=f"[{query.agent_ifi}]")
        else:
            condition &= Q(agents__contains=f"[{query.agent_ifi}]")
    if query.verb:
        condition &= Q(verb=query.verb)
    if query.activity:
        if query.related_activities:
            condition &= Q(related_activities__contains=f"[{query.activity}]")
        else:
            condition &= Q(activity_iri=query.activity)
    if query.registration is not None:
        condition &= Q(registration=query.registration)
    return condition if condition else None


def statements_list(
    *, visible: QuerySet, query: StatementQuery, cursor: str = ""
) -> tuple[list[dict], str]:
    """One page of the statements `visible` holds that match `query`, newest stored
    first (oldest with ascending); voided statements are left out. A statement
    whose object is a StatementRef matches when the statement it targets does (one
    level). Returns the bodies and the cursor of the next page ("" on the last)."""
    limit = MAX_LIMIT if query.limit == 0 else max(1, min(query.limit, MAX_LIMIT))
    rows = visible.filter(voided=False)
    condition = _matching(query)
    if condition is not None:
        targets = visible.filter(condition).values("statement_id")
        rows = rows.filter(condition | Q(statement_ref__in=targets))
    if query.since is not None:
        rows = rows.filter(stored__gt=query.since)
    if query.until is not None:
        rows = rows.filter(stored__lte=query.until)
    if cursor:
        stored, pk = cursor_decode(cursor=cursor)
        if query.ascending:
            rows = rows.filter(Q(stored__gt=stored) | Q(stored=stored, pk__gt=pk))
        else:
            rows = rows.filter(Q(stored__lt=stored) | Q(stored=stored, pk__lt=pk))
    order = ("stored", "pk") if query.ascending else ("-stored", "-pk")
    page = list(rows.order_by(*order).values_list("pk", "stored", "body")[: limit + 1])
    more = ""
    if len(page) > limit:
        page = page[:limit]
        more = cursor_encode(stored=page[-1][1], pk=page[-1][0])
    return [body for _pk, _stored, body in page], more


def statement_get(
    *, visible: QuerySet, statement_id: str, voided: bool = False
) -> dict | None:
    """One statement by id among those the reader may see, or None (unknown,
    someone else's, or voided when `voided` is false / not voided when true)."""
    try:
        wanted = uuid.UUID(statement_id)
    except ValueError:
        return None
    return (
        visible.filter(statement_id=wanted, voided=voided)
        .values_list("body", flat=True)
        .first()
    )


def h5p_evidence_unbacked() -> QuerySet[Evidence]:
    """H5P evidence still standing that no launch backs: its learner had used no
    launch of its activity (the evidence's source_label is the activity's IRI) when
    it was recorded. All H5P evidence from before launches were required is of this
    kind: it came from statements any learner could write about themselves."""
    launched = LaunchRegistration.objects.filter(
        learner_id=OuterRef("learner_id"),
        activity_iri=OuterRef("source_label"),
        first_used_at__lte=OuterRef("observed_at"),
    )
    return (
        Evidence.objects.filter(kind=Evidence.Kind.H5P, revoked_at__isnull=True)
        .exclude(Exists(launched))
        .select_related("competency", "competency__framework")
        .order_by("pk")
    )
