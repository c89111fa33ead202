"""Competence: frameworks, proficiency scales, competencies (a tree), evidence and each
learner's current level; the question bank, quizzes and attempts that produce evidence.

Learners are Django users (AUTH_USER_MODEL): this is the lowest app and knows nothing
of departments or profiles.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from treebeard.mp_tree import MP_Node
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from assessments.i18n import localised
from assessments.richtext import rich_text_html

# Frameworks ---------------------------------------------------------------------------


def level_error(level: int | None, *, max_level: int) -> str | None:
    """The one rule for a competency level (evidence, questions, course and activity
    alignment, targets, ratings): a whole number from 1 to the top level of the
    competency's scale. None when `level` keeps it, else a message saying what to
    choose."""
    if (
        isinstance(level, int)
        and not isinstance(level, bool)
        and 1 <= level <= max_level
    ):
        return None
    return _(
        "Level %(level)s is outside the scale (1–%(max)s): choose a level from 1 to "
        "%(max)s."
    ) % {"level": level, "max": max_level}


class ProficiencyScale(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    proficient_level = models.PositiveSmallIntegerField(
        _("proficient level"),
        help_text=_("The lowest level that counts as proficient."),
    )

    class Meta:
        verbose_name = _("proficiency scale")
        verbose_name_plural = _("proficiency scales")

    def __str__(self) -> str:
        return localised(self.name_zh, self.name)

    @property
    def max_level(self) -> int:
        return max((lvl.value for lvl in self.levels.all()), default=0)

    def level_error(self, level: int | None) -> str | None:
        """See the module's level_error."""
        return level_error(level, max_level=self.max_level)

    def level_validate(self, level: int | None, *, field: str = "level") -> None:
        """Raise ValidationError({field: message}) for a level off this scale."""
        message = self.level_error(level)
        if message is not None:
            raise ValidationError({field: message})


class ScaleLevel(models.Model):
    scale = models.ForeignKey(
        ProficiencyScale, on_delete=models.CASCADE, related_name="levels"
    )
    value = models.PositiveSmallIntegerField(_("value"))
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)

    class Meta:
        ordering = ["scale", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["scale", "value"], name="assessments_scalelevel_unique"
            )
        ]
        verbose_name = _("scale level")
        verbose_name_plural = _("scale levels")

    def __str__(self) -> str:
        return f"{self.value} · {localised(self.name_zh, self.name)}"


class DescriptionFormat(models.IntegerChoices):
    """How a description is written, with Moodle's own codes (FORMAT_MOODLE,
    FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN) so that files keep them."""

    MOODLE = 0, _("Moodle auto-format")
    HTML = 1, _("HTML")
    PLAIN = 2, _("plain text")
    MARKDOWN = 4, _("Markdown")


# Moodle's taxonomy terms (core_competency\competency_framework::TAXONOMY_*): the word
# a framework uses for the nodes at each depth of its tree.
TAXONOMY_TERMS = {
    "behaviour": _("Behaviour"),
    "competency": _("Competency"),
    "concept": _("Concept"),
    "domain": _("Domain"),
    "indicator": _("Indicator"),
    "level": _("Level"),
    "outcome": _("Outcome"),
    "practice": _("Practice"),
    "proficiency": _("Proficiency"),
    "skill": _("Skill"),
    "value": _("Value"),
}


def taxonomy_error(value: str) -> str | None:
    """None when `value` is a comma-separated list of Moodle taxonomy terms (empty
    entries allowed, as Moodle allows them), else a message naming the bad term."""
    for term in value.split(","):
        if term and term not in TAXONOMY_TERMS:
            return _(
                "“%(term)s” is not a taxonomy term; use %(terms)s, one per level, "
                "separated by commas."
            ) % {"term": term, "terms": ", ".join(TAXONOMY_TERMS)}
    return None


def _taxonomies_validate(value: str) -> None:
    message = taxonomy_error(value)
    if message is not None:
        raise ValidationError(message)


