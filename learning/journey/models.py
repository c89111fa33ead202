"""The learner's journey: enrolments, lesson progress, certificates, course feedback
and saved H5P state."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.i18n import localised


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


class ReadingClock(models.Model):
    """One clock per learner for active reading time, shared by every lesson and
    course: the moment up to which their reading is already counted. Two tabs or two
    courses at once share it, so no learner is credited more than real time."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    counted_until = models.DateTimeField(_("counted until"))

    class Meta:
        verbose_name = _("reading clock")
        verbose_name_plural = _("reading clocks")

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.counted_until:%Y-%m-%d %H:%M:%S}"


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
        return localised(self.course_title_zh, self.course_title_en)


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
