"""Put the CivicSkills home page at the site root (in place of Wagtail's welcome page)
and make sure both content locales exist."""

from django.db import migrations

HOME_TITLE = "CivicSkills 数字政府能力学习平台"
HOME_HEADLINE = "提升数字与电子政务能力"
HOME_INTRO = (
    "<p>面向县乡基层公务人员的数字素养与电子政务能力学习平台："
    "课程、测评、必修课程与部门能力看板。</p>"
)


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("cms.HomePage")

    zh, _ = Locale.objects.get_or_create(language_code="zh-hans")
    Locale.objects.get_or_create(language_code="en")

    if HomePage.objects.exists():
        return
    # Wagtail's own initial data leaves a placeholder welcome page at depth 2.
    Page.objects.filter(depth=2, content_type__model="page", numchild=0).delete()
    root = Page.objects.get(depth=1)

    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    taken = set(Page.objects.filter(depth=2).values_list("path", flat=True))
    number = 1
    while f"{root.path}{number:04d}" in taken:
        number += 1
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=home_type,
        path=f"{root.path}{number:04d}",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=zh,
        headline=HOME_HEADLINE,
        intro=HOME_INTRO,
        live=True,
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True,
        site_name="CivicSkills",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]

    operations = [migrations.RunPython(create_home, migrations.RunPython.noop)]
