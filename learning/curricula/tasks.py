"""Curriculum tasks: the assignment sync, reminders and notification e-mail."""

from celery import shared_task
from django.contrib.auth import get_user_model

from learning import policy
from learning.curricula.models import Assignment
from learning.curricula.reminders import assignment_remind_now, assignments_remind
from learning.curricula.sync import assignments_sync


@shared_task(name="learning.assignments_sync")
def assignments_sync_task(curriculum_ids=None, profile_ids=None) -> dict:
    """Sync assignments (all, or some curricula and/or people); idempotent."""
    result = assignments_sync(curriculum_ids=curriculum_ids, profile_ids=profile_ids)
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
    run = assignments_remind()
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
    return assignment_remind_now(
        actor=actor,
        assignments=[
            row for row in rows if policy.can_manage_person(actor, row.profile)
        ],
    )
