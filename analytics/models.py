"""Analytics' own rows: the daily snapshot of each department's figures, from which
the trends are drawn. Written only by analytics.snapshots; everything else in
analytics reads the live records."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.organisation.models import Department


class DepartmentSnapshot(models.Model):
    """One department's figures (its whole subtree) at the end of one day, as
    analytics.snapshots computes them from the records' own dates."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    staff = models.PositiveIntegerField(_("staff"), default=0)
    # Mandatory curricula: the cycles in force that day (learning.curricula.status).
    assigned = models.PositiveIntegerField(_("assigned"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    completed_late = models.PositiveIntegerField(_("completed late"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    exempt = models.PositiveIntegerField(_("exempt"), default=0)
    # Competency targets: one per person and competency with a target.
    targets = models.PositiveIntegerField(_("competency targets"), default=0)
    targets_met = models.PositiveIntegerField(_("targets met"), default=0)
    # Study hours (学时) of the calendar year up to the day.
    hours = models.DecimalField(
        _("study hours this year"), max_digits=14, decimal_places=2, default=0
    )
    on_pace = models.PositiveIntegerField(_("people on pace"), default=0)
    hours_required = models.DecimalField(
        _("annual requirement"), max_digits=5, decimal_places=1, default=0
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department snapshot")
        verbose_name_plural = _("department snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "day"], name="analytics_snapshot_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["day"], name="analytics_snapshot_day")]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.day}"
