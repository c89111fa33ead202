"""Quizzes and questions under moderation: an editor's saved draft (a pass mark of 0,
a changed answer key) changes nothing for learners until a moderator publishes it
through the workflow pages use; an attempt is graded against the version it started
on; past attempts keep their grade; an editor cannot publish; every publication is
in the audit log. Driven through the real back-office views and permissions."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Workflow
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from assessments import question_bank as question_io
from assessments.models import Attempt, Question, Quiz
from assessments.services import quizzes
from audit.models import AuditEntry
from tests.assessments.quiz_factories import (
    CategoryFactory,
    QuestionFactory,
    QuizFactory,
    add_fixed,
    small_framework,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _admin_client(group: str) -> tuple[Client, object]:
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client, user


@pytest.fixture
def editor():
    return _admin_client("Editors")


@pytest.fixture
def moderator():
    return _admin_client("Moderators")


@pytest.fixture
def fw():
    return small_framework()


@pytest.fixture
def quiz(fw):
    """A graded quiz (pass mark 60) of two single-choice questions, A right."""
    quiz = QuizFactory(pass_mark_percent=60, max_attempts=0)
    add_fixed(quiz, [QuestionFactory(competency=fw.c1) for _ in range(2)])
    return quiz


def _without_false(data: dict) -> dict:
    # An unticked checkbox is not posted at all.
    return {key: value for key, value in data.items() if value is not False}


def quiz_form(quiz: Quiz, **changes) -> dict:
    fixed = list(quiz.fixed_questions.order_by("sort_order", "pk"))
    fields = {
        "code": quiz.code,
        "kind": quiz.kind,
        "title_zh": quiz.title_zh,
        "title": quiz.title,
        "description_zh": quiz.description_zh,
        "description": quiz.description,
        "time_limit_minutes": quiz.time_limit_minutes or "",
        "max_attempts": quiz.max_attempts,
        "pass_mark_percent": quiz.pass_mark_percent,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_options": quiz.shuffle_options,
        "review_policy": quiz.review_policy,
        "paired_with": quiz.paired_with_id or "",
        "is_active": quiz.is_active,
        **changes,
    }
    return nested_form_data(
        {
            **_without_false(fields),
            "fixed_questions": inline_formset(
                [
                    {"id": row.pk, "question": row.question_id, "sort_order": n}
                    for n, row in enumerate(fixed)
                ],
                initial=len(fixed),
            ),
            "draw_rules": inline_formset([]),
        }
    )


def question_form(question: Question, *, right: str) -> dict:
    """The question's form with option `right` ("A", "B" …) the only right one."""
    options = list(question.options.order_by("sort_order", "pk"))
    fields = {
        "code": question.code,
        "category": question.category_id,
        "competency": question.competency_id,
        "level": question.level,
        "type": question.type,
        "text_zh": question.text_zh,
        "text": question.text,
        "accepted_answers": "[]",
        "numeric_answer": "",
        "numeric_tolerance": "0",
        "partial_credit": question.partial_credit,
        "points": str(question.points),
        "is_active": question.is_active,
        "explanation_zh": question.explanation_zh,
        "explanation": question.explanation,
    }
    return nested_form_data(
        {
            **_without_false(fields),
            "options": inline_formset(
                [
                    _without_false(
                        {
                            "id": option.pk,
                            "text": option.text,
                            "text_zh": option.text_zh,
                            "is_correct": option.text == right,
                            "sort_order": option.sort_order,
                        }
                    )
                    for option in options
                ],
                initial=len(options),
            ),
        }
    )


def edit_url(obj) -> str:
    name = obj._meta.model_name
    return reverse(f"wagtailsnippets_assessments_{name}:edit", args=[obj.pk])


def post_edit(client: Client, obj, data: dict, action: str | None = None):
    if action:
        data = {**data, f"action-{action}": action}
    response = client.post(edit_url(obj), data)
    assert response.status_code == 302, _form_errors(response)
    return response


def _form_errors(response) -> str:
    form = getattr(response, "context", None) and response.context.get("form")
    if form is None:
        return f"{response.status_code}"
    formsets = {name: fs.errors for name, fs in getattr(form, "formsets", {}).items()}
    return f"{response.status_code} {form.errors} {formsets}"


