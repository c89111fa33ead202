"""Which back-office groups may edit course topics and H5P packages (pages use
Wagtail's own page permissions: Editors add and edit, Moderators also publish), and
who may play an H5P package."""

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


def h5p_play_mode(user, package_id: int) -> str | None:
    """How this person may play a package, decided when a lesson page renders (the
    frame and files themselves never see the session): "published" for signed-in,
    active people when a published lesson uses it; "preview" for a draft, only to
    those who may add or change H5P packages (editors previewing; site admins), by
    the same Wagtail permission policy as the package admin; None for anyone else.
    Access to the admin alone (HR, for one) is not enough."""
    if not (user.is_authenticated and user.is_active):
        return None
    if package_id in used_package_ids():
        return "published"
    if policy_registry.get_by_type(H5PPackage).user_has_any_permission(
        user, {"add", "change"}
    ):
        return "preview"
    return None


def h5p_grant_may_play(grant) -> bool:
    """A token keeps working while a published lesson uses its package; a preview
    token (issued only by h5p_play_mode) plays a draft too, until it expires."""
    return grant.preview or grant.package_id in used_package_ids()
