from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _grant_topic_permissions(sender, **kwargs):
    from .permissions import topic_permissions_ensure  # noqa: PLC0415

    topic_permissions_ensure()


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from wagtail.signals import page_published, page_unpublished  # noqa: PLC0415

        from .catalog import catalog_filter_options_forget  # noqa: PLC0415
        from .models import Topic  # noqa: PLC0415
        from .selectors import used_package_ids_forget  # noqa: PLC0415

        post_migrate.connect(_grant_topic_permissions, sender=self)
        uid = "courses_catalog_options"
        for signal in (page_published, page_unpublished):
            signal.connect(catalog_filter_options_forget, dispatch_uid=uid)
            signal.connect(used_package_ids_forget, dispatch_uid="courses_h5p_used")
        for signal in (post_save, post_delete):
            signal.connect(
                catalog_filter_options_forget, sender=Topic, dispatch_uid=uid
            )