class Framework(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=32, blank=True)
    source = models.TextField(_("source"), blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    attribution = models.TextField(_("attribution"), blank=True)
    attribution_zh = models.TextField(_("attribution (Chinese)"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_format = models.PositiveSmallIntegerField(
        _("description format"),
        choices=DescriptionFormat.choices,
        default=DescriptionFormat.PLAIN,
    )
    taxonomies = models.CharField(
        _("taxonomy per level"),
        max_length=300,
        blank=True,
        validators=[_taxonomies_validate],
        help_text=_(
            "The word for the nodes at each depth, top level first (Moodle's "
            "taxonomy terms), e.g. “domain,competency”."
        ),
    )
    scale_default = models.PositiveSmallIntegerField(
        _("default level"),
        null=True,
        blank=True,
        help_text=_(
            "The level given when a rule completes a competency (Moodle's scale "
            "default). Empty: the lowest level."
        ),
    )
    scale = models.ForeignKey(
        ProficiencyScale,
        verbose_name=_("proficiency scale"),
        on_delete=models.PROTECT,
        related_name="frameworks",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("competency framework")
        verbose_name_plural = _("competency frameworks")

    def __str__(self) -> str:
        return localised(self.name_zh, self.name)

    @property
    def display_attribution(self) -> str:
        return localised(self.attribution_zh, self.attribution)

    @property
    def display_description_html(self) -> str:
        """The description in the active language, as safe HTML."""
        return rich_text_html(
            localised(self.description_zh, self.description), self.description_format
        )

    @property
    def taxonomy_list(self) -> list[str]:
        """The taxonomy term of each depth (1 first); an empty entry is "competency",
        as in Moodle."""
        return [term or "competency" for term in self.taxonomies.split(",")]

    def taxonomy_label(self, depth: int) -> str:
        terms = self.taxonomy_list if self.taxonomies else []
        term = terms[depth - 1] if 0 < depth <= len(terms) else "competency"
        return str(TAXONOMY_TERMS[term])

    def clean(self) -> None:
        if self.scale_default is not None and self.scale_id is not None:
            self.scale.level_validate(self.scale_default, field="scale_default")


class Competency(MP_Node):
    """A node of a framework: areas are roots, competences their children. Siblings
    keep the order they were created in (a file's order), so the path orders them."""

    class RuleType(models.TextChoices):
        # Moodle's rule classes, core_competency\competency_rule_all / _points.
        NONE = "", _("no rule")
        ALL = "all", _("all children are complete")
        POINTS = "points", _("points required are met")

    class RuleOutcome(models.IntegerChoices):
        # Moodle's competency::OUTCOME_* values.
        NONE = 0, _("do nothing")
        EVIDENCE = 1, _("attach evidence")
        COMPLETE = 2, _("complete the competency")
        RECOMMEND = 3, _("send for review")

    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework"),
        on_delete=models.CASCADE,
        related_name="competencies",
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_zh = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("evidence valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Evidence older than this no longer counts. Empty: never expires."),
    )
    description_format = models.PositiveSmallIntegerField(
        _("description format"),
        choices=DescriptionFormat.choices,
        default=DescriptionFormat.PLAIN,
    )
    item_type = models.CharField(
        _("item type"),
        max_length=100,
        blank=True,
        help_text=_("The CASE item type (CFItemType), e.g. “Competency”."),
    )
    rule_type = models.CharField(
        _("rule"), max_length=16, choices=RuleType.choices, blank=True
    )
    rule_outcome = models.PositiveSmallIntegerField(
        _("rule outcome"), choices=RuleOutcome.choices, default=RuleOutcome.NONE
    )
    rule_config = models.JSONField(
        _("rule configuration"),
        null=True,
        blank=True,
        help_text=_(
            "For a points rule: the points required and, for each child by code, "
            "its points and whether it is required."
        ),
    )

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return localised(self.name_zh, self.name)

    @property
    def display_description(self) -> str:
        return localised(self.description_zh, self.description)

    @property
    def display_description_html(self) -> str:
        """The description in the active language, as safe HTML."""
        return rich_text_html(self.display_description, self.description_format)


class CompetencyRelation(models.Model):
    """A relation between competencies other than the tree: Moodle's cross-references
    (isRelatedTo, read both ways) and the other CASE association types. The target
    is a competency here, or one outside this site known by its URI and code."""

    class Kind(models.TextChoices):
        RELATED = "isRelatedTo", _("is related to")
        EXACT_MATCH = "exactMatchOf", _("is an exact match of")
        PEER = "isPeerOf", _("is a peer of")
        PART_OF = "isPartOf", _("is part of")
        PRECEDES = "precedes", _("precedes")
        REPLACED_BY = "replacedBy", _("is replaced by")
        EXEMPLAR = "exemplar", _("has the exemplar")
        SKILL_LEVEL = "hasSkillLevel", _("has the skill level")

    origin = models.ForeignKey(
        Competency,
        verbose_name=_("competency"),
        on_delete=models.CASCADE,
        related_name="relations_out",
    )
    kind = models.CharField(_("relation"), max_length=16, choices=Kind.choices)
    target = models.ForeignKey(
        Competency,
        verbose_name=_("related competency"),
        on_delete=models.CASCADE,
        related_name="relations_in",
        null=True,
        blank=True,
    )
    target_uri = models.CharField(_("related URI"), max_length=500, blank=True)
    target_code = models.CharField(_("related code"), max_length=100, blank=True)
    target_title = models.CharField(_("related title"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["origin", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target__isnull=False)
                    | ~models.Q(target_uri="")
                    | ~models.Q(target_code="")
                ),
                name="assessments_relation_has_target",
            ),
            models.UniqueConstraint(
                fields=["origin", "kind", "target"],
                condition=models.Q(target__isnull=False),
                name="assessments_relation_unique",
            ),
        ]
        verbose_name = _("competency relation")
        verbose_name_plural = _("competency relations")

    def __str__(self) -> str:
        target = self.target.code if self.target_id else self.target_code
        return f"{self.origin.code} {self.get_kind_display()} {target}"

    @property
    def display_target(self) -> str:
        if self.target_id:
            return str(self.target)
        return (
            " ".join(part for part in (self.target_code, self.target_title) if part)
            or self.target_uri
        )


# Evidence and current level -----------------------------------------------------------


class Evidence(models.Model):
    """Something that shows a learner's level in a competency. Never edited: a
    correction is a new row, a withdrawal sets revoked_at."""

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("Graded quiz")
        H5P = "h5p", _("Interactive activity")
        COURSE = "course", _("Course completion")
        MANAGER = "manager", _("Manager rating")
        SELF = "self", _("Self-assessment")
        PRIOR = "prior", _("Prior learning")

    # Kinds that count towards the official level; self-assessment is kept apart.
    OFFICIAL_KINDS = (Kind.QUIZ, Kind.H5P, Kind.COURSE, Kind.MANAGER, Kind.PRIOR)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="competency_evidence",
    )
    competency = models.ForeignKey(
        Competency,
        verbose_name=_("competency"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source_type = models.CharField(_("source type"), max_length=64, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    source_label = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    observed_at = models.DateTimeField(_("observed at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [
            models.Index(fields=["learner", "competency"]),
            models.Index(fields=["competency", "kind"]),
            models.Index(fields=["source_type", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.competency.code} · {self.level}"


class CompetencyLevel(models.Model):
    """A learner's current level in one competency, kept by
    assessments.services.evidence in the same transaction as the evidence."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="competency_levels",
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="current_levels"
    )
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    evidence = models.ForeignKey(
        Evidence,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The evidence that gives the current level."),
    )
    # When the deciding evidence expires the level must be recomputed.
    valid_until = models.DateTimeField(null=True, blank=True)
    self_level = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "competency"],
                name="assessments_competencylevel_unique",
            )
        ]
        indexes = [
            models.Index(fields=["competency", "level"]),
            models.Index(fields=["valid_until"]),
        ]
        verbose_name = _("current competency level")
        verbose_name_plural = _("current competency levels")

    def __str__(self) -> str:
        return f"{self.learner} · {self.competency.code} = {self.level}"


# Question bank ------------------------------------------------------------------------


class QuestionCategory(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")

    def __str__(self) -> str:
        return localised(self.name_zh, self.name)


class PublishedQuerySet(models.QuerySet):
    def live(self):
        """Rows learners see and are graded against: published, not a draft that
        was never published. A published row always holds the live version (an
        editor's later draft lives in a revision until it is published)."""
        return self.filter(live=True)

    def in_use(self):
        """Published and active: the quizzes learners may start, the questions an
        attempt may draw (Quiz.accepts_attempts as a filter)."""
        return self.filter(live=True, is_active=True)


class Question(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel
):
    """A question of the bank. Edited as a Wagtail snippet with drafts, revisions and
    the moderation workflow: a change reaches learners only once published."""

    class Type(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "truefalse", _("True / false")
        SHORT = "short", _("Short text")
        NUMERIC = "numeric", _("Numeric")

    class PartialCredit(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        # Each correct option chosen earns a share; each wrong one chosen takes a
        # share away; never below zero.
        PROPORTIONAL = "proportional", _("Proportional, wrong choices subtract")

    code = models.CharField(_("code"), max_length=64, unique=True)
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    competency = models.ForeignKey(
        Competency,
        verbose_name=_("competency"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    text = models.TextField(_("question (English)"), blank=True)
    text_zh = models.TextField(_("question (Chinese)"), blank=True)
    explanation = models.TextField(_("explanation (English)"), blank=True)
    explanation_zh = models.TextField(_("explanation (Chinese)"), blank=True)
    accepted_answers = models.JSONField(
        _("accepted answers"),
        default=list,
        blank=True,
        help_text=_("Short text: every accepted answer, in both languages."),
    )
    numeric_answer = models.DecimalField(
        _("numeric answer"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    numeric_tolerance = models.DecimalField(
        _("tolerance"), max_digits=14, decimal_places=4, default=Decimal("0")
    )
    partial_credit = models.CharField(
        _("partial credit"),
        max_length=16,
        choices=PartialCredit.choices,
        default=PartialCredit.PROPORTIONAL,
    )
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, default=Decimal("1")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["category", "competency", "is_active"])]

    def __str__(self) -> str:
        return f"{self.code} {self.display_text[:60]}"

    @property
    def display_text(self) -> str:
        return localised(self.text_zh, self.text)

    @property
    def display_explanation(self) -> str:
        return localised(self.explanation_zh, self.explanation)

    def clean(self):
        if self.competency_id and self.level is not None:
            self.competency.framework.scale.level_validate(self.level)


class QuestionOption(models.Model):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("option (English)"), max_length=500, blank=True)
    text_zh = models.CharField(_("option (Chinese)"), max_length=500, blank=True)
    is_correct = models.BooleanField(_("correct"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "sort_order", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return localised(self.text_zh, self.text)


# Quizzes ------------------------------------------------------------------------------


class Quiz(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel
):
    """A quiz, edited like a question (drafts, revisions, moderation): learners
    take and are graded against the published version only."""

    class Kind(models.TextChoices):
        PRACTICE = "practice", _("Practice")
        GRADED = "graded", _("Graded")
        PRE_TEST = "pre", _("Pre-test")
        POST_TEST = "post", _("Post-test")

    class Review(models.TextChoices):
        NONE = "none", _("Score only")
        RESPONSES = "responses", _("Score and which answers were right")
        FULL = "full", _("Score, right answers and explanations")

    code = models.CharField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 means unlimited.")
    )
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    review_policy = models.CharField(
        _("after submitting, show"),
        max_length=16,
        choices=Review.choices,
        default=Review.FULL,
    )
    paired_with = models.OneToOneField(
        "self",
        verbose_name=_("paired pre-/post-test"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="paired_from",
        help_text=_("On a post-test: the pre-test on the same competencies."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return localised(self.title_zh, self.title)

    @property
    def display_description(self) -> str:
        return localised(self.description_zh, self.description)

    @property
    def accepts_attempts(self) -> bool:
        """Whether a learner may start an attempt: published and active (in SQL:
        Quiz.objects.in_use())."""
        return self.live and self.is_active

    def clean(self):
        if self.paired_with_id is None:
            return
        if self.kind != self.Kind.POST_TEST:
            raise ValidationError(
                {"paired_with": _("Only a post-test is paired (with its pre-test).")}
            )
        if self.paired_with_id == self.pk or (
            self.paired_with.kind != self.Kind.PRE_TEST
        ):
            raise ValidationError(
                {"paired_with": _("Pair a post-test with a pre-test.")}
            )


class QuizQuestion(models.Model):
    """A question always asked in the quiz."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="quiz_uses"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["quiz", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "question"], name="assessments_quizquestion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id}:{self.question_id}"


class QuizDrawRule(models.Model):
    """N questions drawn at random per attempt from a category and/or competency."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="draw_rules")
    category = models.ForeignKey(
        QuestionCategory, null=True, blank=True, on_delete=models.PROTECT
    )
    competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.PROTECT
    )
    count = models.PositiveSmallIntegerField(_("questions to draw"), default=5)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["quiz", "sort_order", "pk"]

    def __str__(self) -> str:
        return f"{self.count} × {self.competency or self.category}"

    def clean(self):
        if not (self.category_id or self.competency_id):
            raise ValidationError(_("Choose a category, a competency or both."))


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "open", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"))
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The questions and option order drawn at start, frozen for resume and grading.
    question_ids = models.JSONField(default=list)
    option_order = models.JSONField(default=dict)
    # The published quiz revision the attempt was started on (None for a quiz that
    # was live before quizzes had revisions), and what grading needs from that
    # version, frozen at start: the pass mark, the kind and each drawn question's
    # answer key (see quiz_selectors.answer_key_freeze). Later publications never
    # change how this attempt is graded.
    quiz_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("quiz revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer_key = models.JSONField(_("answer key at start"), default=dict, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "learner", "number"], name="assessments_attempt_unique"
            ),
            # At most one open attempt per learner and quiz (resume, never fork).
            models.UniqueConstraint(
                fields=["quiz", "learner"],
                condition=models.Q(status="open"),
                name="assessments_attempt_one_open",
            ),
        ]
        indexes = [models.Index(fields=["learner", "quiz", "status"])]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number} · {self.learner}"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(default=dict)
    saved_at = models.DateTimeField()
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="assessments_attemptanswer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.question_id}"
