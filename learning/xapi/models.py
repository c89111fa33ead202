"""Stored xAPI statements and each learner's result per H5P activity."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
