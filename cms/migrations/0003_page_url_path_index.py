from django.db import migrations

# HomePage.route finds pages by url_path; Wagtail does not index that column.
# SQLite and PostgreSQL both accept this statement.


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_home_page_and_locales"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS cms_page_url_path_idx "
            "ON wagtailcore_page (url_path)",
            reverse_sql="DROP INDEX IF EXISTS cms_page_url_path_idx",
        )
    ]
