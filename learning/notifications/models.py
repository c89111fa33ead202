"""Notifications in the learner's notification centre."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learning.notifications.messages import message_render


class Notification(models.Model):
    """An entry in a person's notification centre; e-mailed once when asked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32)
    # A message of learning.notifications.messages and its parameters: shown in the
    # reader's language of the moment (on screen and by e-mail).
    message = models.CharField(_("message key"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Frozen text: notifications written before message keys (and any without a
    # key) are shown as stored.
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    # The mandatory training it is about; finishing it resolves the notification.
    assignment = models.ForeignKey(
        "learning.Assignment",
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # When a worker began sending it (learning.notifications.email's claim).
    email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.message or self.subject}"

    @property
    def text(self) -> tuple[str, str]:
        """(subject, body) in the active language."""
        return message_render(self)
