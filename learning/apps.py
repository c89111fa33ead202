import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _ensure_groups(sender, **kwargs):
    from learning.organisation.services import role_groups_ensure

    role_groups_ensure()


def _attempt_graded(sender, attempt, **kwargs):
    from learning.journey.services import course_progress_on_quiz

    if not attempt.passed:
        return
    # The attempt is saved; a failure here must not turn its result page into an
    # error. The lesson and course pages then offer the POST that completes it.
    try:
        course_progress_on_quiz(learner=attempt.learner, quiz_id=attempt.quiz_id)
    except Exception:
        logger.exception("Course progress after attempt %s failed", attempt.pk)


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning")

    def ready(self):
        from assessments.signals import attempt_graded  # noqa: PLC0415

        post_migrate.connect(_ensure_groups, sender=self)
        attempt_graded.connect(_attempt_graded, dispatch_uid="learning_course_progress")
