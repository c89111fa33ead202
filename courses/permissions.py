"""Which back-office groups may edit course topics and H5P packages (pages use
Wagtail's own page permissions: Editors add and edit, Moderators also publish), and
who may be served an H5P package's files."""

from django.contrib.auth.models import Group, Permission
from wagtail.permissions import policy_registry

from assessments.services.permissions import EDITOR_GROUPS

from .h5p.models import H5PPackage
from .selectors import used_package_ids


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


def h5p_files_may_read(user, package_id: int) -> bool:
    """A package's files are served to signed-in, active people when a published
    lesson uses it; a draft's files only to those who may add or change H5P packages
    (editors previewing; site admins), by the same Wagtail permission policy as the
    package admin. Access to the admin alone (HR, for one) is not enough."""
    if not (user.is_authenticated and user.is_active):
        return False
    if package_id in used_package_ids():
        return True
    return policy_registry.get_by_type(H5PPackage).user_has_any_permission(
        user, {"add", "change"}
    )
