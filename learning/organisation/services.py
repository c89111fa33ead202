"""Writes to the organisation that need no access decision: a learner's own language,
the HR group's permissions. Departments, people and role scopes change through
learning.people.services, which asks the policy."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from learning.organisation.models import LearnerProfile


def profile_set_language(*, user, language: str) -> None:
    """Remember a learner's language choice (used for e-mail and new devices)."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise ValidationError({"language": _("Unsupported language.")})
    LearnerProfile.objects.filter(user=user).update(preferred_language=language)


HR_GROUP = "HR officers"


_HR_PERMISSIONS = {
    "wagtailadmin": ["access_admin"],
    "learning": [
        f"{action}_{model}"
        for model in ("department", "learnerprofile", "rolescope")
        for action in ("add", "change", "delete", "view")
    ]
    + [
        f"{action}_{model}"
        for model in ("position", "rank")
        for action in ("add", "change", "view")
    ]
    + [f"{action}_competencytarget" for action in ("add", "change", "delete", "view")]
    + [f"{action}_curriculum" for action in ("add", "change", "delete", "view")]
    + ["view_assignment", "change_assignment", "add_rosterimport", "view_rosterimport"],
    # Targets name competencies, so HR reads the frameworks.
    "assessments": ["view_framework", "view_competency"],
}


def role_groups_ensure() -> Group:
    """The HR officers' group with its back-office permissions (idempotent). What an
    HR officer may touch is further narrowed to their scope by learning.policy."""
    group, _created = Group.objects.get_or_create(name=HR_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label__in=list(_HR_PERMISSIONS),
        codename__in=[code for codes in _HR_PERMISSIONS.values() for code in codes],
    )
    group.permissions.add(*wanted)
    return group
