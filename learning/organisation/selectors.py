"""Reads of the organisation: profiles, role scopes and department ancestors."""

from __future__ import annotations

from django.db.models import QuerySet

from learning.organisation.models import Department, LearnerProfile, RoleScope


def profile_get_for_user(user) -> LearnerProfile | None:
    """The signed-in user's own profile with department, position and rank."""
    return (
        LearnerProfile.objects.select_related("department", "position", "rank")
        .filter(user_id=user.pk)
        .first()
    )


def role_scope_list(user) -> QuerySet:
    return RoleScope.objects.filter(user_id=user.pk).select_related("department")


def department_ancestors(department: Department) -> list[Department]:
    """The chain from the root down to `department`, in one query."""
    steplen = department.steplen
    paths = [
        department.path[:i] for i in range(steplen, len(department.path) + 1, steplen)
    ]
    return list(Department.objects.filter(path__in=paths).order_by("depth"))
