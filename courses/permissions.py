"""Which back-office groups may edit course topics (pages use Wagtail's own page
permissions: Editors add and edit, Moderators also publish)."""

from django.contrib.auth.models import Group, Permission

from assessments.services.permissions import EDITOR_GROUPS


def topic_permissions_ensure() -> None:
    """Course editors manage topics (idempotent)."""
    permissions = Permission.objects.filter(
        content_type__app_label="courses",
        codename__in=[f"{a}_topic" for a in ("add", "change", "delete", "view")],
    )
    for group in Group.objects.filter(name__in=EDITOR_GROUPS):
        group.permissions.add(*permissions)
