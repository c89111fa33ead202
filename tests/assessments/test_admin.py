"""The competence back office: editors keep the question bank and quizzes; frameworks
and questions move in and out as files; HR sets targets in scope."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import question_bank as question_io
from assessments.models import Framework, Question, Quiz
from assessments.services.frameworks import framework_load_defaults
from assessments.services.permissions import editor_permissions_ensure
from learning.models import CompetencyTarget, RoleScope
from tests.factories import PositionFactory, UserFactory, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    framework_load_defaults()
    editor_permissions_ensure()
    user = UserFactory(username="ed")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


def test_editor_sees_the_question_bank_and_quizzes(client, editor):
    for url in (
        reverse("wagtailsnippets_assessments_question:list"),
        reverse("wagtailsnippets_assessments_quiz:list"),
        reverse("competence_io:index"),
        reverse("frameworks:index"),
    ):
        assert client.get(url).status_code == 200, url


def test_editor_opens_the_question_and_quiz_forms(client, editor):
    from assessments import demo

    demo.seed()
    question = Question.objects.get(code="Q-EG1-001")
    quiz = Quiz.objects.get(code="QZ-EGOV-GRADED")
    for url in (
        reverse("wagtailsnippets_assessments_question:edit", args=[question.pk]),
        reverse("wagtailsnippets_assessments_question:add"),
        reverse("wagtailsnippets_assessments_quiz:edit", args=[quiz.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(
        reverse("wagtailsnippets_assessments_question:edit", args=[question.pk])
    ).content.decode()
    assert question.text_zh in body


def test_io_page_shows_the_digcomp_attribution(client, editor):
    body = client.get(reverse("competence_io:index")).content.decode()
    assert "DigComp 2.2" in body
    assert "CC BY 4.0" in body or "European Union" in body


def make_categories():
    from assessments.models import QuestionCategory

    for code in ("egov-service", "service-admin", "security", "data-literacy"):
        QuestionCategory.objects.get_or_create(code=code, defaults={"name": code})


def test_template_downloads_and_imports_back(client, editor):
    make_categories()
    response = client.get(reverse("competence_io:question_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('question-template.xlsx"')
    upload = SimpleUploadedFile("template.xlsx", response.content)
    response = client.post(reverse("competence_io:question_import"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Question.objects.exists()


def test_a_bad_question_file_is_reported_and_nothing_is_saved(client, editor):
    bad = (
        "code,category,competency,level,type,text_zh,text_en\n"
        "Q1,security,NOPE,1,single,题,Q\n"
    )
    upload = SimpleUploadedFile("bank.csv", bad.encode("utf-8"))
    response = client.post(reverse("competence_io:question_import"), {"file": upload})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("2" in e for e in errors), errors
    assert not Question.objects.exists()


def test_question_bank_exports_what_was_imported(client, editor):
    make_categories()
    question_io.question_bank_import(
        file=question_io.question_template_xlsx(), filename="template.xlsx"
    )
    response = client.get(reverse("competence_io:question_export", args=["xlsx"]))
    assert response.status_code == 200
    parsed = question_io.question_bank_parse(
        file=response.content, filename="bank.xlsx"
    )
    assert len(parsed) == Question.objects.count() > 0


def test_framework_export_and_refused_reimport(client, editor):
    framework = Framework.objects.get(code="DC22")
    response = client.get(
        reverse("competence_io:framework_export", args=[framework.pk, "moodle-csv"])
    )
    assert response.status_code == 200
    assert b"DC22-4.2" in response.content

    # Editors may read frameworks but not import them.
    upload = SimpleUploadedFile("dc.csv", response.content)
    response = client.post(reverse("competence_io:framework_import"), {"file": upload})
    assert response.status_code in (302, 403)
    assert Framework.objects.count() == 2


def test_admin_import_of_an_existing_framework_names_the_problem(admin_client):
    framework_load_defaults()
    framework = Framework.objects.get(code="CSEG")
    exported = admin_client.get(
        reverse("competence_io:framework_export", args=[framework.pk, "case-json"])
    ).content
    response = admin_client.post(
        reverse("competence_io:framework_import"),
        {"file": SimpleUploadedFile("eg.json", exported)},
    )
    assert response.status_code == 400  # refused: nothing imported
    assert response.context["form"].errors["file"]
    assert Framework.objects.count() == 2


def test_county_hr_sets_a_target_in_the_back_office(client, county):
    framework_load_defaults()
    hr = scoped_user(RoleScope.Role.HR, county.county)
    client.force_login(hr.user)
    window = PositionFactory(code="CKRY")
    from assessments.models import Competency

    competency = Competency.objects.get(code="EG-1.1")
    response = client.post(
        reverse("targets:add"),
        {"position": window.pk, "competency": competency.pk, "required_level": 3},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert CompetencyTarget.objects.get().required_level == 3

    response = client.post(
        reverse("targets:add"),
        {"position": window.pk, "competency": competency.pk, "required_level": 7},
    )
    assert response.status_code == 200
    assert "required_level" in response.context["form"].errors
    assert CompetencyTarget.objects.get().required_level == 3


def test_bureau_hr_cannot_set_county_wide_targets(client, county):
    framework_load_defaults()
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a)
    client.force_login(hr.user)
    from assessments.models import Competency

    response = client.post(
        reverse("targets:add"),
        {
            "position": PositionFactory(code="KY").pk,
            "competency": Competency.objects.get(code="EG-1.1").pk,
            "required_level": 2,
        },
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    assert not CompetencyTarget.objects.exists()


def test_a_question_used_in_attempts_is_kept_with_a_message(client, editor):
    from assessments import demo
    from assessments.services import quizzes

    demo.seed()
    quiz = Quiz.objects.get(code="QZ-EGOV-GRADED")
    attempt = quizzes.attempt_start(quiz=quiz, learner=editor)
    quizzes.attempt_submit(attempt=attempt, learner=editor, answers={})
    used = Question.objects.get(pk=attempt.question_ids[0])
    response = client.post(
        reverse("wagtailsnippets_assessments_question:delete", args=[used.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert any("active" in str(m) for m in response.context["messages"])
    assert Question.objects.filter(pk=used.pk).exists()


def test_competency_list_does_not_query_per_row(
    client, editor, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = client.get(reverse("competencies:index"))
    assert response.status_code == 200


def test_only_a_post_test_pairs_with_a_pre_test(editor):
    from django.core.exceptions import ValidationError

    pre = Quiz(code="P1", title="Pre", kind=Quiz.Kind.PRE_TEST)
    pre.save()
    graded = Quiz(code="G1", title="Graded", kind=Quiz.Kind.GRADED, paired_with=pre)
    with pytest.raises(ValidationError):
        graded.full_clean()
    post = Quiz(code="PO1", title="Post", kind=Quiz.Kind.POST_TEST, paired_with=graded)
    graded.paired_with = None
    graded.save()
    post.paired_with = graded
    with pytest.raises(ValidationError):
        post.full_clean()
    post.paired_with = pre
    post.full_clean()
