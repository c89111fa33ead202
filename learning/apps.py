from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_groups(sender, **kwargs):
    from .services import role_groups_ensure  # models are ready only after ready()

    role_groups_ensure()


def _attempt_graded(sender, attempt, **kwargs):
    from .services.journey import course_progress_on_quiz  # noqa: PLC0415

    if attempt.passed:
        course_progress_on_quiz(learner=attempt.learner, quiz_id=attempt.quiz_id)


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning")

    def ready(self):
        from assessments.signals import attempt_graded  # noqa: PLC0415

        post_migrate.connect(_ensure_groups, sender=self)
        attempt_graded.connect(_attempt_graded, dispatch_uid="learning_course_progress")
