"""Writes to the organisation. Every change of departments, people and role scopes goes
through one function here; views, forms and admin screens call these."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning.organisation.models import (
    Department,
    LearnerProfile,
)


@transaction.atomic
def department_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Department | None = None,
    name_en: str = "",
) -> Department:
    """Create a department under `parent` (a new root when None)."""
    department = Department(code=code, name=name, name_en=name_en, kind=kind)
    department.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Department.add_root(instance=department)
    parent.refresh_from_db()
    return parent.add_child(instance=department)


@transaction.atomic
def department_update(
    *,
    department: Department,
    parent: Department | None = None,
    **fields: object,
) -> Department:
    """Change a department's fields and, when `parent` differs, move it (with its
    subtree) under the new parent. A department cannot move into its own subtree."""
    for name, value in fields.items():
        setattr(department, name, value)
    department.full_clean(exclude=["path", "depth", "numchild"])
    department.save()
    current_parent = department.get_parent()
    if parent is not None and (
        current_parent is None or parent.pk != current_parent.pk
    ):
        if parent.path.startswith(department.path):
            raise ValidationError(
                {
                    "parent": _(
                        "A department cannot be moved under itself or its own sections."
                    )
                }
            )
        department.move(parent, pos="sorted-child")
        department.refresh_from_db()
    return department


@transaction.atomic
def department_deactivate(*, department: Department) -> int:
    """Close a department and every unit below it (never delete: history, targets
    and past assignments stay). Refused while active people still work in it;
    returns how many departments were deactivated."""
    subtree = Department.objects.filter(path__startswith=department.path)
    staff = LearnerProfile.objects.filter(
        department__in=subtree, is_active=True
    ).count()
    if staff:
        raise ValidationError(
            _(
                "%(count)s active people still work in this department or below it. "
                "Move them or record them as leavers first."
            )
            % {"count": staff}
        )
    return subtree.update(is_active=False)


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
