"""Which back-office groups may edit course topics and H5P packages (pages use
Wagtail's own page permissions: Editors add and edit, Moderators also publish)."""

from django.contrib.auth.models import Group, Permission

from assessments.services.permissions import EDITOR_GROUPS


def topic_permissions_ensure() -> None:
    """Course editors manage topics and upload H5P packages (idempotent)."""
    permissions = Permission.objects.filter(
        content_type__app_label="courses",
        codename__in=[
            f"{action}_{model}"
            for model in ("topic", "h5ppackage")
            for action in ("add", "change", "delete", "view")
        ],
    )
    for group in Group.objects.filter(name__in=EDITOR_GROUPS):
        group.permissions.add(*permissions)
