"""The catalog: filters, Chinese-aware search, and the learner's state per course.
The page runs a fixed number of queries whatever the number of courses. The catalog
page (courses.models.CourseIndexPage) hands over its querysets: this module never
imports the pages."""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from .hooks import learner_context
from .search import query_terms

LANGUAGE_FILTERS = [("zh-hans", "中文"), ("en", "English")]


@dataclass
class CatalogFilters:
    topic: str = ""
    competency: str = ""
    language: str = ""
    required: bool = False
    query: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(
            self.topic
            or self.competency
            or self.language
            or self.required
            or self.query
        )


def catalog_filters(params) -> CatalogFilters:
    filters = CatalogFilters(
        topic=params.get("topic", "").strip()[:40],
        competency=params.get("competency", "").strip()[:64],
        language=params.get("language", "").strip()[:10],
        required=params.get("required") == "1",
        query=" ".join(params.get("q", "").split())[:100],
    )
    if filters.language and filters.language not in dict(LANGUAGE_FILTERS):
        filters.errors.append(_("Unknown language; showing every language."))
        filters.language = ""
    return filters


FILTER_OPTIONS_CACHE_KEY = "courses:catalog-filter-options"


def catalog_filter_options(*, topics: QuerySet, competencies: QuerySet) -> dict:
    """Topics and competencies to filter by (the querysets are read only when the
    cache is empty). Cached until a page is published or unpublished or a topic
    changes (see CoursesConfig.ready)."""
    options = cache.get(FILTER_OPTIONS_CACHE_KEY)
    if options is None:
        options = {
            "topics": list(topics),
            "competency_choices": list(competencies.order_by("code")),
        }
        cache.set(FILTER_OPTIONS_CACHE_KEY, options, None)
    return options


def catalog_filter_options_forget(**kwargs) -> None:
    cache.delete(FILTER_OPTIONS_CACHE_KEY)


def search_match(index: Page, searchable: QuerySet, query: str) -> Q:
    """A filter for courses whose own text or any of whose lessons' text holds every
    term of the query (one search query over `searchable`, the catalog's live course
    and lesson pages)."""
    terms = query_terms(query)
    if not terms:
        return Q(pk__in=[])
    try:
        hits = list(searchable.search(terms, operator="and"))
    except DatabaseError:  # a query the engine cannot parse finds nothing
        return Q(pk__in=[])
    course_depth = index.depth + 1
    course_ids = [page.pk for page in hits if page.depth == course_depth]
    parent_paths = {
        page.path[: -Page.steplen] for page in hits if page.depth > course_depth
    }
    return Q(pk__in=course_ids) | Q(path__in=parent_paths)


def catalog_context(
    request,
    index: Page,
    *,
    courses: QuerySet,
    searchable: QuerySet,
    topics: QuerySet,
    competencies: QuerySet,
) -> dict:
    """The catalog page's context. `courses`: its published courses (with topic and
    competencies loaded); `searchable`: its live course and lesson pages;
    `topics` and `competencies`: what may be filtered by."""
    filters = catalog_filters(request.GET)
    learner = learner_context("catalog", request, index)
    required_keys = learner.get("required_keys")
    states = learner.get("course_states", {})

    courses = courses.annotate(
        **{
            f"in_{code.replace('-', '_')}": Exists(
                Page.objects.filter(
                    translation_key=OuterRef("translation_key"),
                    live=True,
                    locale__language_code=code,
                )
            )
            for code, _name in LANGUAGE_FILTERS
        }
    ).order_by("topic__sort_order", "path")
    if filters.topic:
        courses = courses.filter(topic__code=filters.topic)
    if filters.competency:
        courses = courses.filter(competencies__competency__code=filters.competency)
    if filters.language:
        courses = courses.filter(
            translation_key__in=Page.objects.filter(
                live=True, locale__language_code=filters.language
            ).values("translation_key")
        )
    if filters.required:
        courses = courses.filter(translation_key__in=list(required_keys or ()))
    if filters.query:
        courses = courses.filter(search_match(index, searchable, filters.query))
    courses = list(courses.distinct())
    rows = [
        {
            "course": course,
            "languages": [
                code
                for code, _name in LANGUAGE_FILTERS
                if getattr(course, f"in_{code.replace('-', '_')}")
            ],
            "state": states.get(course.translation_key),
            "required": bool(required_keys and course.translation_key in required_keys),
        }
        for course in courses
    ]
    return {
        "filters": filters,
        "rows": rows,
        **catalog_filter_options(topics=topics, competencies=competencies),
        "language_choices": LANGUAGE_FILTERS,
        "can_filter_required": required_keys is not None,
    }
