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
