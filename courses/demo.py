"""Demo step for courses: the topics, the catalog and the four demo courses
(courses/demo_content/*.json) as published Wagtail pages in Chinese, each with its
English translation. Idempotent: pages that exist (by slug) are left as they are."""

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.models import Locale, Site

from assessments.models import Competency, Quiz

from .h5p.civiccheck import civiccheck_package
from .h5p.services import h5p_package_store
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


# One short H5P check per course, in the first lesson, in both languages: (question,
# options, index of the right option) per language, and the competency it shows.
CHECKS = {
    "egov": (
        "EG-1.2",
        {
            "zh": (
                "申请人缺少一份材料时，窗口人员应当怎么做？",
                [
                    "一次性告知需要补正的全部材料，并出具书面告知",
                    "请申请人回去补齐后重新取号排队",
                    "先收下材料，等审批时再通知缺什么",
                    "只口头说明发现的第一项问题",
                ],
                0,
            ),
            "en": (
                "An applicant is missing one document. What should the window officer "
                "do?",
                [
                    "Tell them at once everything that must be added, in a written "
                    "notice",
                    "Ask them to come back with it and queue again",
                    "Take the file and tell them later what is missing",
                    "Mention only the first problem found",
                ],
                0,
            ),
        },
    ),
    "service": (
        "EG-2.2",
        {
            "zh": (
                "哪一句办事指南的写法最符合简明语言要求？",
                [
                    "请携带身份证原件和户口簿到一楼3号窗口办理。",
                    "申请人须依据相关规定提交法定要件材料。",
                    "具体事项请咨询有关部门。",
                    "材料齐全后按程序办理。",
                ],
                0,
            ),
            "en": (
                "Which line of a service guide best follows plain language?",
                [
                    "Bring your ID card and household register to window 3 on the "
                    "ground floor.",
                    "Applicants shall submit the statutory materials under the "
                    "relevant rules.",
                    "For details please consult the departments concerned.",
                    "Once materials are complete the case is handled by procedure.",
                ],
                0,
            ),
        },
    ),
    "security": (
        "EG-4.1",
        {
            "zh": (
                "收到自称“省里”的邮件，要求今天下班前点击链接重新验证OA账号，首先应当？",
                [
                    "不点链接，按通讯录上的官方电话向发件单位核实",
                    "点击链接但不输入密码",
                    "转发给同事问问是否也收到了",
                    "按邮件里留的电话打过去确认",
                ],
                0,
            ),
            "en": (
                "An e-mail 'from the province' asks you to re-verify your OA account "
                "by a link before 17:00 today. What do you do first?",
                [
                    "Do not click; call the sender's office on the number in the "
                    "official directory",
                    "Click the link but do not type the password",
                    "Forward it to colleagues to ask if they got it too",
                    "Call the phone number given in the e-mail",
                ],
                0,
            ),
        },
    ),
    "data": (
        "EG-3.2",
        {
            "zh": (
                "比较两个乡镇本季度的办件量之前，首先应当检查什么？",
                [
                    "两边的统计口径是否一致（时间段、办件的定义）",
                    "哪个乡镇的人口更多",
                    "图表用什么颜色",
                    "去年同期谁排名靠前",
                ],
                0,
            ),
            "en": (
                "Before comparing two townships' case numbers this quarter, what do "
                "you check first?",
                [
                    "That both count the same way (period, what counts as a case)",
                    "Which township has more people",
                    "Which colours the chart uses",
                    "Who ranked higher last year",
                ],
                0,
            ),
        },
    ),
}
CHECK_FEEDBACK = {
    "zh": ("回答正确。", "还不对，再想想：群众最需要的是什么？"),
    "en": ("Right.", "Not quite. Think about what the applicant needs most."),
}


@dataclass
class CourseCounts:
    topics: int = 0
    pages: int = 0
    activities: int = 0


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


def _check_block(data: dict, language: str) -> dict:
    """The first lesson's H5P block in one language: the same block id in both
    languages, so that a result counts whichever version was played."""
    code, texts = CHECKS[data["key"]]
    question, options, correct = texts[language]
    package, _created = h5p_package_store(
        upload=ContentFile(
            civiccheck_package(
                title=question[:120],
                language="zh-hans" if language == "zh" else "en",
                question=question,
                options=options,
                correct=correct,
                feedback_right=CHECK_FEEDBACK[language][0],
                feedback_wrong=CHECK_FEEDBACK[language][1],
            ),
            name=f"{data['key']}-{language}.h5p",
        )
    )
    block_id = str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"civicskills:demo:{data['key']}:check")
    )
    return {
        "type": "h5p",
        "id": block_id,
        "value": {
            "package": package.pk,
            "required": True,
            "pass_percent": 100,
            "competency": code,
            "level": 2,
        },
    }


def _activities(data: dict, index_zh, english, counts: CourseCounts) -> None:
    """Add the H5P check to the first lesson in both languages (also to lessons
    seeded before activities existed)."""
    slug, _prefix = COURSES[data["key"]]
    course = CoursePage.objects.child_of(index_zh).filter(slug=slug).first()
    first = (
        LessonPage.objects.child_of(course).order_by("path").first() if course else None
    )
    if first is None:
        return
    for page, language in (
        (first, "zh"),
        (first.get_translation_or_none(english), "en"),
    ):
        if page is None or any(b.get("type") == "h5p" for b in page.body.raw_data):
            continue
        page.body = [*page.body.raw_data, _check_block(data, language)]
        _publish(page)
        counts.activities += 1


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
            data = json.load(handle)
        _course(data, index_zh, english, counts)
        _activities(data, index_zh, english, counts)
    return counts
