"""Writes to the organisation. Every change of departments, people and role scopes goes
through one function here; views, forms and admin screens call these."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning import policy
from learning.curricula.services import assignments_sync_after_roster
from learning.organisation.models import (
    Department,
    LearnerProfile,
    Position,
    Rank,
    RoleScope,
)

User = get_user_model()


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


@transaction.atomic
def person_create(
    *,
    employee_number: str,
    full_name: str,
    department: Department,
    position: Position | None = None,
    rank: Rank | None = None,
    hire_date: datetime.date | None = None,
    email: str = "",
    phone: str = "",
    username: str | None = None,
) -> LearnerProfile:
    """Create a civil servant: a sign-in account (no usable password until one is set
    or single sign-on links it) and the learner profile."""
    username = username or employee_number
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            {"employee_number": _("An account with this name exists.")}
        )
    user = User(username=username, first_name=full_name[:150], email=email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    profile = LearnerProfile(
        user=user,
        employee_number=employee_number,
        full_name=full_name,
        department=department,
        position=position,
        rank=rank,
        hire_date=hire_date,
        phone=phone,
    )
    profile.full_clean()
    profile.save()
    assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


@transaction.atomic
def person_update(*, profile: LearnerProfile, **fields: object) -> LearnerProfile:
    """Change a person's record; a change of name or e-mail reaches the account too."""
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    user = profile.user
    changed = []
    if user.first_name != profile.full_name[:150]:
        user.first_name = profile.full_name[:150]
        changed.append("first_name")
    if "email" in fields:
        user.email = str(fields["email"])
        changed.append("email")
    if changed:
        user.save(update_fields=changed)
    # A move, a new position or rank may change which curricula apply.
    if {"department", "position", "rank", "is_active"} & set(fields):
        assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


@transaction.atomic
def person_deactivate(
    *, profile: LearnerProfile, left_on: datetime.date | None = None
) -> LearnerProfile:
    """A leaver: the account can no longer sign in; every record stays."""
    profile.is_active = False
    profile.left_on = left_on or datetime.date.today()
    profile.save(update_fields=["is_active", "left_on"])
    profile.user.is_active = False
    profile.user.save(update_fields=["is_active"])
    assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


@transaction.atomic
def person_reactivate(*, profile: LearnerProfile) -> LearnerProfile:
    """A returner keeps their history and signs in again."""
    profile.is_active = True
    profile.left_on = None
    profile.save(update_fields=["is_active", "left_on"])
    profile.user.is_active = True
    profile.user.save(update_fields=["is_active"])
    assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


def role_scope_grant(*, user, role: str, department: Department) -> RoleScope:
    """Give `user` the role over `department` and its subtree (idempotent)."""
    if role not in RoleScope.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    scope, _created = RoleScope.objects.get_or_create(
        user=user, role=role, department=department
    )
    policy.clear_cache(user)
    return scope


def role_scope_revoke(*, user, role: str, department: Department) -> None:
    RoleScope.objects.filter(user=user, role=role, department=department).delete()
    policy.clear_cache(user)


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
