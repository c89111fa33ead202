"""The assessments step of `seed_demo`: the shipped frameworks, the demo question bank
(assessments/data/demo_questions.json) and, per demo course topic, a graded quiz and a
pre-test/post-test pair. Idempotent: rows are matched by code, existing ones are left
as they are (an editor may have changed them). Attempt history is another step."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .models import (
    Competency,
    Question,
    QuestionCategory,
    QuestionOption,
    Quiz,
    QuizDrawRule,
)
from .services.frameworks import framework_load_defaults

DEMO_QUESTIONS = Path(__file__).resolve().parent / "data" / "demo_questions.json"

CATEGORIES = (
    ("egov-service", "E-government service operation", "政务服务运行"),
    ("service-admin", "Service-oriented administration", "服务型行政"),
    ("security", "Security awareness", "安全意识"),
    ("data-literacy", "Data literacy", "数据素养"),
    ("digital-basics", "Digital basics", "数字基础"),
)


@dataclass(frozen=True)
class Topic:
    key: str
    category: str
    title: str
    title_zh: str
    pass_mark: int


TOPICS = (
    Topic("EGOV", "egov-service", "E-government service operation", "政务服务运行", 70),
    Topic("SADM", "service-admin", "Service-oriented administration", "服务型行政", 70),
    # Security practice is where a mistake costs most: a higher bar.
    Topic("SEC", "security", "Security awareness", "网络安全意识", 80),
    Topic("DATA", "data-literacy", "Data literacy for decision-making", "数据素养", 60),
)
QUESTIONS_PER_QUIZ = 10
TIME_LIMIT_MINUTES = 20


def _categories() -> dict[str, QuestionCategory]:
    categories = {}
    for code, name, name_zh in CATEGORIES:
        categories[code], _created = QuestionCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh}
        )
    return categories


def _questions(categories: dict[str, QuestionCategory]) -> int:
    with DEMO_QUESTIONS.open(encoding="utf-8") as handle:
        items = json.load(handle)
    known = set(
        Question.objects.filter(code__in=[i["code"] for i in items]).values_list(
            "code", flat=True
        )
    )
    new = [item for item in items if item["code"] not in known]
    if not new:
        return 0
    competencies = {
        c.code: c
        for c in Competency.objects.filter(code__in={i["competency"] for i in new})
    }
    questions = []
    for item in new:
        numeric = item.get("numeric") or {}
        question = Question(
            code=item["code"],
            category=categories[item["category"]],
            competency=competencies[item["competency"]],
            level=item["level"],
            type=item["type"],
            text=item["text"],
            text_zh=item["text_zh"],
            explanation=item["explanation"],
            explanation_zh=item["explanation_zh"],
            accepted_answers=item.get("accepted", []),
            numeric_answer=(
                Decimal(str(numeric["value"])) if "value" in numeric else None
            ),
            numeric_tolerance=Decimal(str(numeric.get("tolerance", 0))),
        )
        question.full_clean(exclude=["category", "competency"], validate_unique=False)
        questions.append(question)
    Question.objects.bulk_create(questions)
    options = [
        QuestionOption(
            question=question,
            text=option["text"],
            text_zh=option["text_zh"],
            is_correct=option["correct"],
            sort_order=order,
        )
        for question, item in zip(questions, new, strict=True)
        for order, option in enumerate(item.get("options", []))
    ]
    QuestionOption.objects.bulk_create(options)
    return len(questions)


def _quiz(*, code: str, category: QuestionCategory, **fields) -> tuple[Quiz, bool]:
    quiz, created = Quiz.objects.get_or_create(code=code, defaults=fields)
    if created:
        QuizDrawRule.objects.create(
            quiz=quiz, category=category, count=QUESTIONS_PER_QUIZ
        )
    return quiz, created


def _quizzes(categories: dict[str, QuestionCategory]) -> int:
    created = 0
    for topic in TOPICS:
        category = categories[topic.category]
        common = {
            "time_limit_minutes": TIME_LIMIT_MINUTES,
            "shuffle_questions": True,
            "shuffle_options": True,
        }
        _graded, new = _quiz(
            code=f"QZ-{topic.key}-GRADED",
            category=category,
            title=f"{topic.title}: graded quiz",
            title_zh=f"{topic.title_zh}结业测验",
            description=(
                f"{QUESTIONS_PER_QUIZ} questions drawn from the course's question "
                f"bank; {TIME_LIMIT_MINUTES} minutes; pass mark {topic.pass_mark} %."
            ),
            description_zh=(
                f"从课程题库随机抽取 {QUESTIONS_PER_QUIZ} 题，限时 "
                f"{TIME_LIMIT_MINUTES} 分钟，{topic.pass_mark} 分及格。"
            ),
            kind=Quiz.Kind.GRADED,
            max_attempts=3,
            pass_mark_percent=topic.pass_mark,
            review_policy=Quiz.Review.FULL,
            **common,
        )
        created += new
        pre, new = _quiz(
            code=f"QZ-{topic.key}-PRE",
            category=category,
            title=f"{topic.title}: pre-test",
            title_zh=f"{topic.title_zh}课前测",
            description="What you know before the course; it does not count.",
            description_zh="了解学习前的基础，不计入成绩。",
            kind=Quiz.Kind.PRE_TEST,
            max_attempts=1,
            pass_mark_percent=topic.pass_mark,
            # Showing the answers would teach the post-test.
            review_policy=Quiz.Review.NONE,
            **common,
        )
        created += new
        post, new = _quiz(
            code=f"QZ-{topic.key}-POST",
            category=category,
            title=f"{topic.title}: post-test",
            title_zh=f"{topic.title_zh}课后测",
            description="The same ground as the pre-test, after the course.",
            description_zh="与课前测范围相同，在学习之后进行。",
            kind=Quiz.Kind.POST_TEST,
            max_attempts=2,
            pass_mark_percent=topic.pass_mark,
            review_policy=Quiz.Review.FULL,
            paired_with=pre,
            **common,
        )
        created += new
        if (
            post.paired_with_id is None
            and not Quiz.objects.filter(paired_with=pre).exists()
        ):
            post.paired_with = pre
            post.save(update_fields=["paired_with"])
    return created


@transaction.atomic
def seed() -> dict[str, int]:
    """Load the frameworks, demo categories, questions and quizzes; return counts
    (`*_created` for this run, the rest totals)."""
    frameworks = framework_load_defaults()
    categories = _categories()
    questions_created = _questions(categories)
    quizzes_created = _quizzes(categories)
    return {
        "frameworks": len(frameworks),
        "categories": QuestionCategory.objects.count(),
        "questions_created": questions_created,
        "questions": Question.objects.count(),
        "quizzes_created": quizzes_created,
        "quizzes": Quiz.objects.count(),
    }
