"""Page routing: the home page of the visitor's language (cached choice), pages found
by URL path in one query, and everything Wagtail's own walk refuses still refused."""

import pytest

from tests.courses.builders import course_tree

pytestmark = pytest.mark.django_db


def test_each_language_gets_its_own_tree_at_the_same_urls(client):
    tree = course_tree()
    for language, course in (("zh-hans", tree.course), ("en", tree.course_en)):
        response = client.get("/courses/one-trip/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response.context["page"].pk == course.pk


def test_unpublishing_a_translation_falls_back_to_the_chinese_tree(client):
    tree = course_tree()
    english_home = tree.index_en.get_parent().specific
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").context["page"].pk == (
        english_home.pk
    )
    english_home.unpublish()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["page"].pk == tree.index_zh.get_parent().pk
    english_home.save_revision().publish()
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").context["page"].pk == (
        english_home.pk
    )


def test_unknown_unpublished_and_partial_paths_are_404(client):
    tree = course_tree()
    tree.reading.unpublish()
    for path in (
        "/courses/no-such-course/",
        "/courses/one-trip/no-such-lesson/",
        "/courses/one-trip/materials/",  # unpublished
        "/one-trip/",  # a page outside its parent
    ):
        assert client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 404, path
