"""The study-hour (学时) ledger and the site's annual requirement."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


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
