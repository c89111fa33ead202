"""The daily retention purge of the audit log."""

from celery import shared_task

from audit.services import purge


@shared_task(name="audit.purge")
def audit_purge() -> int:
    return purge()
