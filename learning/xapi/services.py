"""Storing xAPI statements for the signed-in learner and turning final ones into H5P
results, evidence and lesson progress."""

from __future__ import annotations

import datetime
import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Competency
from assessments.services.evidence import evidence_record
from courses.h5p.activities import ActivityInfo
from courses.selectors import activities_for_iris
from learning.journey.models import H5PResult
from learning.journey.services import lesson_activity_done
from learning.xapi.models import XAPIStatement
from learning.xapi.statements import (
    _SERVER_KEYS,
    ActivityForbidden,
    CheckedStatement,
    StatementConflict,
    statements_check,
)

logger = logging.getLogger(__name__)


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


def _activity_of(iri: str) -> str:
    # The player names a question inside an activity "<activity>?subContentId=…".
    return iri.split("?", 1)[0]


def _activities(checked: list[CheckedStatement]) -> dict[str, ActivityInfo]:
    """The activity each statement is about (a question inside an activity counts
    as that activity); ActivityForbidden for any the learner may not record."""
    found = activities_for_iris({_activity_of(s.activity_iri) for s in checked})
    activities = {}
    for index, statement in enumerate(checked):
        activity = found.get(_activity_of(statement.activity_iri))
        if activity is None:
            raise ActivityForbidden(
                _("Statement %(index)s, object.id: you may not record %(iri)s.")
                % {"index": index, "iri": statement.activity_iri}
            )
        activities[statement.activity_iri] = activity
    return activities


@transaction.atomic
def statements_store(
    *, learner, payload, base_url: str, now: datetime.datetime | None = None
) -> list[str]:
    """Check and store a request's statements for `learner`, then update their H5P
    results; all or nothing. Returns the statement ids in request order. Raises an
    XAPIError subclass (400, 403, 409 or 413) and stores nothing on any problem.
    `now`: when they were stored (the demo's history), the present by default."""
    now = now or timezone.now()
    checked = statements_check(payload=payload, now=now)
    activities = _activities(checked)
    actor = learner_actor(learner=learner, base_url=base_url)
    for attempt in range(_STORE_ATTEMPTS):
        new = _new_statements(learner=learner, checked=checked)
        if not new:
            break
        # Only a statement about the activity itself (not a question inside it) is
        # final.
        final = {
            s.statement_id
            for s in new
            if s.is_final and activities[s.activity_iri].iri == s.activity_iri
        }
        try:
            with transaction.atomic():
                XAPIStatement.objects.bulk_create(
                    [_row(s, learner, actor, now, s.statement_id in final) for s in new]
                )
        except IntegrityError:
            # A parallel request stored one of these ids between the check and the
            # insert: look again (the same statement is then a replay, another one
            # a conflict), as if this request had come second.
            if attempt == _STORE_ATTEMPTS - 1:
                raise
            continue
        results_apply(
            learner=learner,
            statements=[s for s in new if s.statement_id in final],
            activities=activities,
            now=now,
        )
        break
    return [str(s.statement_id) for s in checked]


# A statement id raced by parallel requests is settled by the second look; more
# attempts only guard against a request racing several others at once.
_STORE_ATTEMPTS = 3


def _row(
    statement: CheckedStatement, learner, actor: dict, now, final: bool
) -> XAPIStatement:
    body = {**statement.body, "actor": actor, "stored": now.isoformat()}
    return XAPIStatement(
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
        is_final=final,
        body=body,
    )


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
            level=activity.level or 0,  # only activities with a level get here
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
    # A required activity changed: the lesson (and so the course) may complete now.
    for lesson_id in lessons_to_notify:
        lesson_activity_done(learner=learner, lesson_id=lesson_id)
    return list(results.values())
