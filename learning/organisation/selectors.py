"""Reads of the organisation: profiles, role scopes and department ancestors."""

from __future__ import annotations

from collections.abc import Iterable

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


def _name_chains(departments: Iterable[Department]) -> dict[str, list[str]]:
    """Each department's name and its ancestors' names from the root down, keyed by
    tree path, in one query for all the ancestors."""
    departments = list({d.path: d for d in departments}.values())
    if not departments:
        return {}
    step = Department.steplen
    prefixes = {
        d.path[:end] for d in departments for end in range(step, len(d.path), step)
    }
    names = {
        d.path: d.display_name for d in Department.objects.filter(path__in=prefixes)
    }
    names.update({d.path: d.display_name for d in departments})
    return {
        d.path: [
            names[d.path[:end]]
            for end in range(step, len(d.path) + 1, step)
            if d.path[:end] in names
        ]
        for d in departments
    }


def department_paths(departments: Iterable[Department]) -> dict[str, str]:
    """Each department's name with its ancestors ("清溪县 / 行政审批服务局 /
    综合受理科"), keyed by tree path: for exports, and wherever a unit is named
    away from the county's own screens."""
    chains = _name_chains(departments)
    return {path: " / ".join(chain) for path, chain in chains.items()}


def department_labels(departments: Iterable[Department]) -> dict[str, str]:
    """What the county's screens call each department, keyed by tree path: its
    path below the root ("行政审批服务局 / 综合受理科"). A unit's name alone is
    ambiguous (综合科 exists in dozens of units) and everyone shares the county; the
    root keeps its own name."""
    return {
        path: " / ".join(chain[1:] or chain)
        for path, chain in _name_chains(departments).items()
    }
