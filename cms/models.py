"""The site shell's pages."""

from django.core.cache import cache
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .selectors import home_sections_for


def localized_home_cache_key(page_id: int, language: str | None) -> str:
    return f"cms:home-localized:{page_id}:{language or ''}"


def home_for_language(site) -> Page:
    """The site's home page in the active language (the Chinese root, or its live
    translation), with the choice cached: Wagtail otherwise spends a locale query
    and a translation query on it for every page served. Publishing or unpublishing
    a home page forgets the choice (cms.apps)."""
    key = localized_home_cache_key(site.root_page_id, get_language())
    pk = cache.get(key)
    if pk is not None:
        page = HomePage.objects.filter(pk=pk, live=True).first()
        if page is not None:
            return page
    page = site.root_page.localized.specific
    cache.set(key, page.pk, 60 * 60)
    return page


class HomePage(Page):
    """The role-aware front page: each visitor sees the entry points of their roles."""

    headline = models.CharField(_("headline"), max_length=200, blank=True)
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("headline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        # Wagtail serves the home page of the visitor's language (Page.localized) and
        # walks down one level at a time, two queries per level. A lesson sits four
        # levels down, so find the page by its URL path in one query instead; only
        # a miss (a 404, or a routable page's sub-route) takes the walk.
        if path_components:
            url_path = self.url_path + "/".join(path_components) + "/"
            page = (
                Page.objects.filter(path__startswith=self.path, url_path=url_path)
                .only("id", "content_type_id")
                .first()
            )
            if page is not None:
                return page.specific.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections_for(request.user)
        return context


class StandardPage(Page):
    """A plain content page (about, help, privacy)."""

    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
