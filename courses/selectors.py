"""Reads over the course pages for the units below them: the H5P activities a
statement names, and the packages that published lessons use."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import get_language

from .h5p.activities import ActivityInfo, activities_in_lessons
from .models import LessonPage
from .streams import stream_blocks

USED_PACKAGES_CACHE_KEY = "courses:h5p:used-packages"


def activities_for_iris(iris) -> dict[str, ActivityInfo]:
    """The H5P activities these IRIs name in live lessons (one query, two when
    activities are aligned to competencies); IRIs that name nothing are absent."""
    return activities_in_lessons(iris, lessons=LessonPage.objects.live())


def pages_by_key(model, keys, *, queryset=None) -> dict:
    """Live pages of `model` (CoursePage, LessonPage) with these translation keys:
    one per key, the active language's version where one exists, else another
    language's (one query)."""
    language = (get_language() or "").lower()
    chosen: dict = {}
    pages = model.objects.live() if queryset is None else queryset
    for page in pages.filter(translation_key__in=keys).select_related("locale"):
        current = chosen.get(page.translation_key)
        if current is None or page.locale.language_code.lower() == language:
            chosen[page.translation_key] = page
    return chosen


def used_package_ids() -> set[int]:
    """Packages in published lessons (cached until a page is published or
    unpublished: see CoursesConfig.ready)."""
    ids = cache.get(USED_PACKAGES_CACHE_KEY)
    if ids is None:
        ids = set()
        for body in LessonPage.objects.live().values_list("body", flat=True):
            for _id, value in stream_blocks(body, "h5p"):
                if value.get("package"):
                    ids.add(int(value["package"]))
        cache.set(USED_PACKAGES_CACHE_KEY, ids, None)
    return ids


def used_package_ids_forget(**kwargs) -> None:
    cache.delete(USED_PACKAGES_CACHE_KEY)
