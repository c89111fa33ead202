"""Quizzes and questions under moderation: every existing one is live (the field's
default), both models join the moderation workflow pages use, and every existing
attempt gets the answer key it is graded against frozen from the current rows."""

from collections import defaultdict

from django.db import migrations

BATCH = 1000


def _page_workflow(apps):
    """The workflow the page tree uses (the one on the root page), else Wagtail's
    default "Moderators approval"; None when neither exists."""
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    assigned = (
        WorkflowPage.objects.filter(workflow__active=True)
        .order_by("page__depth", "page__path")
        .select_related("workflow")
        .first()
    )
    if assigned is not None:
        return assigned.workflow
    return Workflow.objects.filter(active=True, name="Moderators approval").first()


def workflow_assign(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    workflow = _page_workflow(apps)
    if workflow is None:
        return
    for model in ("quiz", "question"):
        content_type, _created = ContentType.objects.get_or_create(
            app_label="assessments", model=model
        )
        WorkflowContentType.objects.get_or_create(
            content_type=content_type, defaults={"workflow": workflow}
        )


def _key(question, correct):
    def text(value):
        return None if value is None else str(value)

    return {
        "type": question.type,
        "points": str(question.points),
        "partial_credit": question.partial_credit,
        "correct_option_ids": sorted(correct),
        "accepted_answers": list(question.accepted_answers or []),
        "numeric_answer": text(question.numeric_answer),
        "numeric_tolerance": str(question.numeric_tolerance),
        "competency_id": question.competency_id,
        "level": question.level,
        "revision": None,
    }


def answer_keys_freeze(apps, schema_editor):
    Attempt = apps.get_model("assessments", "Attempt")
    Question = apps.get_model("assessments", "Question")
    QuestionOption = apps.get_model("assessments", "QuestionOption")
    Quiz = apps.get_model("assessments", "Quiz")
    if not Attempt.objects.exists():
        return
    correct = defaultdict(set)
    for question_id, option_id in QuestionOption.objects.filter(
        is_correct=True
    ).values_list("question_id", "pk"):
        correct[question_id].add(option_id)
    keys = {q.pk: _key(q, correct[q.pk]) for q in Question.objects.all()}
    quizzes = {
        pk: {"revision": None, "kind": kind, "pass_mark_percent": pass_mark}
        for pk, kind, pass_mark in Quiz.objects.values_list(
            "pk", "kind", "pass_mark_percent"
        )
    }
    batch = []
    for attempt in Attempt.objects.only("pk", "quiz_id", "question_ids").iterator():
        attempt.answer_key = {
            "quiz": quizzes[attempt.quiz_id],
            "questions": {
                str(qid): keys[qid] for qid in attempt.question_ids if qid in keys
            },
        }
        batch.append(attempt)
        if len(batch) >= BATCH:
            Attempt.objects.bulk_update(batch, ["answer_key"])
            batch = []
    Attempt.objects.bulk_update(batch, ["answer_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_quiz_moderation"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(workflow_assign, migrations.RunPython.noop),
        migrations.RunPython(answer_keys_freeze, migrations.RunPython.noop),
    ]
