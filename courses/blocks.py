"""The blocks a lesson is written in. Every block has an icon, a template and a
preview value so that editors see each one in the block picker preview."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"), max_length=200)
    size = blocks.ChoiceBlock(
        label=_("size"),
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "courses/blocks/heading.html"
        preview_value = {"text": "一次办好：材料清单先行", "size": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "courses/blocks/paragraph.html"
        preview_value = (
            "<p>Check the applicant's materials against the published list "
            "before taking the file, and say at once what is missing.</p>"
        )


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("text alternative"),
        max_length=250,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A self-hosted video (no third-party player) with a captions track."""

    video = DocumentChooserBlock(
        label=_("video file"), help_text=_("An MP4 (H.264) or WebM file.")
    )
    captions = DocumentChooserBlock(
        label=_("captions (WebVTT)"),
        required=False,
        help_text=_("A .vtt file; needed so that everyone can follow the video."),
    )
    captions_language = blocks.ChoiceBlock(
        label=_("captions language"),
        choices=[("zh-Hans", "中文"), ("en", "English")],
        default="zh-Hans",
    )
    poster = ImageChooserBlock(label=_("poster image"), required=False)
    title = blocks.CharBlock(label=_("title"), max_length=200)
    transcript = blocks.RichTextBlock(label=_("transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("link text"), max_length=200)
    description = blocks.CharBlock(
        label=_("description"), required=False, max_length=300
    )

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "courses/blocks/document.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("kind"),
        choices=[
            ("tip", _("Tip")),
            ("warning", _("Warning")),
            ("checklist", _("Checklist")),
            ("example", _("Example")),
        ],
        default="tip",
    )
    title = blocks.CharBlock(label=_("title"), required=False, max_length=200)
    body = blocks.RichTextBlock(label=_("body"))

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "courses/blocks/callout.html"
        preview_value = {
            "kind": "checklist",
            "title": "Before you close the case",
            "body": "<ul><li>Result sent to the applicant</li>"
            "<li>Case closed in the system</li></ul>",
        }


class QuizBlock(blocks.StructBlock):
    """A quiz from the question bank. When required, the lesson completes only once
    the learner has passed it."""

    quiz = SnippetChooserBlock("assessments.Quiz", label=_("quiz"))
    required = blocks.BooleanBlock(
        label=_("required to complete the lesson"), required=False, default=True
    )
    intro = blocks.TextBlock(label=_("introduction"), required=False)

    class Meta:
        icon = "form"
        label = _("Quiz")
        template = "courses/blocks/quiz.html"


class LessonStreamBlock(blocks.StreamBlock):
    """The lesson body. The H5P activity block joins these (see the H5P issue)."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    quiz = QuizBlock()
