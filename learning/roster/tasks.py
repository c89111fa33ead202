"""Roster import tasks."""

from celery import shared_task

from learning.roster.apply import roster_apply
from learning.roster.models import RosterImport


@shared_task(name="learning.roster_import_apply")
def roster_import_apply(import_id: int) -> str:
    """Apply a queued roster import. The claim (queued → applying) makes a second
    delivery, or a second run of an applied import, do nothing; returns the status."""
    claimed = RosterImport.objects.filter(
        pk=import_id, status=RosterImport.Status.QUEUED
    ).update(status=RosterImport.Status.APPLYING)
    roster_import = RosterImport.objects.filter(pk=import_id).first()
    if roster_import is None:
        return "missing"
    if not claimed:
        return roster_import.status
    return roster_apply(roster_import=roster_import).status
