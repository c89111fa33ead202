from django.apps import AppConfig
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _


def _forget_localized_home(sender, instance, **kwargs):
    from .models import HomePage, localized_home_cache_key  # noqa: PLC0415

    # Any home page changing state may change which one a language is served.
    ids = HomePage.objects.filter(
        translation_key=instance.translation_key
    ).values_list("pk", flat=True)
    cache.delete_many(
        [
            localized_home_cache_key(pk, code)
            for pk in ids
            for code in [code for code, _name in settings.LANGUAGES]
        ]
    )


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")

    def ready(self):
        from wagtail.signals import page_published, page_unpublished  # noqa: PLC0415

        from .models import HomePage  # noqa: PLC0415

        for signal in (page_published, page_unpublished):
            signal.connect(
                _forget_localized_home, sender=HomePage, dispatch_uid="cms_home_cache"
            )
