"""A roster import: the uploaded file, its dry-run report and its progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.organisation.models import Department


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
    # The worker applying the import: its token, and when it claimed the import or
    # last reported progress (see learning.roster.apply for how a claim is taken
    # over from a worker that died).
    claim_token = models.CharField(
        _("claimed by"), max_length=32, blank=True, editable=False
    )
    claimed_at = models.DateTimeField(
        _("claimed at"), null=True, blank=True, editable=False
    )
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
