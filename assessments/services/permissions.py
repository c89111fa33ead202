"""Which back-office groups may work on the question bank and quizzes."""

from django.contrib.auth.models import Group, Permission

EDITOR_GROUPS = ("Editors", "Moderators")
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
