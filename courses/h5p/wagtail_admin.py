"""Back-office registration of H5P packages (imported by courses.wagtail_hooks)."""

from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin import h5p_upload
from .models import H5PPackage


class H5PPackageViewSet(SnippetViewSet):
    """Packages are created by uploading a file (courses.h5p.admin.h5p_upload);
    afterwards only the title may change."""

    model = H5PPackage
    icon = "pick"
    menu_label = _("H5P packages")
    menu_order = 291
    add_to_admin_menu = True
    list_display = ["title", "main_library", "library_list", "created_at"]
    search_fields = ["title", "main_library"]
    panels = [FieldPanel("title")]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(**kwargs) | {"add_url_name": "h5p_upload"}

    @property
    def add_view(self):
        return lambda request, *args, **kwargs: redirect("h5p_upload")


register_snippet(H5PPackageViewSet)


@hooks.register("register_admin_urls")
def register_h5p_upload_url():
    return [path("h5p/upload/", h5p_upload, name="h5p_upload")]
