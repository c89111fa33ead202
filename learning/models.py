"""The organisation: departments (a tree), ranks, positions, learner profiles and the
role scopes that decide what HR officers and leaders may see."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


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
