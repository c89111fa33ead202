"""Which department a dashboard page is about, and what the viewer may see of it.

Every analytics page, export and report starts here: the department comes from the
query string and must lie in the viewer's dashboard scope (learning.policy), or the
answer is a 404 — the same for a department that does not exist, so a URL cannot
tell a stranger which ids are real.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from learning import policy
from learning.organisation.models import Department


@dataclass
class DashboardScope:
    """The chosen department, the departments the picker offers, and the
    sub-units a page breaks figures down by."""

    user: object
    department: Department
    departments: list[Department]
    children: list[Department] = field(default_factory=list)
    today: datetime.date = field(default_factory=timezone.localdate)
    now: datetime.datetime = field(default_factory=timezone.now)
    # True when `now` is a past moment (a report on an earlier month): figures
    # come from the records as they stood then where the rules allow it.
    past: bool = False

    @property
    def steplen(self) -> int:
        return self.department.steplen

    def sees_small_cells(self, department: Department) -> bool:
        return policy.sees_small_cells(self.user, department)

    def suppressed(self, department: Department, people: int) -> bool:
        """A figure over 1–2 people of `department` that this viewer may not see."""
        return 0 < people < policy.SMALL_CELL and not self.sees_small_cells(department)

    @property
    def rows(self) -> list[tuple[Department, bool]]:
        """The breakdown rows: (department, unit_only). The people directly in the
        chosen department come first, then each direct sub-unit with its subtree."""
        return [(self.department, True)] + [(c, False) for c in self.children]

    def bucket_of(self, path: str) -> str:
        """The breakdown row a department path falls in (the chosen department's
        own path for its own people)."""
        size = (self.department.depth + 1) * self.steplen
        return path[:size] if len(path) >= size else path

    def department_for(self, path: str) -> Department:
        if path == self.department.path:
            return self.department
        return next(child for child in self.children if child.path == path)


def single_param(params: QueryDict, name: str) -> str | None:
    """One value of a query parameter; a repeated parameter is refused rather than
    guessed (which of two departments did the link mean?)."""
    values = params.getlist(name)
    if len(values) > 1:
        raise Http404(_("The address names more than one %(name)s.") % {"name": name})
    value = values[0].strip() if values else ""
    return value or None


def id_param(params: QueryDict, name: str) -> int | None:
    """A positive integer id from the query string, or None when absent."""
    value = single_param(params, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise Http404(_("The address has a malformed %(name)s.") % {"name": name})
    return int(value)


def dashboard_scope(user, params: QueryDict) -> DashboardScope:
    """The scope of a dashboard request: `?department=<id>` (default: the first
    top of the viewer's scope). 404 for a department outside the scope, unknown,
    inactive or malformed, and for a viewer without a dashboard. The picker offers
    the tops of the scope, the way down to the chosen department and its direct
    sub-units (a province has thousands of units: one list of all would be
    unusable and slow)."""
    roots = policy.dashboard_roots(user)
    if not roots:
        raise Http404(_("You have no departments to report on."))
    visible = policy.visible_departments(user).filter(is_active=True)
    department_id = id_param(params, "department")
    if department_id is None:
        department = roots[0]
    else:
        chosen = visible.filter(pk=department_id).first()
        if chosen is None or not policy.can_view_department(user, chosen):
            raise Http404(_("No such department in your scope."))
        department = chosen
    step = department.steplen
    above = [department.path[:end] for end in range(step, len(department.path), step)]
    picker = list(
        visible.filter(
            Q(pk__in=[root.pk for root in roots])
            | Q(path__in=[*above, department.path])
            | Q(depth=department.depth + 1, path__startswith=department.path)
        ).order_by("path")
    )
    children = [
        d
        for d in picker
        if d.depth == department.depth + 1 and d.path.startswith(department.path)
    ]
    return DashboardScope(
        user=user, department=department, departments=picker, children=children
    )
