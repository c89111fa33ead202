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

import base64
import binascii
import copy
import datetime
import logging
import math
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assessments.models import Competency
from assessments.services.evidence import evidence_record
from courses.h5p.activities import ActivityInfo, activities_for_iris

from .models import H5PResult, XAPIStatement

logger = logging.getLogger(__name__)

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


# Errors: each carries the HTTP status the endpoint answers with. -------------------


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


# Checking statements ----------------------------------------------------------------


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


# Storing ----------------------------------------------------------------------------


def learner_actor(*, learner, base_url: str) -> dict:
    """The xAPI actor that stands for the signed-in learner."""
    return {
        "objectType": "Agent",
        "name": learner.get_full_name() or learner.get_username(),
        "account": {
            "homePage": base_url.rstrip("/"),
            "name": learner.get_username(),
        },
    }


def _comparable(body: dict, *, keep_timestamp: bool) -> dict:
    skipped = _SERVER_KEYS if keep_timestamp else (*_SERVER_KEYS, "timestamp")
    return {key: value for key, value in body.items() if key not in skipped}


def _new_statements(
    *, learner, checked: list[CheckedStatement]
) -> list[CheckedStatement]:
    """The statements not stored yet (one query); raise StatementConflict when an id
    is already used by another statement or another learner."""
    unique: dict[uuid.UUID, CheckedStatement] = {}
    first_index: dict[uuid.UUID, int] = {}
    for index, statement in enumerate(checked):
        held = unique.get(statement.statement_id)
        if held is None:
            unique[statement.statement_id] = statement
            first_index[statement.statement_id] = index
        elif _comparable(held.body, keep_timestamp=True) != _comparable(
            statement.body, keep_timestamp=True
        ):
            raise StatementConflict(
                _("Statement %(index)s: id %(id)s is used twice in this request.")
                % {"index": index, "id": statement.statement_id}
            )
    stored = XAPIStatement.objects.filter(statement_id__in=list(unique)).values_list(
        "statement_id", "learner_id", "body"
    )
    known = set()
    for statement_id, learner_id, body in stored:
        statement = unique[statement_id]
        keep = statement.timestamp_given
        if learner_id != learner.pk or _comparable(
            body, keep_timestamp=keep
        ) != _comparable(statement.body, keep_timestamp=keep):
            raise StatementConflict(
                _("Statement %(index)s: id %(id)s is already in use.")
                % {"index": first_index[statement_id], "id": statement_id}
            )
        known.add(statement_id)
    return [s for s in unique.values() if s.statement_id not in known]


def _activities(checked: list[CheckedStatement]) -> dict[str, ActivityInfo]:
    activities = activities_for_iris({s.activity_iri for s in checked})
    for index, statement in enumerate(checked):
        if statement.activity_iri not in activities:
            raise ActivityForbidden(
                _("Statement %(index)s, object.id: you may not record %(iri)s.")
                % {"index": index, "iri": statement.activity_iri}
            )
    return activities


@transaction.atomic
def statements_store(*, learner, payload, base_url: str) -> list[str]:
    """Check and store a request's statements for `learner`, then update their H5P
    results; all or nothing. Returns the statement ids in request order. Raises an
    XAPIError subclass (400, 403, 409 or 413) and stores nothing on any problem."""
    now = timezone.now()
    checked = statements_check(payload=payload, now=now)
    activities = _activities(checked)
    new = _new_statements(learner=learner, checked=checked)
    if new:
        actor = learner_actor(learner=learner, base_url=base_url)
        rows = []
        for statement in new:
            body = {**statement.body, "actor": actor, "stored": now.isoformat()}
            rows.append(
                XAPIStatement(
                    statement_id=statement.statement_id,
                    learner=learner,
                    verb=statement.verb,
                    activity_iri=statement.activity_iri,
                    registration=statement.registration,
                    timestamp=statement.timestamp,
                    stored=now,
                    score_scaled=statement.scaled,
                    success=statement.success,
                    completion=statement.completion,
                    is_final=statement.is_final,
                    body=body,
                )
            )
        XAPIStatement.objects.bulk_create(rows)
        results_apply(
            learner=learner,
            statements=[s for s in new if s.is_final],
            activities=activities,
            now=now,
        )
    return [str(s.statement_id) for s in checked]


