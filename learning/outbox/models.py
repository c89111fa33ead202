"""The outbox: tasks to enqueue, written in the transaction that asks for them."""

from django.db import models
from django.utils import timezone


class OutboxTask(models.Model):
    """A Celery task asked for by a committed change; sent_at once the broker has
    it (learning.outbox.services)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="learning_outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.args} {self.kwargs}"
