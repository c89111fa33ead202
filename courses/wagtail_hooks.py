"""Back office for course editors: topics as a snippet; pages use Wagtail's own
editor, moderation workflow and scheduled publishing."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .h5p import wagtail_admin  # noqa: F401 (registers the H5P package admin)
from .models import Topic


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Course topics")
    menu_order = 290
    add_to_admin_menu = True
    list_display = ["code", "name_zh", "name", "sort_order"]
    search_fields = ["code", "name", "name_zh"]
    ordering = ["sort_order", "code"]


register_snippet(TopicViewSet)
