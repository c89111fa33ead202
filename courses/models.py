"""Editorial content: the course catalog, courses and their lessons, and topics.
What a learner has done with them (enrollments, progress, certificates) is the
learner record in learning/; pages ask for it through the `courses_*_context`
hooks so that this app never imports the one above it."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from assessments.i18n import localised
from assessments.models import Competency, Quiz

from .blocks import LessonStreamBlock
from .catalog import catalog_context
from .h5p.activities import site_activity_base

# H5P packages live in their own unit, below the pages; imported here so that the app
# registers the model and `courses.models.H5PPackage` keeps working.
from .h5p.models import H5PPackage  # noqa: F401
from .hooks import learner_context
from .search import segment
from .streams import stream_blocks

H5P_PLAYER_STATIC = "courses/vendor/h5p-standalone/"


class Topic(models.Model):
    """A subject area of the catalog (e-government operation, security awareness…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localised(self.name_zh, self.name)


class CourseIndexPage(Page):
    """The catalog at /courses/: filters, search and the learner's own state."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course catalog")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(
            catalog_context(
                request,
                self,
                courses=self.catalog_courses(),
                searchable=Page.objects.live()
                .descendant_of(self)
                .type(CoursePage, LessonPage),
                topics=Topic.objects.all(),
                competencies=Competency.objects.filter(
                    pk__in=CourseCompetency.objects.filter(course__live=True).values(
                        "competency_id"
                    )
                ),
            )
        )
        return context

    def catalog_courses(self):
        """The published courses of the catalog with their topic and competencies."""
        return (
            CoursePage.objects.child_of(self)
            .live()
            .select_related("topic")
            .prefetch_related(
                Prefetch(
                    "competencies",
                    queryset=CourseCompetency.objects.select_related(
                        "competency"
                    ).order_by("sort_order"),
                )
            )
        )


def _quiz_of_kind(*kinds):
    return {"kind__in": list(kinds), "is_active": True}


class CoursePage(Page):
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        on_delete=models.PROTECT,
        related_name="courses",
        null=True,
    )
    summary = models.TextField(_("summary"), max_length=1000)
    audience = models.TextField(_("who it is for"), blank=True, max_length=1000)
    credit_hours = models.DecimalField(
        _("credit hours (学时)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(200)],
        help_text=_("Study hours credited once when the course is completed."),
    )
    certificate_validity_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(120)],
        help_text=_(
            "Leave empty if the certificate does not expire. The competency "
            "evidence from the course expires with it."
        ),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage",
        verbose_name=_("prerequisite courses"),
        blank=True,
        related_name="+",
    )
    pre_test = models.ForeignKey(
        Quiz,
        verbose_name=_("pre-test"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to=_quiz_of_kind(Quiz.Kind.PRE_TEST),
    )
    post_test = models.ForeignKey(
        Quiz,
        verbose_name=_("post-test"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to=_quiz_of_kind(Quiz.Kind.POST_TEST),
    )
    graded_quiz = models.ForeignKey(
        Quiz,
        verbose_name=_("final graded quiz"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to=_quiz_of_kind(Quiz.Kind.GRADED),
        help_text=_("When set, the course completes only once it is passed."),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("topic"),
                FieldPanel("summary"),
                FieldPanel("audience"),
                FieldPanel("cover_image"),
            ],
            heading=_("About the course"),
        ),
        FieldRowPanel(
            [FieldPanel("credit_hours"), FieldPanel("certificate_validity_months")],
            heading=_("Credit and certificate"),
        ),
        InlinePanel(
            "competencies",
            heading=_("Competencies it develops"),
            label=_("competency"),
        ),
        FieldPanel("prerequisites"),
        MultiFieldPanel(
            [
                FieldPanel("pre_test"),
                FieldPanel("post_test"),
                FieldPanel("graded_quiz"),
            ],
            heading=_("Tests"),
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("search_text"),
        index.FilterField("topic"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    def clean(self):
        super().clean()
        if (
            self.pre_test_id
            and self.post_test_id
            and self.pre_test_id == self.post_test_id
        ):
            raise ValidationError(
                {"post_test": _("The post-test must be a different quiz.")}
            )

    def search_text(self) -> str:
        topic = f"{self.topic.name} {self.topic.name_zh}" if self.topic_id else ""
        return segment(" ".join([self.title, self.summary, self.audience, topic]))

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lessons = list(self.lessons())
        context["lessons"] = lessons
        context["competency_rows"] = list(
            self.competencies.select_related("competency")
        )
        context["other_language"] = other_language(self)
        context.update(learner_context("course", request, self, lessons=lessons))
        return context


class CourseCompetency(Orderable):
    """A competency the course develops, and the level completion is evidence of."""

    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="competencies"
    )
    competency = models.ForeignKey(
        "assessments.Competency",
        verbose_name=_("competency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1)]
    )

    panels = [FieldPanel("competency"), FieldPanel("level")]

    class Meta(Orderable.Meta):
        verbose_name = _("course competency")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "competency"], name="courses_competency_once"
            )
        ]

    def clean(self):
        super().clean()
        if self.competency_id and self.level is not None:
            self.competency.framework.scale.level_validate(self.level)


class LessonPage(Page):
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    required = models.BooleanField(_("required for course completion"), default=True)
    minimum_active_minutes = models.PositiveSmallIntegerField(
        _("minimum active minutes"),
        default=3,
        validators=[MaxValueValidator(600)],
        help_text=_(
            "For lessons without required activities: the active reading time "
            "before the learner may mark the lesson complete."
        ),
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"))

    content_panels = Page.content_panels + [
        FieldRowPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("minimum_active_minutes"),
                FieldPanel("required"),
            ]
        ),
        FieldPanel("body"),
    ]

    search_fields = Page.search_fields + [index.SearchField("search_text")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")

    def search_text(self) -> str:
        return segment(" ".join([self.title, *lesson_texts(self.body.raw_data)]))

    def serve(self, request, *args, **kwargs):
        # The catalog and course pages are open; lessons are for signed-in staff.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    @property
    def required_quiz_ids(self) -> list[int]:
        """The quizzes the learner must pass before the lesson completes (read from
        the stored block data: no query)."""
        return [
            int(value["quiz"])
            for _id, value in stream_blocks(self.body, "quiz")
            if value.get("required") and value.get("quiz")
        ]

    @property
    def required_h5p_block_ids(self) -> list[str]:
        """The H5P activities (block ids) the learner must complete before the
        lesson completes (read from the stored block data: no query)."""
        return [
            block_id
            for block_id, value in self.h5p_blocks.items()
            if value.get("required") and value.get("package")
        ]

    @property
    def h5p_blocks(self) -> dict[str, dict]:
        """The lesson's H5P activity blocks: block id -> stored value (no query)."""
        return dict(stream_blocks(self.body, "h5p"))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The course, the published lessons beside this one and this lesson's other
        # language versions, in one query.
        parent_path = self.path[: -self.steplen]
        rows = list(
            Page.objects.filter(
                Q(path=parent_path)
                | Q(
                    path__startswith=parent_path,
                    depth=self.depth,
                    live=True,
                    content_type_id=self.content_type_id,
                )
                | (Q(translation_key=self.translation_key, live=True) & ~Q(pk=self.pk))
            )
            .select_related("locale")
            .order_by("path")
        )
        course = next(page for page in rows if page.path == parent_path)
        siblings = [
            page
            for page in rows
            if page.depth == self.depth and page.path.startswith(parent_path)
        ]
        translations = [
            page
            for page in rows
            if page.translation_key == self.translation_key and page.pk != self.pk
        ]
        position = next(
            (i for i, lesson in enumerate(siblings) if lesson.pk == self.pk), None
        )
        context.update(
            course=course,
            catalog_url=(course.url or "/").rstrip("/").rsplit("/", 1)[0] + "/",
            lessons=siblings,
            previous_lesson=(
                siblings[position - 1] if position not in (None, 0) else None
            ),
            next_lesson=(
                siblings[position + 1]
                if position is not None and position + 1 < len(siblings)
                else None
            ),
            other_language=_language_link(translations[0]) if translations else None,
        )
        context.update(
            learner_context("lesson", request, self, course=course, lessons=siblings)
        )
        if self.h5p_blocks:
            context.update(h5p_player_context(request, self, context))
        return context


def h5p_player_context(request, lesson: "LessonPage", context: dict) -> dict:
    """What the lesson page's H5P player script needs (see h5p-player.js)."""
    # Activity IRIs live on the configured site URL whichever host served the page:
    # only those count as this site's activities.
    base = site_activity_base()
    return {
        "h5p_activity_base": base,
        "h5p_config": {
            # Messages from the activities' sandboxed frames come from this origin:
            # H5P_CONTENT_ORIGIN, or the sandbox's opaque one (courses.h5p.serving).
            "contentOrigin": settings.H5P_CONTENT_ORIGIN or "null",
            "xapiUrl": "/xapi/statements",
            "stateUrl": f"/h5p/state/{lesson.translation_key}/",
            "activityBase": base,
            # The learner as the xAPI actor of every statement the player sends.
            "actor": context.get("xapi_actor"),
            "states": context.get("h5p_states", {}),
            "labels": {
                "saved": gettext("Your result is saved."),
                "failed": gettext("Your result could not be saved. Try again."),
                "unavailable": gettext(
                    "This activity cannot be shown here. Ask the course editor."
                ),
            },
        },
    }


LANGUAGE_LABELS = {"zh-hans": "阅读中文版", "en": "Read in English"}


def other_language(page: Page) -> dict | None:
    """The live translation of a page in another language, for the switch link."""
    translation = (
        page.get_translations()
        .live()
        .select_related("locale")
        .order_by("locale_id")
        .first()
    )
    return _language_link(translation) if translation else None


def _language_link(translation: Page) -> dict:
    code = translation.locale.language_code
    return {
        "code": code,
        "label": LANGUAGE_LABELS.get(code, code),
        "url": translation.url,
    }


def lesson_texts(raw_blocks) -> list[str]:
    """The words of a lesson body, for indexing."""
    texts = []
    for block in raw_blocks:
        value = block.get("value")
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            texts.extend(
                v for k, v in value.items() if isinstance(v, str) and k != "kind"
            )
    return texts
