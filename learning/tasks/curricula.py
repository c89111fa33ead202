"""Curriculum tasks: the assignment sync, reminders and notification e-mail."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .. import policy
from ..models import Assignment
from ..services import curricula, notifications

__all__ = [
    "assignments_remind_now_task",
    "assignments_remind_task",
    "assignments_sync_task",
    "notification_email_send",
    "notifications_email_sweep",
]


@shared_task(name="learning.assignments_sync")
def assignments_sync_task(curriculum_ids=None, profile_ids=None) -> dict:
    """Sync assignments (all, or some curricula and/or people); idempotent."""
    result = curricula.assignments_sync(
        curriculum_ids=curriculum_ids, profile_ids=profile_ids
    )
    return {
        "created": result.created,
        "renewed": result.renewed,
        "reopened": result.reopened,
        "closed": result.closed,
        "completed": result.completed,
        "expired": result.expired,
        "updated": result.updated,
    }


@shared_task(name="learning.assignments_remind")
def assignments_remind_task() -> dict:
    """Today's reminders and digests; each goes once however often this runs."""
    run = notifications.assignments_remind()
    return {"reminders": run.reminders, "digests": run.digests}


@shared_task(name="learning.assignments_remind_now")
def assignments_remind_now_task(actor_id: int, assignment_ids: list[int]) -> int:
    """HR's "remind now" for a large filtered list, off the request. Reminders
    already sent today are skipped, so a retried task sends nothing twice."""
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return 0
    rows = (
        Assignment.objects.filter(pk__in=assignment_ids)
        .select_related("curriculum", "profile__department", "learner__learner_profile")
        .order_by("pk")
    )
    return notifications.assignment_remind_now(
        actor=actor,
        assignments=[
            row for row in rows if policy.can_manage_person(actor, row.profile)
        ],
    )


@shared_task(
    name="learning.notification_email_send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def notification_email_send(notification_id: int) -> bool:
    return notifications.notification_email(notification_id=notification_id)


@shared_task(name="learning.notifications_email_sweep")
def notifications_email_sweep() -> int:
    pending = notifications.notification_email_pending()
    for notification_id in pending:
        notification_email_send.delay(notification_id)
    return len(pending)
