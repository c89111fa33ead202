"""Required competency levels per position (and optionally per department)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.organisation.models import Department, Position


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
