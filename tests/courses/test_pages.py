"""Page-type rules, the moderation workflow and the demo courses."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page, Workflow

from cms.models import HomePage, StandardPage
from courses import demo as courses_demo
from courses.blocks import LessonStreamBlock
from courses.models import CourseIndexPage, CoursePage, LessonPage
from tests.factories import UserFactory

from .builders import course_tree

pytestmark = pytest.mark.django_db


def test_page_types_sit_only_where_they_belong():
    assert CourseIndexPage.allowed_parent_page_models() == [HomePage]
    assert CourseIndexPage.allowed_subpage_models() == [CoursePage]
    assert CoursePage.allowed_parent_page_models() == [CourseIndexPage]
    assert CoursePage.allowed_subpage_models() == [LessonPage]
    assert LessonPage.allowed_parent_page_models() == [CoursePage]
    assert LessonPage.allowed_subpage_models() == []
    assert not CoursePage.can_exist_under(HomePage.objects.first() or HomePage())
    assert not LessonPage.can_exist_under(StandardPage())


def test_every_block_has_an_icon_and_a_template():
    for name, block in LessonStreamBlock().child_blocks.items():
        assert block.meta.icon, name
        assert block.meta.template.startswith("courses/blocks/"), name


def test_one_catalog_per_home(db):
    tree = course_tree()
    home = tree.index_zh.get_parent()
    assert not CourseIndexPage.can_create_at(home)


def test_an_editor_submits_and_a_moderator_publishes():
    tree = course_tree()
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    moderator = UserFactory()
    moderator.groups.add(Group.objects.get(name="Moderators"))
    course = CoursePage.objects.get(pk=tree.course.pk)
    assert course.permissions_for_user(editor).can_edit()
    assert not course.permissions_for_user(editor).can_publish()
    assert course.permissions_for_user(moderator).can_publish()

    workflow = course.get_workflow()
    assert isinstance(workflow, Workflow) and workflow.active
    course.summary = "改写后的简介"
    course.save_revision(user=editor)
    workflow.start(course, editor)
    course.refresh_from_db()
    assert course.workflow_in_progress
    assert (
        CoursePage.objects.get(pk=course.pk).summary != "改写后的简介"
    )  # not live yet

    state = course.current_workflow_task_state
    course.current_workflow_task.on_action(state, moderator, "approve")
    live = CoursePage.objects.get(pk=course.pk)
    assert live.summary == "改写后的简介"
    assert live.live and not live.has_unpublished_changes


def test_demo_courses_exist_in_both_languages_and_seed_once(db):
    from assessments import demo as assessments_demo
    from cms.demo import seed_site
    from cms.services import home_page_ensure

    home_page_ensure()
    seed_site()
    assessments_demo.seed()
    first = courses_demo.seed()
    assert first.topics == 4
    assert first.pages == 2 + 8 + 32  # catalogs, courses, lessons in two languages
    again = courses_demo.seed()
    assert (again.topics, again.pages) == (0, 0)
    chinese = CoursePage.objects.filter(locale__language_code="zh-hans")
    assert chinese.count() == 4
    for course in chinese:
        english = course.get_translation(
            Page.objects.get(pk=course.pk).locale.__class__.objects.get(
                language_code="en"
            )
        )
        assert english.live and english.title != course.title
        assert course.graded_quiz and course.pre_test and course.post_test
        assert course.competencies.count() >= 4
        lessons = LessonPage.objects.child_of(course).live()
        assert lessons.count() == 4
        assert lessons.last().required_quiz_ids == [course.graded_quiz_id]
        assert LessonPage.objects.child_of(english).live().count() == 4
    security = CoursePage.objects.get(
        slug="security-awareness", locale=chinese[0].locale
    )
    assert security.certificate_validity_months == 12


def test_scheduled_publishing_goes_live_when_the_task_runs():
    import datetime

    import time_machine
    from django.utils import timezone

    from courses.tasks import publish_scheduled

    tree = course_tree()
    course = CoursePage.objects.get(pk=tree.course.pk)
    course.summary = "下周一上线的新简介"
    course.go_live_at = timezone.now() + datetime.timedelta(days=2)
    course.save_revision().publish()
    assert CoursePage.objects.get(pk=course.pk).summary != "下周一上线的新简介"
    publish_scheduled.delay()
    assert CoursePage.objects.get(pk=course.pk).summary != "下周一上线的新简介"
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        publish_scheduled.delay()
        publish_scheduled.delay()  # a second run changes nothing
    assert CoursePage.objects.get(pk=course.pk).summary == "下周一上线的新简介"


def test_editors_manage_topics_in_the_back_office(client):
    from courses.permissions import topic_permissions_ensure

    topic_permissions_ensure()
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get("/admin/snippets/courses/topic/").status_code == 200
    response = client.post(
        "/admin/snippets/courses/topic/add/",
        {"code": "data", "name": "Data", "name_zh": "数据", "sort_order": "5"},
    )
    assert response.status_code == 302
    from courses.models import Topic

    assert Topic.objects.filter(code="data", name_zh="数据").exists()
