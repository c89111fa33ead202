"""Which back-office groups may work on the question bank and quizzes."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

EDITOR_GROUPS = ("Editors", "Moderators")
# Who publishes quizzes and questions (Wagtail's snippet publish permission); editors
# save drafts and submit them to the moderation workflow. Site admins may anyway.
PUBLISHER_GROUPS = ("Moderators",)
_MODERATED = ("quiz", "question")
_EDITABLE = (
    "question",
    "questionoption",
    "questioncategory",
    "quiz",
    "quizquestion",
    "quizdrawrule",
)
_READABLE = ("framework", "competency")


def editor_permissions_ensure() -> None:
    """Course editors write questions and quizzes and read frameworks (idempotent).
    Importing or changing frameworks stays with site administrators."""
    codenames = [
        f"{action}_{model}"
        for model in _EDITABLE
        for action in ("add", "change", "delete", "view")
    ] + [f"view_{model}" for model in _READABLE]
    permissions = Permission.objects.filter(
        content_type__app_label="assessments", codename__in=codenames
    )
    for group in Group.objects.filter(name__in=EDITOR_GROUPS):
        group.permissions.add(*permissions)


def publisher_permissions_ensure() -> None:
    """Moderators publish, lock and unlock quizzes and questions (idempotent);
    Editors only save drafts and submit them (editor_permissions_ensure). The
    permissions are Wagtail's snippet ones, made here when missing: Wagtail makes
    them only for snippets registered by the time migrate ends, and these are
    registered with the admin's URLs."""
    permissions = []
    for model in _MODERATED:
        content_type, _created = ContentType.objects.get_or_create(
            app_label="assessments", model=model
        )
        for action in ("publish", "lock", "unlock"):
            permission, _created = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            permissions.append(permission)
    for group in Group.objects.filter(name__in=PUBLISHER_GROUPS):
        group.permissions.add(*permissions)
