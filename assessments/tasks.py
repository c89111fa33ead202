"""Periodic work for competence. Tasks call services; the services own the rules."""

from celery import shared_task

from .services.evidence import competency_levels_expire
from .services.quizzes import attempts_close_expired


@shared_task(name="assessments.competency_levels_expire")
def competency_levels_expire_task() -> int:
    """Recompute current levels whose deciding evidence has expired. Idempotent, so
    beat may run it as often as wanted (hourly is plenty); returns the count."""
    return competency_levels_expire()


@shared_task(name="assessments.attempts_close_expired")
def attempts_close_expired_task() -> int:
    """Submit attempts whose time ran out (the learner closed the tab). Submitting is
    idempotent, so a repeated or overlapping run grades nothing twice."""
    return attempts_close_expired()
