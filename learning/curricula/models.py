"""Mandatory curricula, their ordered courses, the assignments (one per learner per
cycle) and the claims that keep reminders and digests to once."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

from assessments.i18n import localised
from learning.organisation.models import (
    Department,
    LearnerProfile,
    Position,
    Rank,
)


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
        return localised(self.name, self.name_en)

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
