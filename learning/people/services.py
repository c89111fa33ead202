"""Writes to people: create, update, deactivate and reactivate a learner profile (and
its user); each change re-syncs the person's mandatory assignments on commit."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
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
