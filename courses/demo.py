"""Demo step for courses: the topics, the catalog and the four demo courses
(courses/demo_content/*.json) as published Wagtail pages in Chinese, each with its
English translation. Idempotent: pages that exist (by slug) are left as they are."""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from wagtail.models import Locale, Site

from assessments.models import Competency, Quiz

from .models import CourseCompetency, CourseIndexPage, CoursePage, LessonPage, Topic

CONTENT = Path(__file__).resolve().parent / "demo_content"

TOPICS = (
    ("egov-service", "E-government service operation", "政务服务运行", 1),
    ("service-admin", "Service-oriented administration", "服务型行政", 2),
    ("security", "Security awareness", "网络安全意识", 3),
    ("data-literacy", "Data literacy for decision-making", "数据素养与决策", 4),
)
# Course file key -> (page slug, quiz code prefix from assessments.demo)
COURSES = {
    "egov": ("e-government-service-operation", "QZ-EGOV"),
    "service": ("service-oriented-administration", "QZ-SADM"),
    "security": ("security-awareness", "QZ-SEC"),
    "data": ("data-literacy", "QZ-DATA"),
}
CATALOG = {
    "zh-hans": (
        "课程",
        "<p>面向县乡政务工作人员的在线课程：政务服务运行、服务型行政、网络安全意识和"
        "数据素养。完成课程可获得学时、能力证据和可验证的结业证书。</p>",
    ),
    "en": (
        "Courses",
        "<p>Online courses for county and township government staff: e-government "
        "service operation, service-oriented administration, security awareness and "
        "data literacy. Completing a course earns study hours, competency evidence "
        "and a verifiable certificate.</p>",
    ),
}


@dataclass
class CourseCounts:
    topics: int = 0
    pages: int = 0


def _body(blocks: list[dict], quiz: Quiz | None = None) -> list[dict]:
    body = []
    for block in blocks:
        if block["type"] == "heading":
            body.append(
                {"type": "heading", "value": {"text": block["value"], "size": "h2"}}
            )
        else:
            body.append({"type": block["type"], "value": block["value"]})
    if quiz is not None:
        body.append(
            {"type": "quiz", "value": {"quiz": quiz.pk, "required": True, "intro": ""}}
        )
    return body


def _publish(page):
    page.save_revision().publish()
    return page


def _catalog(home, language: str, counts: CourseCounts) -> CourseIndexPage:
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        title, intro = CATALOG[language]
        index = home.add_child(
            instance=CourseIndexPage(title=title, slug="courses", intro=intro)
        )
        _publish(index)
        counts.pages += 1
    return index


def _translate(page, english: Locale, fields: dict, counts: CourseCounts):
    translation = page.get_translation_or_none(english)
    if translation is not None:
        return translation
    translation = page.copy_for_translation(english)
    for name, value in fields.items():
        setattr(translation, name, value)
    _publish(translation)
    counts.pages += 1
    return translation


def _course(data: dict, index_zh, english, counts: CourseCounts) -> None:
    slug, quiz_prefix = COURSES[data["key"]]
    quizzes = {
        quiz.code: quiz
        for quiz in Quiz.objects.filter(code__startswith=f"{quiz_prefix}-")
    }
    graded = quizzes.get(f"{quiz_prefix}-GRADED")
    course = CoursePage.objects.child_of(index_zh).filter(slug=slug).first()
    if course is None:
        competencies = {
            c.code: c
            for c in Competency.objects.filter(
                code__in=[item["code"] for item in data["competencies"]]
            )
        }
        course = CoursePage(
            title=data["zh"]["title"],
            slug=slug,
            topic=Topic.objects.get(code=data["topic"]),
            summary=data["zh"]["summary"],
            audience=data["zh"]["audience"],
            credit_hours=Decimal(data["credit_hours"]),
            certificate_validity_months=data.get("certificate_validity_months"),
            pre_test=quizzes.get(f"{quiz_prefix}-PRE"),
            post_test=quizzes.get(f"{quiz_prefix}-POST"),
            graded_quiz=graded,
        )
        course.competencies = [
            CourseCompetency(competency=competencies[item["code"]], level=item["level"])
            for item in data["competencies"]
            if item["code"] in competencies
        ]
        index_zh.add_child(instance=course)
        _publish(course)
        counts.pages += 1
    _translate(
        course,
        english,
        {
            "title": data["en"]["title"],
            "summary": data["en"]["summary"],
            "audience": data["en"]["audience"],
        },
        counts,
    )
    last = len(data["lessons"]) - 1
    for number, lesson_data in enumerate(data["lessons"]):
        quiz = graded if number == last else None
        lesson = (
            LessonPage.objects.child_of(course).filter(slug=lesson_data["slug"]).first()
        )
        if lesson is None:
            lesson = course.add_child(
                instance=LessonPage(
                    title=lesson_data["zh"]["title"],
                    slug=lesson_data["slug"],
                    estimated_minutes=lesson_data["minutes"],
                    body=_body(lesson_data["zh"]["body"], quiz),
                )
            )
            _publish(lesson)
            counts.pages += 1
        _translate(
            lesson,
            english,
            {
                "title": lesson_data["en"]["title"],
                "body": _body(lesson_data["en"]["body"], quiz),
            },
            counts,
        )


@transaction.atomic
def seed() -> CourseCounts:
    counts = CourseCounts()
    for code, name, name_zh, order in TOPICS:
        _topic, created = Topic.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "sort_order": order}
        )
        counts.topics += int(created)
    # The site root is the Chinese home page (cms/ is above this app: no import).
    home = Site.objects.get(is_default_site=True).root_page.specific
    english = Locale.objects.get(language_code="en")
    index_zh = _catalog(home, "zh-hans", counts)
    _translate(
        index_zh,
        english,
        {"title": CATALOG["en"][0], "intro": CATALOG["en"][1]},
        counts,
    )
    for path in sorted(CONTENT.glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            _course(json.load(handle), index_zh, english, counts)
    return counts
