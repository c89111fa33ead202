"""Factories for the question bank and quizzes, and a small framework to align them to
(scale of 4 levels; area T-1 with competences T-1.1 … T-1.3; T-1.3 valid 12 months)."""

from dataclasses import dataclass
from decimal import Decimal

import factory

from assessments.models import (
    Competency,
    Framework,
    ProficiencyScale,
    Question,
    QuestionCategory,
    QuestionOption,
    Quiz,
    QuizDrawRule,
    QuizQuestion,
    ScaleLevel,
)


@dataclass
class SmallFramework:
    framework: Framework
    area: Competency
    c1: Competency
    c2: Competency
    c3: Competency


def small_framework() -> SmallFramework:
    scale = ProficiencyScale.objects.create(
        code="T-4", name="Test scale", proficient_level=3
    )
    for value in range(1, 5):
        ScaleLevel.objects.create(scale=scale, value=value, name=f"Level {value}")
    framework = Framework.objects.create(code="T", name="Test framework", scale=scale)
    area = Competency.add_root(framework=framework, code="T-1", name="Area")
    children = []
    for number, months in ((1, None), (2, None), (3, 12)):
        area.refresh_from_db()
        children.append(
            area.add_child(
                framework=framework,
                code=f"T-1.{number}",
                name=f"Competence {number}",
                validity_months=months,
            )
        )
    return SmallFramework(framework, area, *children)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    name_zh = factory.Sequence(lambda n: f"题库分类{n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-choice question with options A (right), B, C unless told otherwise.
    `competency` must be given (use small_framework())."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"Q-{n:04d}")
    category = factory.SubFactory(CategoryFactory)
    level = 1
    type = Question.Type.SINGLE
    text = factory.Sequence(lambda n: f"Question {n}?")
    text_zh = factory.Sequence(lambda n: f"第{n}题？")
    explanation = "Because."
    explanation_zh = "因为。"
    points = Decimal("1")

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        """options=[("A", True), ("B", False)]; default by type."""
        if not create:
            return
        if extracted is None:
            if self.type == Question.Type.SINGLE:
                extracted = [("A", True), ("B", False), ("C", False)]
            elif self.type == Question.Type.MULTIPLE:
                extracted = [("A", True), ("B", True), ("C", False), ("D", False)]
            elif self.type == Question.Type.TRUE_FALSE:
                extracted = [("True", True), ("False", False)]
            else:
                extracted = []
        for order, (text, correct) in enumerate(extracted):
            QuestionOption.objects.create(
                question=self,
                text=text,
                text_zh=f"选项{text}",
                is_correct=correct,
                sort_order=order,
            )


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    code = factory.Sequence(lambda n: f"QZ-{n:03d}")
    title = factory.Sequence(lambda n: f"Quiz {n}")
    title_zh = factory.Sequence(lambda n: f"测验{n}")
    kind = Quiz.Kind.GRADED
    pass_mark_percent = 60
    shuffle_questions = False
    shuffle_options = False


def add_fixed(quiz: Quiz, questions) -> None:
    for order, question in enumerate(questions):
        QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=order)


def add_rule(quiz: Quiz, *, count: int, category=None, competency=None) -> QuizDrawRule:
    return QuizDrawRule.objects.create(
        quiz=quiz, count=count, category=category, competency=competency
    )
