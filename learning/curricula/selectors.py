"""Reads for mandatory curricula on the learner's side: their assignments with the
next course to take, and their notifications."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from courses.models import CoursePage
from courses.selectors import pages_by_key
from learning.curricula.models import Assignment
from learning.curricula.status import AssignmentStatus, status_of
from learning.journey.models import Certificate


@dataclass
class CourseStep:
    title: str
    url: str | None
    done: bool


@dataclass
class AssignmentRow:
    assignment: Assignment
    status: str
    status_label: str
    days_left: int
    courses: list[CourseStep] = field(default_factory=list)

    @property
    def next_course(self) -> CourseStep | None:
        return next((c for c in self.courses if not c.done), None)

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)

    @property
    def overdue(self) -> bool:
        return self.status == AssignmentStatus.OVERDUE


_VISIBLE = (Assignment.State.OPEN, Assignment.State.EXEMPT, Assignment.State.COMPLETED)


# Shown in this order; other statuses (closed, expired) are not the learner's to do.
_ORDER = {
    AssignmentStatus.OVERDUE: 0,
    AssignmentStatus.IN_PROGRESS: 1,
    AssignmentStatus.NOT_STARTED: 2,
    AssignmentStatus.UPCOMING: 3,
    AssignmentStatus.EXEMPT: 4,
    AssignmentStatus.COMPLETED: 5,
}


def my_assignments(user, *, today: datetime.date | None = None) -> list[AssignmentRow]:
    """/me/: the learner's mandatory curricula (open cycles first, overdue on top,
    a next cycle opened early after them; completed ones from the last year; a
    cycle past its end is left out), each with its courses in order, marked done
    when completed inside the cycle, titled and linked in the active language.
    Four queries whatever the number of curricula."""
    today = today or timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=366)
    rows = list(
        Assignment.objects.filter(learner=user, state__in=_VISIBLE)
        .exclude(state=Assignment.State.COMPLETED, completed_at__lt=since)
        .select_related("curriculum")
        .prefetch_related("curriculum__items")
        .order_by("due_on", "pk")
    )
    if not rows:
        return []
    keys = {item.course_key for a in rows for item in a.curriculum.items.all()}
    pages = pages_by_key(CoursePage, keys)
    completions: dict = {}
    for key, issued_at in Certificate.objects.filter(
        learner=user, course_key__in=keys, revoked_at__isnull=True
    ).values_list("course_key", "issued_at"):
        completions.setdefault(key, []).append(issued_at)
    # A completion counts for one cycle only (the sync's rule): a next cycle
    # shows as done only what was finished after the previous cycle was.
    finished = {
        (a.curriculum_id, a.cycle): a.completed_at
        for a in rows
        if a.state == Assignment.State.COMPLETED
    }
    result = []
    for assignment in rows:
        status = status_of(assignment, today)
        if status not in _ORDER:
            continue
        after = finished.get((assignment.curriculum_id, assignment.cycle - 1))
        steps = []
        for item in assignment.curriculum.items.all():
            page = pages.get(item.course_key)
            times = completions.get(item.course_key, ())
            since_cycle = assignment.counts_from
            done = any(
                (since_cycle is None or t >= since_cycle)
                and (after is None or t > after)
                for t in times
            )
            steps.append(
                CourseStep(
                    title=page.title if page else "—",
                    url=page.url if page else None,
                    done=done,
                )
            )
        result.append(
            AssignmentRow(
                assignment=assignment,
                status=status,
                status_label=str(AssignmentStatus(status).label),
                days_left=(assignment.due_on - today).days,
                courses=steps,
            )
        )
    result.sort(
        key=lambda row: (
            _ORDER.get(AssignmentStatus(row.status), 9),
            row.assignment.due_on,
        )
    )
    return result