# Results ----------------------------------------------------------------------------


def notify_lesson_activity(*, learner, lesson_id: int) -> None:
    """Tell the learner's journey that a required activity in the lesson changed (it
    may complete the lesson). A no-op until the journey service offers the hook."""
    from .services import journey  # noqa: PLC0415 (journey may import this module)

    hook = getattr(journey, "lesson_activity_done", None)
    if hook is not None:
        hook(learner=learner, lesson_id=lesson_id)


def _passes(statement: CheckedStatement, activity: ActivityInfo) -> bool:
    if statement.scaled is not None:
        return statement.scaled * 100 >= activity.pass_percent
    return statement.success is True


def _results_locked(*, learner, activities: list[ActivityInfo]) -> dict[str, H5PResult]:
    """The learner's results for these activities, created when missing and locked
    for the rest of the transaction (two queries whatever exists already)."""
    H5PResult.objects.bulk_create(
        [
            H5PResult(
                learner=learner,
                activity_iri=a.iri,
                lesson_key=a.lesson_key,
                block_id=a.block_id,
            )
            for a in activities
        ],
        ignore_conflicts=True,  # existing rows, or ones a concurrent request created
    )
    return {
        r.activity_iri: r
        for r in H5PResult.objects.select_for_update().filter(
            learner=learner, activity_iri__in=[a.iri for a in activities]
        )
    }


def _evidence_write(*, learner, activity: ActivityInfo, competency, now) -> None:
    try:
        evidence_record(
            learner=learner,
            competency=competency,
            level=activity.level,
            kind="h5p",
            observed_at=now,
            source_type="h5p",
            source_id=activity.block_id[:64],
            source_label=activity.iri,
        )
    except ValidationError as error:
        # A misconfigured block (e.g. a level off the scale) must not lose the
        # learner's statements; the result is still recorded.
        logger.warning("H5P evidence for %s not written: %s", activity.iri, error)


def results_apply(
    *,
    learner,
    statements: list[CheckedStatement],
    activities: dict[str, ActivityInfo],
    now: datetime.datetime,
) -> list[H5PResult]:
    """Update the learner's H5P results with newly stored final statements (in
    timestamp order); write evidence for results passed for the first time and tell
    the journey about lessons whose required activities changed. Returns the changed
    results."""
    if not statements:
        return []
    ordered = sorted(statements, key=lambda s: s.timestamp)
    touched = list(
        {s.activity_iri: activities[s.activity_iri] for s in ordered}.values()
    )
    results = _results_locked(learner=learner, activities=touched)
    newly_passed: list[ActivityInfo] = []
    lessons_to_notify: dict[int, None] = {}  # in order, once each
    for statement in ordered:
        activity = activities[statement.activity_iri]
        result = results[activity.iri]
        result.attempts += 1
        if statement.scaled is not None:
            result.last_scaled = statement.scaled
            if result.best_scaled is None or statement.scaled > result.best_scaled:
                result.best_scaled = statement.scaled
        changed = False
        if result.completed_at is None:
            # Every final verb means the learner finished the activity.
            result.completed_at = now
            changed = True
        if result.passed_at is None and _passes(statement, activity):
            result.passed_at = now
            newly_passed.append(activity)
            changed = True
        if changed and activity.required:
            lessons_to_notify.setdefault(activity.lesson_id)
    for result in results.values():
        result.updated_at = now
    H5PResult.objects.bulk_update(
        list(results.values()),
        fields=[
            "attempts",
            "last_scaled",
            "best_scaled",
            "completed_at",
            "passed_at",
            "updated_at",
        ],
    )

    with_evidence = [a for a in newly_passed if a.competency_id and a.level]
    if with_evidence:
        competencies = Competency.objects.select_related("framework__scale").in_bulk(
            {a.competency_id for a in with_evidence}
        )
        for activity in with_evidence:
            competency = competencies.get(activity.competency_id)
            if competency is None:
                logger.warning("H5P activity %s: no competency", activity.iri)
                continue
            _evidence_write(
                learner=learner, activity=activity, competency=competency, now=now
            )
    for lesson_id in lessons_to_notify:
        notify_lesson_activity(learner=learner, lesson_id=lesson_id)
    return list(results.values())


# Reading ----------------------------------------------------------------------------


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
