import pytest
from django.core.exceptions import ValidationError

from assessments import demo
from assessments.models import Question, Quiz
from assessments.services import quizzes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_complete():
    first = demo.seed()
    second = demo.seed()

    assert first["questions_created"] >= 120
    assert first["quizzes_created"] == 12
    assert (second["questions_created"], second["quizzes_created"]) == (0, 0)
    for key in ("frameworks", "categories", "questions", "quizzes"):
        assert first[key] == second[key]
    assert second["categories"] == 5
    # Published: learners take them at once.
    assert Quiz.objects.count() == Quiz.objects.in_use().count()
    assert Question.objects.count() == Question.objects.live().count()
    assert Question.objects.filter(competency__code__startswith="DC22-").exists()
    assert Question.objects.filter(competency__code__startswith="EG-").exists()
    assert not Question.objects.filter(text="").exists()
    assert not Question.objects.filter(text_zh="").exists()

    assert Quiz.objects.filter(kind=Quiz.Kind.GRADED).count() == 4
    posts = Quiz.objects.filter(kind=Quiz.Kind.POST_TEST).select_related("paired_with")
    assert posts.count() == 4
    for post in posts:
        assert post.paired_with.kind == Quiz.Kind.PRE_TEST
        assert post.paired_with.code == post.code.replace("POST", "PRE")
        assert post.paired_with.review_policy == Quiz.Review.NONE
        assert [r.category_id for r in post.draw_rules.all()] == [
            r.category_id for r in post.paired_with.draw_rules.all()
        ]
    graded = Quiz.objects.get(code="QZ-EGOV-GRADED")
    assert (graded.time_limit_minutes, graded.max_attempts) == (20, 3)
    assert 60 <= graded.pass_mark_percent <= 80


def test_seed_keeps_what_an_editor_changed():
    demo.seed()
    Quiz.objects.filter(code="QZ-SEC-GRADED").update(pass_mark_percent=90)
    Question.objects.filter(code="Q-EG1-001").update(text_zh="改过的题目")
    demo.seed()
    assert Quiz.objects.get(code="QZ-SEC-GRADED").pass_mark_percent == 90
    assert Question.objects.get(code="Q-EG1-001").text_zh == "改过的题目"


def test_every_demo_quiz_starts_and_draws_from_its_topic():
    demo.seed()
    learner = UserFactory()
    for quiz in Quiz.objects.all():
        try:
            attempt = quizzes.attempt_start(quiz=quiz, learner=learner)
        except ValidationError as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{quiz.code}: {exc.messages}")
        assert len(attempt.question_ids) == demo.QUESTIONS_PER_QUIZ
        drawn = set(
            Question.objects.filter(pk__in=attempt.question_ids).values_list(
                "category__code", flat=True
            )
        )
        assert drawn == {quiz.draw_rules.get().category.code}
    topic_categories = {topic.category for topic in demo.TOPICS}
    assert topic_categories == {
        "egov-service",
        "service-admin",
        "security",
        "data-literacy",
    }
