"""Lesson blocks render for the learner and survive a deleted quiz, image, video or
document (the block shows nothing rather than breaking the lesson)."""

import pytest
from wagtail.documents.models import Document

from courses.blocks import DocumentBlock, LessonStreamBlock, QuizBlock, VideoBlock
from tests.assessments.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db


def test_a_quiz_block_links_to_its_quiz():
    quiz = QuizFactory(code="QZ-BLOCK", title_zh="材料审核小测")
    html = QuizBlock().render(
        QuizBlock().to_python({"quiz": quiz.pk, "required": True})
    )
    assert "/quizzes/QZ-BLOCK/" in html


@pytest.mark.parametrize(
    ("block", "value"),
    [
        (QuizBlock(), {"quiz": 999999, "required": True}),
        (VideoBlock(), {"video": 999999, "title": "办事指南"}),
        (DocumentBlock(), {"document": 999999, "title": "清单"}),
    ],
)
def test_a_block_whose_object_was_deleted_renders_nothing(block, value):
    assert block.render(block.to_python(value)).strip() == ""


def test_a_quiz_block_shows_nothing_of_a_quiz_never_published():
    quiz = QuizFactory(code="QZ-DRAFT", title_zh="草稿测验", live=False)
    html = QuizBlock().render(
        QuizBlock().to_python({"quiz": quiz.pk, "required": True})
    )
    assert "QZ-DRAFT" not in html and "草稿测验" not in html


def test_video_has_a_captions_track(tmp_path, settings):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = str(tmp_path)
    video = Document.objects.create(title="v", file=ContentFile(b"x", name="v.mp4"))
    captions = Document.objects.create(
        title="c", file=ContentFile(b"WEBVTT\n", name="c.vtt")
    )
    block = VideoBlock()
    html = block.render(
        block.to_python(
            {
                "video": video.pk,
                "captions": captions.pk,
                "captions_language": "zh-Hans",
                "title": "窗口受理演示",
            }
        )
    )
    assert '<track kind="captions"' in html and 'srclang="zh-Hans"' in html
    assert "<video controls" in html


def test_every_block_type_is_offered_to_editors():
    assert set(LessonStreamBlock().child_blocks) == {
        "heading",
        "paragraph",
        "image",
        "video",
        "document",
        "callout",
        "quiz",
        "h5p",
    }
