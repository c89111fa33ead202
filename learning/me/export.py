"""A person's own record, as they may download it (PIPL: the right to a copy):
profile, role scopes, assignments, enrolments and lesson progress, quiz attempts
and answers, evidence and levels, study hours, certificates, feedback, H5P results
and state, xAPI statements, notifications. One list of tables, written as JSON or as
a ZIP of CSV files (UTF-8 with BOM, so Excel opens them). Secrets (password
hashes, code hashes, session keys) are never in it."""

from __future__ import annotations

import datetime
import decimal
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet

from assessments.models import Attempt, AttemptAnswer, CompetencyLevel, Evidence
from assessments.spreadsheets import csv_bytes
from learning.curricula.models import Assignment
from learning.hours.models import StudyHourEntry
from learning.journey.models import (
    Certificate,
    CourseFeedback,
    Enrollment,
    H5PActivityState,
    H5PResult,
    LessonProgress,
)
from learning.notifications.models import Notification
from learning.organisation.models import LearnerProfile, RoleScope
from learning.xapi.models import XAPIStatement

_SECRET = {"password", "claim_token", "code_hash", "secret_hash", "session_key"}
_USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "date_joined",
    "last_login",
)

TABLES: list[tuple[str, Callable[[Any], QuerySet]]] = [
    ("profile", lambda user: LearnerProfile.objects.filter(user=user)),
    ("role_scopes", lambda user: RoleScope.objects.filter(user=user)),
    ("assignments", lambda user: Assignment.objects.filter(learner=user)),
    ("enrollments", lambda user: Enrollment.objects.filter(learner=user)),
    (
        "lesson_progress",
        lambda user: LessonProgress.objects.filter(enrollment__learner=user),
    ),
    ("quiz_attempts", lambda user: Attempt.objects.filter(learner=user)),
    ("quiz_answers", lambda user: AttemptAnswer.objects.filter(attempt__learner=user)),
    ("evidence", lambda user: Evidence.objects.filter(learner=user)),
    ("competency_levels", lambda user: CompetencyLevel.objects.filter(learner=user)),
    ("study_hours", lambda user: StudyHourEntry.objects.filter(learner=user)),
    ("certificates", lambda user: Certificate.objects.filter(learner=user)),
    ("course_feedback", lambda user: CourseFeedback.objects.filter(learner=user)),
    ("h5p_results", lambda user: H5PResult.objects.filter(learner=user)),
    ("h5p_state", lambda user: H5PActivityState.objects.filter(learner=user)),
    ("xapi_statements", lambda user: XAPIStatement.objects.filter(learner=user)),
    ("notifications", lambda user: Notification.objects.filter(user=user)),
]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def _columns(model: type[Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if field.name not in _SECRET and field.attname not in _SECRET
    ]


def my_data(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Every table of the person's record, as lists of rows (column → value)."""
    account = get_user_model().objects.filter(pk=user.pk).values(*_USER_FIELDS)
    data: dict[str, list[dict[str, Any]]] = {
        "account": [
            {key: _plain(value) for key, value in row.items()} for row in account
        ]
    }
    for name, rows in TABLES:
        queryset = rows(user).order_by("pk")
        columns = _columns(queryset.model)
        data[name] = [
            {column: _plain(value) for column, value in row.items()}
            for row in queryset.values(*columns).iterator(chunk_size=2000)
        ]
    return data


def my_data_json(user: Any) -> bytes:
    return json.dumps(my_data(user), ensure_ascii=False, indent=1).encode("utf-8")


def my_data_zip(user: Any) -> bytes:
    """One CSV per table in a ZIP (assessments.spreadsheets' CSV for Excel: BOM,
    formula-like text neutralised); values that are structures are written as
    JSON."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in my_data(user).items():
            columns = list(rows[0]) if rows else []
            cells = (
                [
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(value, dict | list)
                    else value
                    for value in row.values()
                ]
                for row in rows
            )
            archive.writestr(f"{name}.csv", csv_bytes([columns, *cells]))
    return buffer.getvalue()
