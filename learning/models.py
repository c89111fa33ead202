"""The organisation: departments (a tree), ranks, positions, learner profiles and the
role scopes that decide what HR officers and leaders may see."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from treebeard.mp_tree import MP_Node
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable


def _localised(zh: str, en: str) -> str:
    """The English text when the active language is English and one exists."""
    language = (get_language() or "").lower()
    return en if language.startswith("en") and en else zh


class Department(MP_Node):
    class Kind(models.TextChoices):
        COUNTY = "county", _("County")
        BUREAU = "bureau", _("Bureau")
        TOWNSHIP = "township", _("Township / street")
        OFFICE = "office", _("Office")
        SECTION = "section", _("Section")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        indexes = [
            # Subtree look-ups are `path LIKE 'prefix%'`; PostgreSQL needs the pattern
            # operator class to use an index for them (ignored on SQLite).
            models.Index(
                fields=["path"],
                name="learning_dept_path_like",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_en)

    @property
    def tree_label(self) -> str:
        """The name indented by depth, for flat lists that show the tree."""
        return "　" * max(self.depth - 1, 0) + self.display_name


class Rank(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")

    def __str__(self) -> str:
        return _localised(self.name, self.name_en)


class Position(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    rank = models.ForeignKey(
        Rank,
        verbose_name=_("typical rank"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_leader = models.BooleanField(
        _("leader position"),
        default=False,
        help_text=_("Heads of a unit: receive escalations and lead its dashboard."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return _localised(self.title, self.title_en)


class LearnerProfile(models.Model):
    """A civil servant. Leavers are deactivated, never deleted, so history stays."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="learner_profile",
    )
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holders",
    )
    rank = models.ForeignKey(
        Rank,
        verbose_name=_("rank"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holders",
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
    )

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")
        indexes = [models.Index(fields=["department", "is_active"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_number})"


class RoleScope(models.Model):
    """A role held over a department and everything below it."""

    class Role(models.TextChoices):
        HR = "hr", _("HR officer")
        LEADER = "leader", _("Leader")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_scopes",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department (with its subtree)"),
        on_delete=models.CASCADE,
        related_name="role_scopes",
    )

    class Meta:
        verbose_name = _("role scope")
        verbose_name_plural = _("role scopes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department"], name="learning_rolescope_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.department}"


