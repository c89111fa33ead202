"""Roster import tasks."""

from celery import shared_task

from learning.roster.apply import roster_apply, roster_uploads_purge
from learning.roster.models import RosterImport


@shared_task(name="learning.roster_import_apply")
def roster_import_apply(import_id: int) -> str:
    """Apply a queued roster import. The engine's claim makes a second delivery, or
    a run of an import not queued, do nothing, and lets a redelivery take over from
    a worker that died while applying; returns the status."""
    roster_import = RosterImport.objects.filter(pk=import_id).first()
    if roster_import is None:
        return "missing"
    return roster_apply(
        roster_import=roster_import, waiting=(RosterImport.Status.QUEUED,)
    ).status


@shared_task(name="learning.roster_uploads_purge")
def roster_uploads_purge_task() -> int:
    """Daily: delete the files of uploads past their retention (reports stay)."""
    return roster_uploads_purge()