def approve(client: Client, obj):
    """A moderator approves the workflow task in the back office."""
    obj.refresh_from_db()
    task_state = obj.current_workflow_task_state
    url = reverse(
        f"wagtailsnippets_assessments_{obj._meta.model_name}:workflow_action",
        args=[obj.pk, "approve", task_state.pk],
    )
    return client.post(url, {"comment": ""})


def answer_all(attempt: Attempt, learner, option_text: str) -> Attempt:
    """Submit choosing the option labelled `option_text` in every question."""
    answers = {}
    for question in Question.objects.filter(pk__in=attempt.question_ids):
        option = question.options.get(text=option_text)
        answers[str(question.pk)] = {"option_ids": [option.pk]}
    return quizzes.attempt_submit(attempt=attempt, learner=learner, answers=answers)


def start(quiz: Quiz, learner) -> Attempt:
    return quizzes.attempt_start(quiz=Quiz.objects.get(pk=quiz.pk), learner=learner)


def publications(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=f"{obj._meta.label_lower}.publish", object_id=str(obj.pk)
        ).order_by("pk")
    )


# Quizzes and questions join the page workflow -----------------------------------------


def test_quizzes_and_questions_use_the_workflow_pages_use(quiz):
    page_workflow = Page.objects.get(depth=1).get_workflow()
    assert isinstance(page_workflow, Workflow)
    assert quiz.get_workflow() == page_workflow
    assert quiz.fixed_questions.first().question.get_workflow() == page_workflow


# The pass mark ----------------------------------------------------------------------


def test_a_pass_mark_of_0_reaches_learners_only_when_a_moderator_publishes_it(
    quiz, editor, moderator
):
    editor_client, _editor = editor
    moderator_client, moderator_user = moderator
    early, late = UserFactory(), UserFactory()
    failed_before = answer_all(start(quiz, early), early, "B")
    assert failed_before.passed is False
    open_before = start(quiz, early)  # in progress while the change is published

    # The editor saves a draft with a pass mark of 0, tries to publish it, then
    # submits it for moderation: learners still need 60 %.
    post_edit(editor_client, quiz, quiz_form(quiz, pass_mark_percent=0))
    post_edit(editor_client, quiz, quiz_form(quiz, pass_mark_percent=0), "publish")
    quiz.refresh_from_db()
    assert quiz.pass_mark_percent == 60 and quiz.has_unpublished_changes
    assert quiz.live_revision_id is None
    assert answer_all(start(quiz, late), late, "B").passed is False
    post_edit(editor_client, quiz, quiz_form(quiz, pass_mark_percent=0), "submit")
    quiz.refresh_from_db()
    assert quiz.workflow_in_progress
    assert quiz.pass_mark_percent == 60
    assert publications(quiz) == []

    # The editor may not approve it either (the back office turns the refusal into a
    # redirect to its home page with an error).
    assert approve(editor_client, quiz).url == reverse("wagtailadmin_home")
    quiz.refresh_from_db()
    assert quiz.pass_mark_percent == 60 and quiz.workflow_in_progress

    assert approve(moderator_client, quiz).status_code == 302
    quiz.refresh_from_db()
    assert quiz.pass_mark_percent == 0
    assert quiz.live and not quiz.has_unpublished_changes
    assert not quiz.workflow_in_progress

    # Past attempts keep their grade; the one started before is graded by 60 %; a
    # new one by 0 %.
    failed_before.refresh_from_db()
    assert failed_before.passed is False
    assert answer_all(open_before, early, "B").passed is False
    fresh = start(quiz, late)
    assert fresh.quiz_revision_id == quiz.live_revision_id
    assert answer_all(fresh, late, "B").passed is True

    [entry] = publications(quiz)
    assert entry.actor_id == moderator_user.pk
    assert entry.changes["pass_mark_percent"] == [60, 0]
    assert entry.changes["revision"] == [None, quiz.live_revision_id]


