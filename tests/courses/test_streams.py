import json

import pytest

from courses.models import LessonPage
from courses.streams import stream_blocks

from .builders import course_tree

BLOCKS = [
    {"type": "paragraph", "id": "p1", "value": "<p>text</p>"},
    {"type": "h5p", "id": "a1", "value": {"package": 3, "required": True}},
    {"type": "quiz", "id": "q1", "value": {"quiz": 7, "required": True}},
    {"type": "h5p", "id": "a2", "value": None},
]


def test_blocks_of_one_type_from_a_list_or_json_text():
    expected = [("a1", {"package": 3, "required": True}), ("a2", {})]
    assert list(stream_blocks(BLOCKS, "h5p")) == expected
    assert list(stream_blocks(json.dumps(BLOCKS), "h5p")) == expected
    assert list(stream_blocks("", "h5p")) == []
    assert list(stream_blocks(None, "quiz")) == []


@pytest.mark.django_db
def test_a_lesson_reads_its_stored_blocks_without_a_query(django_assert_num_queries):
    tree = course_tree()
    lesson = LessonPage.objects.get(pk=tree.quiz_lesson.pk)
    with django_assert_num_queries(0):
        assert lesson.required_quiz_ids == [tree.quiz.pk]
        assert lesson.h5p_blocks == {}
        assert lesson.required_h5p_block_ids == []
