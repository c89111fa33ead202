"""A small published course tree in both languages for the course tests: the
catalog, one course (two competencies, a graded final quiz) with a reading lesson
and a lesson whose required quiz is the final quiz."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from wagtail.models import Locale, Site

from assessments.models import Question, Quiz
from assessments.services import quizzes
from cms.services import home_page_ensure
from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.services import h5p_package_store
from courses.models import (
    CourseCompetency,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    Topic,
)
from learning.journey.selectors import lesson_view_issue
from learning.journey.services import enrollment_for, lesson_heartbeat, lesson_open
from tests.assessments.quiz_factories import (
    QuestionFactory,
    QuizFactory,
    SmallFramework,
    add_fixed,
    small_framework,
)

READING_ZH = (
    "<p>窗口人员受理申请前，应当对照办事指南逐项核对材料，一次性告知需要补正的内容。"
    "电子证照可以替代纸质材料，减少群众跑腿。</p>"
)
READING_EN = (
    "<p>Before accepting an application, check the materials against the service "
    "guide item by item and say at once everything that is missing.</p>"
)


@dataclass
class CourseTree:
    framework: SmallFramework
    topic: Topic
    index_zh: CourseIndexPage
    index_en: CourseIndexPage
    course: CoursePage
    course_en: CoursePage
    reading: LessonPage
    quiz_lesson: LessonPage
    reading_en: LessonPage
    quiz: Quiz


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def translate(page, **fields):
    english = Locale.objects.get(language_code="en")
    translation = page.copy_for_translation(english)
    for name, value in fields.items():
        setattr(translation, name, value)
    return publish(translation)


def english_home():
    home = home_page_ensure()
    english = Locale.objects.get(language_code="en")
    translation = home.get_translation_or_none(english)
    if translation is None:
        translation = translate(home, title="Home")
    return home, translation


def catalog():
    home, home_en = english_home()
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = publish(
            home.add_child(instance=CourseIndexPage(title="课程", slug="courses"))
        )
    index_en = index.get_translation_or_none(Locale.objects.get(language_code="en"))
    if index_en is None:
        index_en = translate(index, title="Courses")
    return index, index_en


def graded_quiz(fw: SmallFramework, *, code: str = "QZ-COURSE") -> Quiz:
    quiz = QuizFactory(code=code, kind=Quiz.Kind.GRADED, pass_mark_percent=50)
    add_fixed(
        quiz, [QuestionFactory(competency=fw.c1), QuestionFactory(competency=fw.c2)]
    )
    return quiz


def course_in(
    index: CourseIndexPage,
    *,
    slug: str,
    title: str,
    topic: Topic,
    fw: SmallFramework,
    quiz: Quiz | None = None,
    validity: int | None = None,
    reading_body: str = READING_ZH,
) -> tuple[CoursePage, LessonPage, LessonPage | None]:
    course = CoursePage(
        title=title,
        slug=slug,
        topic=topic,
        summary=f"{title} summary",
        credit_hours=Decimal("2.5"),
        certificate_validity_months=validity,
        graded_quiz=quiz,
    )
    course.competencies = [
        CourseCompetency(competency=fw.c1, level=2),
        CourseCompetency(competency=fw.c2, level=1),
    ]
    index.add_child(instance=course)
    publish(course)
    reading = course.add_child(
        instance=LessonPage(
            title="材料审核",
            slug="materials",
            minimum_active_minutes=2,
            body=[{"type": "paragraph", "value": reading_body}],
        )
    )
    publish(reading)
    quiz_lesson = None
    if quiz is not None:
        quiz_lesson = course.add_child(
            instance=LessonPage(
                title="结业测验",
                slug="final",
                body=[
                    {"type": "heading", "value": {"text": "测验", "size": "h2"}},
                    {"type": "quiz", "value": {"quiz": quiz.pk, "required": True}},
                ],
            )
        )
        publish(quiz_lesson)
    return course, reading, quiz_lesson


def course_tree() -> CourseTree:
    fw = small_framework()
    topic, _created = Topic.objects.get_or_create(
        code="egov-service", defaults={"name": "E-government", "name_zh": "政务服务"}
    )
    index, index_en = catalog()
    quiz = graded_quiz(fw)
    course, reading, quiz_lesson = course_in(
        index, slug="one-trip", title="一次办好", topic=topic, fw=fw, quiz=quiz
    )
    course_en = translate(course, title="One trip at most", summary="One trip summary")
    reading_en = translate(
        reading,
        title="Checking materials",
        body=[{"type": "paragraph", "value": READING_EN}],
    )
    translate(quiz_lesson, title="Final quiz")
    assert Site.objects.get(is_default_site=True).root_page_id == index.get_parent().pk
    return CourseTree(
        fw,
        topic,
        index,
        index_en,
        course,
        course_en,
        reading,
        quiz_lesson,
        reading_en,
        quiz,
    )


# The session the service-level readers read in (the page view's proof names it).
SESSION = "test-session"


def lesson_view(learner, lesson, *, now, session_key: str = SESSION) -> str:
    """The proof the lesson page carries that the server rendered it at `now`."""
    return lesson_view_issue(
        learner_id=learner.pk,
        lesson_key=lesson.translation_key,
        session_key=session_key,
        now=now,
    )


def read_lesson(learner, lesson, minutes: int, *, start):
    """Open the lesson and send a beat every 30 s of active time for `minutes`."""
    enrollment = enrollment_for(
        learner=learner, course_key=lesson.get_parent().translation_key
    )
    view = lesson_view(learner, lesson, now=start)
    lesson_open(enrollment=enrollment, lesson=lesson, now=start)
    for beat in range(1, minutes * 2 + 1):
        lesson_heartbeat(
            learner=learner,
            lesson=lesson,
            seconds=30,
            view=view,
            session_key=SESSION,
            now=start + datetime.timedelta(seconds=30 * beat),
        )


def pass_quiz(quiz: Quiz, learner, *, right: bool = True):
    """Sit the quiz through the real services, answering every question right (or
    wrong)."""
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner)
    answers = {}
    for question in Question.objects.filter(pk__in=attempt.question_ids):
        options = [o.pk for o in question.options.all() if o.is_correct == right]
        answers[question.pk] = {"option_ids": options[:1] if not right else options}
    return quizzes.attempt_submit(attempt=attempt, learner=learner, answers=answers)


def h5p_activity_add(lesson: LessonPage, *, block_id: str, **value) -> LessonPage:
    """Add an H5P activity (the platform's CivicCheck, stored as an uploaded package)
    to a lesson and publish it; returns the lesson as published."""
    package, _new = h5p_package_store(
        upload=ContentFile(
            civiccheck_package(
                title="受理材料",
                language="zh-hans",
                question="申请人缺少一份材料时，应当怎么做？",
                options=["一次性告知需要补正的全部材料", "请申请人回去补齐后重新排队"],
                correct=0,
            ),
            name="check.h5p",
        )
    )
    page = LessonPage.objects.get(pk=lesson.pk)
    page.body = [
        *page.body.raw_data,
        {"type": "h5p", "id": block_id, "value": {"package": package.pk, **value}},
    ]
    return publish(page)
