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

from django.conf import settings
from django.db.models import QuerySet
from wagtail.models import Page

from assessments.models import Competency

from ..streams import stream_blocks

ACTIVITY_PATH = "/xapi/activities/h5p/"
_IRI = re.compile(r"^(?P<lesson>[0-9a-f-]{36})/(?P<block>[0-9a-f-]{36})/?$")


def site_base_url() -> str:
    """This site's configured base URL (setting SITE_URL), without a trailing slash:
    the home of its activity IRIs and of its learners' xAPI accounts."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def site_activity_base() -> str:
    """The start every IRI of this site's H5P activities has."""
    return site_base_url() + ACTIVITY_PATH


def is_site_iri(iri: str) -> bool:
    """An IRI on this site (its configured base URL); any other host is foreign."""
    base = site_base_url()
    return iri == base or iri.startswith(base + "/")


@dataclass(frozen=True)
class ActivityInfo:
    """What the record needs to know about one H5P activity."""

    iri: str
    lesson_id: int  # a live LessonPage (any language version) holding the block
    lesson_key: uuid.UUID  # the lesson's translation_key
    course_key: uuid.UUID  # the translation_key of the course holding the lesson
    block_id: str
    package_id: int
    required: bool  # the lesson completes only once this activity is completed
    pass_percent: int  # a scored result at or above this counts as passed
    competency_id: int | None  # evidence written for a passed result …
    level: int | None  # … at this level


def activity_iri(
    *, lesson_key: uuid.UUID | str, block_id: str, base_url: str | None = None
) -> str:
    """The IRI of an H5P activity: on this site's configured base URL unless another
    base is given (another site's IRI, in tests)."""
    base = (base_url or site_base_url()).rstrip("/")
    return f"{base}{ACTIVITY_PATH}{lesson_key}/{block_id}"


def parse_activity_iri(iri: str) -> tuple[uuid.UUID, str] | None:
    """The (lesson key, block id) an IRI of this site names; None for any other IRI
    (another host counts as another site's activity)."""
    base = site_activity_base()
    if not (iri or "").startswith(base):
        return None
    match = _IRI.match(iri[len(base) :])
    if match is None:
        return None
    try:
        return uuid.UUID(match["lesson"]), str(uuid.UUID(match["block"]))
    except ValueError:
        return None


def activities_in_lessons(iris, *, lessons: QuerySet) -> dict[str, ActivityInfo]:
    """The activities these IRIs name among `lessons` (the live lesson pages, any
    language version), in two queries, three when activities are aligned to
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
    for lesson in lessons.only("id", "translation_key", "body", "path"):
        for block_id, value in stream_blocks(lesson.body, "h5p"):
            key = (lesson.translation_key, block_id)
            if key in wanted and value.get("package"):
                matches.append((lesson, key, value))
    # The course is the lesson's parent page (any language version: same key).
    parents = {lesson.path[: -Page.steplen] for lesson, _k, _v in matches}
    course_keys = (
        dict(
            Page.objects.filter(path__in=parents).values_list("path", "translation_key")
        )
        if parents
        else {}
    )
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
                    course_key=course_keys[lesson.path[: -Page.steplen]],
                    block_id=key[1],
                    package_id=int(value["package"]),
                    required=bool(value.get("required")),
                    pass_percent=int(value.get("pass_percent") or 0),
                    competency_id=competency_ids.get(value.get("competency")),
                    level=int(value["level"]) if value.get("level") else None,
                ),
            )
    return found
