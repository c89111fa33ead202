"""The blocks a lesson is written in. Every block has an icon, a template and a
preview value so that editors see each one in the block picker preview."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from assessments.models import Competency


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


def competency_choices():
    """Active competences (not areas) to align an activity to, by code."""
    return [
        (code, f"{code} {name}")
        for code, name in Competency.objects.filter(
            numchild=0, framework__is_active=True
        ).values_list("code", "name")
    ]


class H5PBlock(blocks.StructBlock):
    """An interactive H5P activity. Its results arrive as xAPI statements; a passed
    result is evidence of the competency at the level set here."""

    package = SnippetChooserBlock("courses.H5PPackage", label=_("H5P package"))
    required = blocks.BooleanBlock(
        label=_("required to complete the lesson"), required=False, default=True
    )
    pass_percent = blocks.IntegerBlock(
        label=_("pass mark (%)"), min_value=0, max_value=100, default=60
    )
    competency = blocks.ChoiceBlock(
        label=_("competency"), choices=competency_choices, required=False
    )
    level = blocks.IntegerBlock(
        label=_("evidence level"),
        min_value=1,
        max_value=8,
        required=False,
        help_text=_("The level a passed result shows for the competency."),
    )

    class Meta:
        icon = "pick"
        label = _("H5P activity")
        template = "courses/blocks/h5p.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # The launch registration the server issued for this activity (an enrolled
        # learner's page only): the player puts it in every statement it sends.
        registrations = context.get("h5p_registrations") or {}
        context["h5p_registration"] = registrations.get(context.get("id"), "")
        return context

    def clean(self, value):
        value = super().clean(value)
        competency, level = value.get("competency"), value.get("level")
        if bool(competency) != bool(level):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "level": ValidationError(
                        _("Set both the competency and the level, or neither.")
                    )
                }
            )
        if competency:
            found = (
                Competency.objects.filter(code=competency)
                .select_related("framework__scale")
                .first()
            )
            if found is None:
                raise blocks.StructBlockValidationError(
                    block_errors={
                        "competency": ValidationError(_("Unknown competency."))
                    }
                )
            message = found.framework.scale.level_error(level)
            if message is not None:
                raise blocks.StructBlockValidationError(
                    block_errors={"level": ValidationError(message)}
                )
        return value


class LessonStreamBlock(blocks.StreamBlock):
    """The lesson body."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    quiz = QuizBlock()
    h5p = H5PBlock()
