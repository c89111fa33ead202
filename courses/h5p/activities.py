"""H5P activities as the learner record sees them. Each H5P block in a lesson is one
activity, named by an IRI the player puts in its xAPI statements:

    <site>/xapi/activities/h5p/<lesson translation_key>/<block id>

The IRI stays the same across the lesson's language versions (same translation key,
same block id), so a result counts whichever version was played.

The lesson pages sit above this package: the lookup receives the live lessons from
its caller (courses.selectors.activities_for_iris) instead of importing them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from assessments.models import Competency

from ..streams import stream_blocks

ACTIVITY_PATH = "/xapi/activities/h5p/"
_IRI = re.compile(
    r"^https?://[^/]+"
    + re.escape(ACTIVITY_PATH)
    + r"(?P<lesson>[0-9a-f-]{36})/(?P<block>[0-9a-f-]{36})/?$"
)


@dataclass(frozen=True)
class ActivityInfo:
    """What the record needs to know about one H5P activity."""

    iri: str
    lesson_id: int  # a live LessonPage (any language version) holding the block
    lesson_key: uuid.UUID  # the lesson's translation_key
    block_id: str
    package_id: int
    required: bool  # the lesson completes only once this activity is completed
    pass_percent: int  # a scored result at or above this counts as passed
    competency_id: int | None  # evidence written for a passed result …
    level: int | None  # … at this level


def activity_iri(*, base_url: str, lesson_key: uuid.UUID | str, block_id: str) -> str:
    return f"{base_url.rstrip('/')}{ACTIVITY_PATH}{lesson_key}/{block_id}"


def parse_activity_iri(iri: str) -> tuple[uuid.UUID, str] | None:
    match = _IRI.match(iri or "")
    if match is None:
        return None
    try:
        return uuid.UUID(match["lesson"]), str(uuid.UUID(match["block"]))
    except ValueError:
        return None


def activities_in_lessons(iris, *, lessons: QuerySet) -> dict[str, ActivityInfo]:
    """The activities these IRIs name among `lessons` (the live lesson pages, any
    language version), in one query, two when activities are aligned to
    competencies. IRIs that name nothing (unknown lesson or block, a lesson not in
    `lessons`, another shape) are absent from the answer: the caller refuses
    statements about them."""
    wanted: dict[tuple[uuid.UUID, str], list[str]] = {}
    for iri in set(iris):
        parsed = parse_activity_iri(iri)
        if parsed is not None:
            wanted.setdefault(parsed, []).append(iri)
    if not wanted:
        return {}
    lessons = lessons.filter(translation_key__in={key for key, _block in wanted})
    matches = []
    for lesson in lessons.only("id", "translation_key", "body"):
        for block_id, value in stream_blocks(lesson.body, "h5p"):
            key = (lesson.translation_key, block_id)
            if key in wanted and value.get("package"):
                matches.append((lesson, key, value))
    codes = {value.get("competency") for _l, _k, value in matches} - {None, ""}
    competency_ids = (
        dict(Competency.objects.filter(code__in=codes).values_list("code", "pk"))
        if codes
        else {}
    )
    found: dict[str, ActivityInfo] = {}
    for lesson, key, value in matches:
        for iri in wanted[key]:
            found.setdefault(
                iri,
                ActivityInfo(
                    iri=iri,
                    lesson_id=lesson.pk,
                    lesson_key=lesson.translation_key,
                    block_id=key[1],
                    package_id=int(value["package"]),
                    required=bool(value.get("required")),
                    pass_percent=int(value.get("pass_percent") or 0),
                    competency_id=competency_ids.get(value.get("competency")),
                    level=int(value["level"]) if value.get("level") else None,
                ),
            )
    return found
