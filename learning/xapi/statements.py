"""A small xAPI 1.0.3 statement store for the signed-in learner, and the H5P results
built from it.

The H5P player posts statements about activities (one per H5P block, see
courses.h5p.activities). Each request is all or nothing: statements are checked
(shape, scores, the learner may use the activity, ids not reused), stored with the
actor replaced by the signed-in learner, and the learner's H5P results, evidence and
lesson progress updated, in one transaction.

Only final statements count as results: an answered/completed/passed/failed verb about
the activity itself (no parent in contextActivities). Sub-questions and
attempted/interacted statements are stored but change nothing.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

XAPI_VERSION = "1.0.3"


MAX_BODY_BYTES = 1024 * 1024


MAX_STATEMENTS = 100


DEFAULT_LIMIT = 50


MAX_LIMIT = 200


ADL_VERBS = "http://adlnet.gov/expapi/verbs/"


FINAL_VERBS = ("answered", "completed", "passed", "failed")


# Server-set parts of a stored statement, left out when comparing a replayed one.
_SERVER_KEYS = ("stored", "actor", "authority")


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


_DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)


_FOUR_PLACES = Decimal("0.0001")


class XAPIError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StatementInvalid(XAPIError):
    status = 400


class ActivityForbidden(XAPIError):
    status = 403


class StatementConflict(XAPIError):
    status = 409


class RequestTooLarge(XAPIError):
    status = 413


@dataclass
class CheckedStatement:
    """One statement that passed the checks, ready to store."""

    statement_id: uuid.UUID
    body: dict  # as the client sent it, id and timestamp filled in, no actor yet
    verb: str
    activity_iri: str
    registration: uuid.UUID | None
    timestamp: datetime.datetime
    timestamp_given: bool
    scaled: Decimal | None
    success: bool | None
    completion: bool | None
    is_final: bool


def _invalid(index: int, field: str, problem: str) -> StatementInvalid:
    return StatementInvalid(
        _("Statement %(index)s, %(field)s: %(problem)s")
        % {"index": index, "field": field, "problem": problem}
    )


def _iri(value, *, index: int, field: str, max_length: int) -> str:
    if value is None:
        raise _invalid(index, field, _("this field is required."))
    if not isinstance(value, str) or not _IRI.match(value):
        raise _invalid(index, field, _("must be an IRI."))
    if len(value) > max_length:
        raise _invalid(
            index, field, _("must be at most %(max)s characters.") % {"max": max_length}
        )
    return value


def _uuid(value, *, index: int, field: str) -> uuid.UUID:
    if not isinstance(value, str) or not _UUID.match(value):
        raise _invalid(index, field, _("must be a UUID."))
    return uuid.UUID(value)


def _object(value, *, index: int, field: str) -> dict:
    if not isinstance(value, dict):
        raise _invalid(index, field, _("must be a JSON object."))
    return value


def _number(value, *, index: int, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(index, field, _("must be a number."))
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _invalid(index, field, _("must be a finite number."))
    return number


def _boolean(value, *, index: int, field: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise _invalid(index, field, _("must be true or false."))
    return value


def _scaled(value: float) -> Decimal:
    clamped = min(max(value, -1.0), 1.0)
    return Decimal(str(clamped)).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def _score(score, *, index: int) -> Decimal | None:
    """Check result.score; return the scaled score (raw / max when not given)."""
    score = _object(score, index=index, field="result.score")
    numbers = {}
    for key in ("scaled", "raw", "min", "max"):
        if score.get(key) is not None:
            numbers[key] = _number(score[key], index=index, field=f"result.score.{key}")
    scaled, raw = numbers.get("scaled"), numbers.get("raw")
    low, high = numbers.get("min"), numbers.get("max")
    if scaled is not None and not -1 <= scaled <= 1:
        raise _invalid(index, "result.score.scaled", _("must be between -1 and 1."))
    if low is not None and high is not None and not low < high:
        raise _invalid(index, "result.score.min", _("must be less than max."))
    if raw is not None and low is not None and raw < low:
        raise _invalid(index, "result.score.raw", _("must not be less than min."))
    if raw is not None and high is not None and raw > high:
        raise _invalid(index, "result.score.raw", _("must not be more than max."))
    if scaled is not None:
        return _scaled(scaled)
    if raw is not None and high is not None and high > 0:
        return _scaled(raw / high)
    return None


def _timestamp(value, *, index: int) -> datetime.datetime:
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise _invalid(index, "timestamp", _("must be an ISO 8601 date and time."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def _has_parent(context: dict) -> bool:
    activities = context.get("contextActivities") or {}
    return isinstance(activities, dict) and bool(activities.get("parent"))


def verb_is_final(verb: str) -> bool:
    """An answered/completed/passed/failed verb (the ADL ones H5P sends)."""
    return any(verb.endswith("/" + name) for name in FINAL_VERBS)


def statement_check(*, raw, index: int, now: datetime.datetime) -> CheckedStatement:
    """Check one statement as the client sent it; raise StatementInvalid naming the
    statement's index and the field at fault."""
    if not isinstance(raw, dict):
        raise _invalid(index, "statement", _("must be a JSON object."))
    body = copy.deepcopy(raw)
    body.pop("actor", None)  # replaced by the signed-in learner
    body.pop("authority", None)  # never taken from the client
    body.pop("stored", None)

    if body.get("id") is None:
        statement_id = uuid.uuid4()
    else:
        statement_id = _uuid(body["id"], index=index, field="id")
    body["id"] = str(statement_id)

    verb_object = _object(body.get("verb"), index=index, field="verb")
    verb = _iri(verb_object.get("id"), index=index, field="verb.id", max_length=255)

    activity = _object(body.get("object"), index=index, field="object")
    if activity.get("objectType", "Activity") != "Activity":
        raise _invalid(index, "object.objectType", _("must be Activity."))
    activity_iri = _iri(
        activity.get("id"), index=index, field="object.id", max_length=500
    )

    scaled = success = completion = None
    if body.get("result") is not None:
        result = _object(body["result"], index=index, field="result")
        if result.get("score") is not None:
            scaled = _score(result["score"], index=index)
        success = _boolean(result.get("success"), index=index, field="result.success")
        completion = _boolean(
            result.get("completion"), index=index, field="result.completion"
        )
        duration = result.get("duration")
        if duration is not None and not (
            isinstance(duration, str) and _DURATION.match(duration)
        ):
            raise _invalid(index, "result.duration", _("must be an ISO 8601 duration."))

    registration = None
    top_level = True
    if body.get("context") is not None:
        context = _object(body["context"], index=index, field="context")
        if context.get("registration") is not None:
            registration = _uuid(
                context["registration"], index=index, field="context.registration"
            )
        if context.get("contextActivities") is not None:
            _object(
                context["contextActivities"],
                index=index,
                field="context.contextActivities",
            )
        top_level = not _has_parent(context)

    timestamp_given = body.get("timestamp") is not None
    if timestamp_given:
        timestamp = _timestamp(body["timestamp"], index=index)
    else:
        timestamp = now
        body["timestamp"] = now.isoformat()

    return CheckedStatement(
        statement_id=statement_id,
        body=body,
        verb=verb,
        activity_iri=activity_iri,
        registration=registration,
        timestamp=timestamp,
        timestamp_given=timestamp_given,
        scaled=scaled,
        success=success,
        completion=completion,
        is_final=top_level and verb_is_final(verb),
    )


def statements_check(*, payload, now: datetime.datetime) -> list[CheckedStatement]:
    """Check a request's statements (one object or a list of them)."""
    raws = payload if isinstance(payload, list) else [payload]
    if not raws:
        raise StatementInvalid(_("Send at least one statement."))
    if len(raws) > MAX_STATEMENTS:
        raise RequestTooLarge(
            _("Send at most %(max)s statements per request.") % {"max": MAX_STATEMENTS}
        )
    return [
        statement_check(raw=raw, index=index, now=now) for index, raw in enumerate(raws)
    ]
