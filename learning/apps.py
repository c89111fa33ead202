from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_groups(sender, **kwargs):
    from .services import role_groups_ensure  # models are ready only after ready()

    role_groups_ensure()


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning")

    def ready(self):
        post_migrate.connect(_ensure_groups, sender=self)
