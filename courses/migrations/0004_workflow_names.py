# Wagtail's default moderation workflow and its task are both called
# "Moderators approval", a name that shows in the Chinese back office's buttons and
# e-mails. Names are data, not translatable strings, so each gets a name that reads
# in both languages (Chinese first). Names an administrator already changed stay.

from django.db import migrations

WAGTAIL_DEFAULT = "Moderators approval"
WORKFLOW_NAME = "内容审核（Content review）"
TASK_NAME = "审核员审批（Moderator approval）"


def name_in_both_languages(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(
        name=WAGTAIL_DEFAULT
    ).update(name=WORKFLOW_NAME)
    apps.get_model("wagtailcore", "Task").objects.filter(name=WAGTAIL_DEFAULT).update(
        name=TASK_NAME
    )


def wagtail_names(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).update(
        name=WAGTAIL_DEFAULT
    )
    apps.get_model("wagtailcore", "Task").objects.filter(name=TASK_NAME).update(
        name=WAGTAIL_DEFAULT
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_h5p_installed_library"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(name_in_both_languages, wagtail_names)]
