"""The outbox relay, run by celery beat."""

from celery import shared_task

from learning.outbox.services import outbox_relay


@shared_task(name="learning.outbox_relay")
def outbox_relay_task() -> int:
    """Send the tasks a broker outage or a dead process left waiting."""
    return outbox_relay()
