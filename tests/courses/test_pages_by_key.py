import pytest
from django.utils import translation

from courses.models import CoursePage, LessonPage
from courses.selectors import pages_by_key

from .builders import course_tree

pytestmark = pytest.mark.django_db


def test_each_key_gives_the_active_languages_version_or_another():
    tree = course_tree()
    keys = {tree.course.translation_key}
    with translation.override("en"):
        assert pages_by_key(CoursePage, keys) == {
            tree.course.translation_key: tree.course_en
        }
    with translation.override("zh-hans"):
        assert pages_by_key(CoursePage, keys) == {
            tree.course.translation_key: tree.course
        }
    # A lesson unpublished in English falls back to the Chinese one.
    tree.reading_en.unpublish()
    with translation.override("en"):
        found = pages_by_key(LessonPage, {tree.reading.translation_key})
    assert found[tree.reading.translation_key].pk == tree.reading.pk


def test_one_query_whatever_the_number_of_keys(django_assert_num_queries):
    tree = course_tree()
    keys = {tree.course.translation_key, tree.reading.translation_key}
    with django_assert_num_queries(1):
        pages_by_key(LessonPage, keys)
