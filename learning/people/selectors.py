"""Leaders' and HR's reads of people: /team/ filters, overdue counts, head counts."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from learning import policy
from learning.curricula.models import Assignment
from learning.curricula.status import AssignmentStatus, counted, status_expression
from learning.organisation.models import Department


def team_filter(
    people: QuerySet,
    *,
    department: Department | None = None,
    query: str = "",
    overdue_only: bool = False,
) -> QuerySet:
    """Narrow an already scoped people list to a department subtree, a name or
    employee number, and/or people overdue with mandatory training."""
    if overdue_only:
        people = people.filter(overdue_count__gt=0)
    if department is not None:
        people = people.filter(Department.subtree_q([department], "department__"))
    query = query.strip()
    if query:
        people = people.filter(
            Q(full_name__icontains=query) | Q(employee_number__icontains=query)
        )
    return people


def with_overdue_counts(people: QuerySet, *, today: date | None = None) -> QuerySet:
    """Annotate each person with how many mandatory cycles they are overdue on:
    the cycles that count (learning.curricula.status) whose status is overdue, so
    /team/ says what compliance, reminders and digests say."""
    today = today or timezone.localdate()
    overdue = (
        Assignment.objects.filter(counted(), profile=OuterRef("pk"))
        .annotate(status=status_expression(today))
        .filter(status=AssignmentStatus.OVERDUE)
        .order_by()
        .values("profile")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return people.annotate(
        overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), 0)
    )


def profile_list(user, *, department: Department | None = None) -> QuerySet:
    """People `user` may see, optionally within one department's subtree."""
    queryset = policy.visible_profiles(user).select_related(
        "user", "department", "position", "rank"
    )
    if department is not None:
        queryset = queryset.filter(Department.subtree_q([department], "department__"))
    return queryset
