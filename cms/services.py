"""Writes for the site shell."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from .models import HomePage

HOME_TITLE = "CivicSkills 数字政府能力学习平台"
HOME_HEADLINE = "提升数字与电子政务能力"
HOME_INTRO = (
    "<p>面向县乡基层公务人员的数字素养与电子政务能力学习平台："
    "课程、测评、必修课程与部门能力看板。</p>"
)


@transaction.atomic
def home_page_ensure() -> HomePage:
    """Both content locales, the root collection, a live Chinese home page under the
    tree root and the default site pointing at it (the migrations do the same on a
    new database; this repairs a flushed one). Idempotent."""
    if Collection.get_first_root_node() is None:
        # Documents, images and their choosers need it.
        Collection.add_root(name="Root")
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


def site_address_ensure() -> Site | None:
    """Point the default Wagtail site at the host name and port of SITE_URL (what
    e-mailed links use too), so that `make run PORT=8001` serves and links the same
    address. Returns the site when it changed."""
    address = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    hostname = address.hostname or "localhost"
    port = address.port or (443 if address.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None or (site.hostname, site.port) == (hostname, port):
        return None
    site.hostname, site.port = hostname, port
    site.save(update_fields=["hostname", "port"])
    return site
