"""Writes for the site shell."""

from django.db import transaction
from wagtail.models import Locale, Page, Site

from .models import HomePage

HOME_TITLE = "CivicSkills 数字政府能力学习平台"
HOME_HEADLINE = "提升数字与电子政务能力"
HOME_INTRO = (
    "<p>面向县乡基层公务人员的数字素养与电子政务能力学习平台："
    "课程、测评、必修课程与部门能力看板。</p>"
)


@transaction.atomic
def home_page_ensure() -> HomePage:
    """Both content locales, a live Chinese home page under the tree root and the
    default site pointing at it (the migration does the same on a new database; this
    repairs a flushed one). Idempotent."""
    zh, _created = Locale.objects.get_or_create(language_code="zh-hans")
    Locale.objects.get_or_create(language_code="en")
    home = HomePage.objects.filter(locale=zh).first()
    if home is None:
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(
            instance=HomePage(
                title=HOME_TITLE,
                slug="home",
                locale=zh,
                headline=HOME_HEADLINE,
                intro=HOME_INTRO,
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="CivicSkills",
        )
    elif (
        site.root_page_id != home.pk
        and not HomePage.objects.filter(pk=site.root_page_id).exists()
    ):
        site.root_page = home
        site.save(update_fields=["root_page"])
    return home