def test_the_result_page_shows_the_pass_mark_the_attempt_was_graded_by(
    client, quiz, moderator
):
    moderator_client, _user = moderator
    learner = UserFactory()
    client.force_login(learner)
    attempt = answer_all(start(quiz, learner), learner, "B")
    post_edit(moderator_client, quiz, quiz_form(quiz, pass_mark_percent=40), "publish")
    body = client.get(
        reverse("assessments:attempt_result", args=[attempt.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Pass mark 60 %" in body


# Answer keys ------------------------------------------------------------------------


def test_a_changed_answer_key_grades_only_attempts_started_after_publication(
    client, quiz, editor, moderator
):
    editor_client, _editor = editor
    moderator_client, moderator_user = moderator
    question = quiz.fixed_questions.order_by("sort_order").first().question
    learner, other = UserFactory(), UserFactory()
    past = answer_all(start(quiz, learner), learner, "A")
    assert past.passed is True and past.percent == 100

    # Draft: B is now the right answer. Learners are still graded with A.
    post_edit(editor_client, question, question_form(question, right="B"))
    question.refresh_from_db()
    assert question.options.get(text="A").is_correct
    assert question.has_unpublished_changes
    assert answer_all(start(quiz, other), other, "A").percent == 100
    in_progress = start(quiz, learner)

    post_edit(moderator_client, question, question_form(question, right="B"), "publish")
    question.refresh_from_db()
    assert question.options.get(text="B").is_correct
    assert not question.options.get(text="A").is_correct

    # Started before the publication: graded against A, as its own version says.
    assert answer_all(in_progress, learner, "A").percent == 100
    # Started after: B is right for that question, A for the other one.
    after = start(quiz, other)
    assert answer_all(after, other, "A").percent == 50
    # The past attempt keeps its score and answers, and its review still shows the
    # answer it was graded against.
    past.refresh_from_db()
    assert past.percent == 100 and past.passed is True
    assert all(answer.is_correct for answer in past.answers.all())
    client.force_login(learner)
    review = client.get(reverse("assessments:attempt_result", args=[past.pk])).context[
        "review"
    ]
    reviewed = next(q for q in review.questions if q.id == question.pk)
    assert [o.display_text for o in reviewed.options if o.is_correct] == ["选项A"]

    [entry] = publications(question)
    assert entry.actor_id == moderator_user.pk
    before, after_options = entry.changes["options"]
    assert [o["is_correct"] for o in before] == [True, False, False]
    assert [o["is_correct"] for o in after_options] == [False, True, False]


def test_an_editor_without_publish_permission_cannot_publish_a_question(quiz, editor):
    editor_client, editor_user = editor
    question = quiz.fixed_questions.first().question
    assert not editor_user.has_perm("assessments.publish_question")
    post_edit(editor_client, question, question_form(question, right="C"), "publish")
    question.refresh_from_db()
    assert question.options.get(text="A").is_correct
    assert question.live_revision_id is None and question.has_unpublished_changes
    assert publications(question) == []
    # Nor unpublish it (learners would lose the question).
    response = editor_client.post(
        reverse("wagtailsnippets_assessments_question:unpublish", args=[question.pk])
    )
    assert response.url == reverse("wagtailadmin_home")
    question.refresh_from_db()
    assert question.live


# Drafts that were never published ---------------------------------------------------


def test_a_quiz_created_as_a_draft_is_invisible_to_learners(client, fw, editor):
    editor_client, _editor = editor
    question = QuestionFactory(competency=fw.c1)
    draft = Quiz(code="QZ-DRAFT", title="Draft quiz", kind=Quiz.Kind.GRADED)
    data = quiz_form(draft)
    data.update(
        nested_form_data(
            {
                "fixed_questions": inline_formset(
                    [{"question": question.pk, "sort_order": 0}]
                )
            }
        )
    )
    response = editor_client.post(reverse("wagtailsnippets_assessments_quiz:add"), data)
    assert response.status_code == 302, _form_errors(response)
    draft = Quiz.objects.get(code="QZ-DRAFT")
    assert not draft.live

    learner = UserFactory()
    client.force_login(learner)
    assert draft not in client.get(reverse("assessments:quiz_list")).context.get(
        "groups", []
    )
    body = client.get(reverse("assessments:quiz_list")).content.decode()
    assert "Draft quiz" not in body
    assert (
        client.get(reverse("assessments:quiz_detail", args=[draft.code])).status_code
        == 404
    )
    assert (
        client.post(reverse("assessments:quiz_start", args=[draft.code])).status_code
        == 404
    )
    assert not Attempt.objects.filter(quiz=draft).exists()


def test_a_question_never_published_is_not_drawn(fw, quiz):
    draft = QuestionFactory(competency=fw.c1, live=False)
    add_fixed(quiz, [draft])
    attempt = start(quiz, UserFactory())
    assert draft.pk not in attempt.question_ids
    assert len(attempt.question_ids) == 2


# Existing rows ----------------------------------------------------------------------


def test_the_migration_freezes_the_answer_keys_of_existing_attempts(quiz):
    learner = UserFactory()
    attempt = start(quiz, learner)
    frozen = attempt.answer_key
    Attempt.objects.filter(pk=attempt.pk).update(answer_key={})
    migration = importlib.import_module(
        "assessments.migrations.0004_quiz_moderation_data"
    )
    migration.answer_keys_freeze(apps, connection.schema_editor())
    attempt.refresh_from_db()
    assert attempt.answer_key == frozen


# Query counts -----------------------------------------------------------------------


def _page_queries(client: Client, fw, count: int) -> tuple[int, int]:
    quiz = QuizFactory(review_policy=Quiz.Review.FULL)
    add_fixed(quiz, [QuestionFactory(competency=fw.c1) for _ in range(count)])
    learner = UserFactory()
    client.force_login(learner)
    attempt = start(quiz, learner)
    with CaptureQueriesContext(connection) as taking:
        assert (
            client.get(reverse("assessments:attempt", args=[attempt.pk])).status_code
            == 200
        )
    answer_all(attempt, learner, "A")
    with CaptureQueriesContext(connection) as result:
        assert (
            client.get(
                reverse("assessments:attempt_result", args=[attempt.pk])
            ).status_code
            == 200
        )
    return len(taking), len(result)


def test_learner_quiz_pages_do_not_query_per_question(client, fw):
    assert _page_queries(client, fw, 2) == _page_queries(client, fw, 8)


# The question bank import -------------------------------------------------------------


def _bank_file(code: str, *, correct: str) -> SimpleUploadedFile:
    from tests.assessments.test_question_io import row, xlsx

    CategoryFactory(code="egov-service")
    data = xlsx([row(code=code, competency="T-1.1", level=1, correct=correct)])
    return SimpleUploadedFile("bank.xlsx", data)


def test_an_editor_import_changes_answer_keys_only_as_drafts_in_moderation(fw, editor):
    editor_client, editor_user = editor
    question_io.question_bank_import(file=_bank_file("IMP-1", correct="1").read())
    question = Question.objects.get(code="IMP-1")
    assert question.live and question.options.get(sort_order=0).is_correct
    quiz = QuizFactory()
    add_fixed(quiz, [question])

    response = editor_client.post(
        reverse("competence_io:question_import"),
        {"file": _bank_file("IMP-1", correct="2")},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.options.get(sort_order=0).is_correct  # learners: unchanged
    assert not question.options.get(sort_order=1).is_correct
    assert question.has_unpublished_changes and question.workflow_in_progress
    assert publications(question)[-1].changes["revision"][0] is None  # the first
    learner = UserFactory()
    assert answer_all(start(quiz, learner), learner, "A").percent == 100

    # A new question imported by an editor is a draft: never drawn until published.
    editor_client.post(
        reverse("competence_io:question_import"),
        {"file": _bank_file("IMP-2", correct="1")},
    )
    new = Question.objects.get(code="IMP-2")
    assert not new.live and new.workflow_in_progress
    assert not editor_user.has_perm("assessments.publish_question")


def test_a_moderator_import_publishes_and_is_audited(fw, moderator):
    moderator_client, moderator_user = moderator
    question_io.question_bank_import(file=_bank_file("IMP-3", correct="1").read())
    question = Question.objects.get(code="IMP-3")
    option_ids = list(
        question.options.order_by("sort_order").values_list("pk", flat=True)
    )
    response = moderator_client.post(
        reverse("competence_io:question_import"),
        {"file": _bank_file("IMP-3", correct="2")},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert [o.is_correct for o in question.options.order_by("sort_order")] == [
        False,
        True,
    ]
    assert (
        list(question.options.order_by("sort_order").values_list("pk", flat=True))
        == option_ids
    )
    entry = publications(question)[-1]
    assert entry.actor_id == moderator_user.pk
    assert [o["is_correct"] for o in entry.changes["options"][1]] == [False, True]


def test_quizzes_in_use_in_sql_agree_with_accepts_attempts(fw):
    quizzes_made = [
        QuizFactory(live=live, is_active=active)
        for live in (True, False)
        for active in (True, False)
    ]
    in_use = set(Quiz.objects.in_use())
    for quiz in quizzes_made:
        assert (quiz in in_use) == quiz.accepts_attempts, (quiz.live, quiz.is_active)
    assert len(in_use) == 1
