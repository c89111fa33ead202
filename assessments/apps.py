from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_editor_permissions(sender, **kwargs):
    from .services.permissions import (
        editor_permissions_ensure,
        publisher_permissions_ensure,
    )

    editor_permissions_ensure()
    publisher_permissions_ensure()


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        from .services.publication import publication_watch

        post_migrate.connect(_grant_editor_permissions, sender=self)
        publication_watch()