class CompetencyTarget(models.Model):
    """The level a position requires in a competency, county-wide or (when a
    department is set) only inside that department's subtree, where it overrides."""

    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        related_name="competency_targets",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("only in department (with its subtree)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="competency_targets",
    )
    competency = models.ForeignKey(
        "assessments.Competency",
        verbose_name=_("competency"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    required_level = models.PositiveSmallIntegerField(_("required level"))

    class Meta:
        verbose_name = _("competency target")
        verbose_name_plural = _("competency targets")
        constraints = [
            models.UniqueConstraint(
                fields=["position", "competency"],
                condition=models.Q(department__isnull=True),
                name="learning_target_unique_countywide",
            ),
            models.UniqueConstraint(
                fields=["position", "competency", "department"],
                condition=models.Q(department__isnull=False),
                name="learning_target_unique_department",
            ),
        ]
        indexes = [models.Index(fields=["competency", "position"])]

    def __str__(self) -> str:
        return f"{self.position} · {self.competency.code} ≥ {self.required_level}"


class StudyHourEntry(models.Model):
    """One line of a learner's study-hour (学时) ledger. Lines are never edited:
    corrections and withdrawals are new lines, so the year's total is their sum."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("Earned")
        ADJUSTED = "adjusted", _("Adjusted by HR")
        REVOKED = "revoked", _("Revoked")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="study_hours",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source_type = models.CharField(_("source type"), max_length=32, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    source_label = models.CharField(_("source"), max_length=300, blank=True)
    # The credit cycle (e.g. the year, or a mandatory curriculum's cycle): a source
    # earns hours once per cycle.
    cycle = models.CharField(_("cycle"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    earned_at = models.DateTimeField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-earned_at", "-pk"]
        verbose_name = _("study-hour entry")
        verbose_name_plural = _("study-hour entries")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "source_type", "source_id", "cycle"],
                condition=models.Q(kind="earned"),
                name="learning_studyhours_earned_once",
            )
        ]
        indexes = [models.Index(fields=["learner", "year"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.year} · {self.hours}"


@register_setting(icon="time")
class StudyHourSettings(BaseSiteSetting):
    annual_requirement = models.DecimalField(
        _("study hours required per year"),
        max_digits=5,
        decimal_places=1,
        default=50,
        help_text=_("Each civil servant's annual requirement of study hours (学时)."),
    )

    class Meta:
        verbose_name = _("study hours")


# The learner's journey through courses ------------------------------------------------
# Courses exist once per language (Wagtail translations share a translation_key), so
# the record keys courses and lessons by that key: progress made in the Chinese
# version counts in the English one and the other way round.


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNMENT = "assignment", _("Assigned")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    course_key = models.UUIDField(_("course"))
    # The version the learner enrolled through (for titles; the key is the identity).
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course page"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.SELF
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Set when the learner takes a completed course again for a new mandatory cycle:
    # quizzes and activities count again only from then on.
    retaken_at = models.DateTimeField(_("taken again from"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course_key"], name="learning_enrollment_once"
            )
        ]
        indexes = [
            models.Index(fields=["learner", "status"]),
            models.Index(fields=["course_key", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course_key}"


class LessonProgress(models.Model):
    class Via(models.TextChoices):
        READING = "reading", _("Read and marked complete")
        ACTIVITIES = "activities", _("Required activities done")

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="lessons"
    )
    lesson_key = models.UUIDField(_("lesson"))
    active_seconds = models.PositiveIntegerField(_("active seconds"), default=0)
    # When the learner last opened the lesson or sent a heartbeat: heartbeats are
    # capped by the time since then.
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_via = models.CharField(
        _("completed by"), max_length=16, choices=Via.choices, blank=True
    )

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson_key"],
                name="learning_lesson_progress_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} · {self.lesson_key}"


class Certificate(models.Model):
    """Proof of one completion. Names and titles are copied at issue time so that
    the certificate says what it said on the day, whatever is edited later."""

    code = models.CharField(_("verification code"), max_length=24, unique=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="certificates"
    )
    course_key = models.UUIDField(_("course"))
    learner_name = models.CharField(_("name"), max_length=200)
    course_title_zh = models.CharField(_("course (Chinese)"), max_length=255)
    course_title_en = models.CharField(_("course (English)"), max_length=255)
    credit_hours = models.DecimalField(_("study hours"), max_digits=4, decimal_places=1)
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["learner", "course_key"])]

    def __str__(self) -> str:
        return self.code

    @property
    def course_title(self) -> str:
        language = (get_language() or "").lower()
        if language.startswith("zh"):
            return self.course_title_zh or self.course_title_en
        return self.course_title_en or self.course_title_zh


class CourseFeedback(models.Model):
    """The short satisfaction survey after a completion (1–5 and a comment)."""

    certificate = models.OneToOneField(
        Certificate, on_delete=models.CASCADE, related_name="feedback"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    course_key = models.UUIDField(_("course"), db_index=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=[(i, str(i)) for i in range(1, 6)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("course feedback")
        verbose_name_plural = _("course feedback")

    def __str__(self) -> str:
        return f"{self.certificate_id} · {self.rating}"


class XAPIStatement(models.Model):
    """One xAPI statement a learner's player sent, kept as stored (the actor replaced
    by the signed-in learner), with the fields the record queries pulled out."""

    statement_id = models.UUIDField(_("statement id"), unique=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="xapi_statements",
    )
    verb = models.CharField(_("verb"), max_length=255, db_index=True)
    activity_iri = models.CharField(_("activity"), max_length=500, db_index=True)
    registration = models.UUIDField(_("registration"), null=True, blank=True)
    timestamp = models.DateTimeField(_("timestamp"))
    # Set by the server (the same value as the body's "stored"), never by the client.
    stored = models.DateTimeField(_("stored"), default=timezone.now, editable=False)
    # The statement's scaled score, or raw / max when it gave no scaled score.
    score_scaled = models.DecimalField(
        _("scaled score"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    success = models.BooleanField(_("success"), null=True, blank=True)
    completion = models.BooleanField(_("completion"), null=True, blank=True)
    # A top-level answered/completed/passed/failed statement: it counts as a result.
    is_final = models.BooleanField(_("final result"), default=False)
    body = models.JSONField(_("statement"))

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [
            models.Index(fields=["learner", "activity_iri"]),
            models.Index(fields=["learner", "stored"]),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class H5PResult(models.Model):
    """A learner's standing in one H5P activity, built from their final statements."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="h5p_results",
    )
    activity_iri = models.CharField(_("activity"), max_length=500)
    lesson_key = models.UUIDField(_("lesson"))
    block_id = models.CharField(_("block"), max_length=64)
    best_scaled = models.DecimalField(
        _("best scaled score"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    last_scaled = models.DecimalField(
        _("last scaled score"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    passed_at = models.DateTimeField(_("passed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("H5P result")
        verbose_name_plural = _("H5P results")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "activity_iri"], name="learning_h5p_result_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.activity_iri}"


class H5PActivityState(models.Model):
    """Where a learner left an H5P activity (the player's contentUserData), so that
    it resumes there on any device and in either language version."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    lesson_key = models.UUIDField(_("lesson"))
    block_id = models.CharField(_("block"), max_length=64)
    state = models.TextField(_("state"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("H5P activity state")
        verbose_name_plural = _("H5P activity states")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson_key", "block_id"],
                name="learning_h5p_state_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.lesson_key} · {self.block_id}"


# Mandatory curricula ------------------------------------------------------------------
# HR assigns a curriculum (ordered courses) to an audience; the sync service turns the
# rules into one assignment per learner per cycle. Courses are keyed by translation
# key, as in the learner record, so either language version completes them.


class Curriculum(ClusterableModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class DueKind(models.TextChoices):
        FIXED = "fixed", _("On a fixed date")
        AFTER_ASSIGNMENT = "after_assignment", _("N days after assignment")
        AFTER_HIRE = "after_hire", _("N days after hire")

    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    # The HR scope the curriculum belongs to: its audience must lie inside it.
    owner_department = models.ForeignKey(
        Department,
        verbose_name=_("owned by department"),
        on_delete=models.PROTECT,
        related_name="owned_curricula",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # Zero: every course is required; k: any k of the courses complete it.
    required_count = models.PositiveSmallIntegerField(
        _("courses required"),
        default=0,
        help_text=_("0 means all courses; a number k means any k of them."),
    )
    # Audience: people in any listed department (with or without the subtree) AND
    # holding any listed position AND any listed rank (an empty list does not
    # narrow), plus named individuals, minus the exclusions.
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments (with their subtree)"),
        blank=True,
        related_name="+",
    )
    departments_exact = models.ManyToManyField(
        Department,
        verbose_name=_("departments (only the unit itself)"),
        blank=True,
        related_name="+",
    )
    positions = models.ManyToManyField(
        Position, verbose_name=_("positions"), blank=True, related_name="+"
    )
    ranks = models.ManyToManyField(
        Rank, verbose_name=_("ranks"), blank=True, related_name="+"
    )
    individuals = models.ManyToManyField(
        LearnerProfile,
        verbose_name=_("named individuals"),
        blank=True,
        related_name="+",
    )
    excluded_departments = models.ManyToManyField(
        Department,
        verbose_name=_("excluded departments (with their subtree)"),
        blank=True,
        related_name="+",
    )
    excluded_people = models.ManyToManyField(
        LearnerProfile,
        verbose_name=_("excluded people"),
        blank=True,
        related_name="+",
    )
    due_kind = models.CharField(
        _("due"), max_length=20, choices=DueKind.choices, default=DueKind.FIXED
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(_("days to complete"), default=30)
    recurrence_months = models.PositiveSmallIntegerField(
        _("repeat every (months)"),
        default=0,
        help_text=_("0: once. 12: a new cycle every year."),
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        _("next cycle opens (days before expiry)"), default=30
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=0,
        help_text=_("Days after the due date before the assignment counts as overdue."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mandatory curriculum")
        verbose_name_plural = _("mandatory curricula")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_en)

    @property
    def recurrence_label(self) -> str:
        if not self.recurrence_months:
            return str(_("Once"))
        return str(_("Every %(months)s months") % {"months": self.recurrence_months})


class CurriculumCourse(Orderable):
    curriculum = ParentalKey(Curriculum, on_delete=models.CASCADE, related_name="items")
    # The version HR picked (for titles and links); the key is the identity, so
    # either language version completes it.
    # HR picks from the published courses of the site's main language; the
    # translation key makes any language version count.
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"live": True, "locale__language_code": "zh-hans"},
    )
    course_key = models.UUIDField(_("course key"), editable=False)

    class Meta(Orderable.Meta):
        verbose_name = _("curriculum course")
        verbose_name_plural = _("curriculum courses")
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "course_key"], name="learning_curriculum_course"
            )
        ]

    panels = [FieldPanel("course", widget=forms.Select)]

    def __str__(self) -> str:
        return f"{self.curriculum_id} · {self.course_key}"

    def save(self, *args, **kwargs):
        # The key follows the chosen page (denormalised for set-based queries).
        if self.course_id and self.course is not None:
            self.course_key = self.course.translation_key
        super().save(*args, **kwargs)


class Assignment(models.Model):
    """One learner's obligation for one cycle of a curriculum. Rows are never deleted:
    a learner who leaves the audience has the open cycle closed, with history."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("assignment state", "Open")
        COMPLETED = "completed", _("Completed")
        EXEMPT = "exempt", _("Exempt")
        CLOSED = "closed", _("No longer assigned")
        EXPIRED = "expired", _("Expired unfinished")

    # No single-column indexes on these two: the unique (curriculum, learner,
    # cycle) and the (learner, state) indexes lead with them, and every index
    # costs at a province's first sync (millions of rows).
    curriculum = models.ForeignKey(
        Curriculum,
        on_delete=models.PROTECT,
        related_name="assignments",
        db_index=False,
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="assignments",
        db_index=False,
    )
    profile = models.ForeignKey(
        LearnerProfile, on_delete=models.PROTECT, related_name="assignments"
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    # The cycle runs from `starts_on` until `expires_on` (none when not recurring);
    # the next cycle's assignment is created `renewal_window_days` before expiry.
    starts_on = models.DateField(_("cycle starts"))
    expires_on = models.DateField(_("cycle expires"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    # The first day it counts as overdue (the day after due date plus grace).
    overdue_on = models.DateField(_("overdue from"))
    # Completions from this moment on count for the cycle.
    counts_from = models.DateTimeField(_("completions count from"), null=True)
    assigned_at = models.DateTimeField(_("assigned at"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.OPEN
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    exempt_reason = models.CharField(_("exemption reason"), max_length=300, blank=True)
    exempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exempted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Courses done in this cycle, counted against the curriculum's requirement.
    courses_done = models.PositiveSmallIntegerField(_("courses done"), default=0)
    courses_required = models.PositiveSmallIntegerField(
        _("courses required"), default=0
    )
    # The person's latest cycle of the curriculum (kept by the sync), so that
    # compliance reads the current cycles by index, not by comparing cycles.
    is_current = models.BooleanField(_("current cycle"), default=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "learner", "cycle"],
                name="learning_assignment_once_per_cycle",
            )
        ]
        indexes = [
            models.Index(fields=["learner", "state"]),
            models.Index(
                fields=["curriculum", "state", "overdue_on"],
                condition=models.Q(is_current=True),
                name="learning_assignment_current",
            ),
            models.Index(fields=["state", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.curriculum_id} · {self.learner_id} · {self.cycle}"


class AssignmentReminder(models.Model):
    """A reminder that was sent: the unique row is the claim that makes every kind go
    out at most once per assignment, however often the task runs."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=32)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assignment reminder")
        verbose_name_plural = _("assignment reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind"], name="learning_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} · {self.kind}"


class DigestLog(models.Model):
    """A digest sent to one person for one period (e.g. a leader's weekly overdue
    digest), claimed before it is sent so that it goes out once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32)
    period = models.CharField(_("period"), max_length=16)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period"], name="learning_digest_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind} · {self.period}"


class Notification(models.Model):
    """An entry in a person's notification centre; e-mailed once when asked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32)
    # Stored in the recipient's language at the time it was written.
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.subject}"


class RosterImport(models.Model):
    """One upload of the staff roster: checked in a dry run, then applied by a task
    in one transaction (all rows or none)."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked (dry run)")
        QUEUED = "queued", _("Waiting to apply")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The scope the import acts in: people and departments outside it are refused.
    scope_department = models.ForeignKey(
        Department,
        verbose_name=_("department scope"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("file"))
    full_roster = models.BooleanField(_("full roster"), default=False)
    create_departments = models.BooleanField(
        _("create unknown departments from their path"), default=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CHECKED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # Counts and row-by-row outcome of the dry run, then of the apply.
    report = models.JSONField(_("report"), default=dict)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.APPLIED else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
