"""THE assignment status rule: its choices, the Python function and the SQL
expression, and which cycle is a person's current one. /me/, /team/, compliance,
reminders, leaders' digests and the exports all read it from here; a test checks
that `status_of` and `status_expression` agree on every case.

The decision for recurring curricula (the renewal window). The next cycle opens
`renewal_window_days` before the current one expires, so that people can finish it
early; it starts when the current one expires. Until then the current cycle stays
in force: an unfinished one still counts as overdue, still gets reminders and
still shows in compliance, and a completion in the window counts for it first (the
sync's rule: one completion, one cycle), which is right for a fixed year-end due
date that falls inside the window. The cycle opened early is "upcoming": it shows
on /me/ with its start date, and counts nowhere else yet. On the day the next cycle
starts the old one is superseded: unfinished, it is "expired" (by the date, even
before the nightly sync writes the state), and it counts nowhere, neither as
overdue nor for reminders; the new cycle becomes the current one.

So `Assignment.is_current` (kept by the sync, read by compliance through a partial
index) marks the cycle in force: the latest cycle that has started
(`current_cycle`), unless the person has left the audience with it finished.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol, TypeVar

from django.db import models
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from learning.curricula.models import Assignment, Curriculum


class AssignmentStatus(models.TextChoices):
    """What a person sees: derived from the stored state and today's date."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    OVERDUE = "overdue", _("Overdue")
    COMPLETED = "completed", _("Completed")
    EXEMPT = "exempt", _("Exempt")
    UPCOMING = "upcoming", pgettext_lazy("assignment status", "Next cycle")
    CLOSED = "closed", _("No longer assigned")
    EXPIRED = "expired", _("Expired unfinished")


# Statuses of an obligation in force that a reminder can still help with.
OPEN_STATUSES = (
    AssignmentStatus.OVERDUE,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.NOT_STARTED,
)
# What compliance counts and filters by, in the order its columns show them.
COMPLIANCE_STATUSES = (
    AssignmentStatus.OVERDUE,
    AssignmentStatus.NOT_STARTED,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.COMPLETED,
    AssignmentStatus.EXEMPT,
)

_FINAL_STATES = {
    Assignment.State.EXEMPT: AssignmentStatus.EXEMPT,
    Assignment.State.COMPLETED: AssignmentStatus.COMPLETED,
    Assignment.State.CLOSED: AssignmentStatus.CLOSED,
    Assignment.State.EXPIRED: AssignmentStatus.EXPIRED,
}


class CycleRow(Protocol):
    """The fields the rule reads: an Assignment, or the sync's plain rows."""

    state: str
    starts_on: datetime.date
    expires_on: datetime.date | None
    overdue_on: datetime.date
    started_at: datetime.datetime | None
    courses_done: int


Row = TypeVar("Row", bound=CycleRow)


def status_of(row: CycleRow, today: datetime.date) -> AssignmentStatus:
    """The status of one cycle on `today` (in the order `status_expression` tests):
    a stored final state; an open cycle past its end is expired; one not started
    yet is upcoming; overdue from `overdue_on`; in progress once started or a
    course is done; not started otherwise."""
    final = _FINAL_STATES.get(row.state)
    if final is not None:
        return final
    if row.expires_on is not None and row.expires_on <= today:
        return AssignmentStatus.EXPIRED
    if row.starts_on > today:
        return AssignmentStatus.UPCOMING
    if row.overdue_on <= today:
        return AssignmentStatus.OVERDUE
    if row.started_at is not None or row.courses_done > 0:
        return AssignmentStatus.IN_PROGRESS
    return AssignmentStatus.NOT_STARTED


def status_expression(today: datetime.date) -> Case:
    """`status_of` as SQL, for annotating assignments (counts, filters, lists)."""
    whens = [
        When(state=state, then=Value(status.value))
        for state, status in _FINAL_STATES.items()
    ]
    whens += [
        When(expires_on__lte=today, then=Value(AssignmentStatus.EXPIRED.value)),
        When(starts_on__gt=today, then=Value(AssignmentStatus.UPCOMING.value)),
        When(overdue_on__lte=today, then=Value(AssignmentStatus.OVERDUE.value)),
        When(
            Q(started_at__isnull=False) | Q(courses_done__gt=0),
            then=Value(AssignmentStatus.IN_PROGRESS.value),
        ),
    ]
    return Case(
        *whens,
        default=Value(AssignmentStatus.NOT_STARTED.value),
        output_field=CharField(),
    )


def completed_late_q() -> Q:
    """Completed cycles finished after the day they were due (a completion on the due
    day, in the site's time zone, is on time)."""
    return Q(state=Assignment.State.COMPLETED) & Q(completed_at__date__gt=F("due_on"))


def counted() -> Q:
    """The cycles that stand for a person anywhere a count is made (compliance,
    /team/, reminders, digests): current cycles of active people in curricula
    that are not drafts."""
    return (
        Q(is_current=True)
        & Q(profile__is_active=True)
        & ~Q(curriculum__status=Curriculum.Status.DRAFT)
    )


def current_cycle(rows: Sequence[Row], today: datetime.date) -> Row | None:
    """Of one person's cycles of a curriculum (in cycle order), the one in force:
    the latest that has started; a next cycle opened early in the renewal window
    becomes current on its start date."""
    started = [row for row in rows if row.starts_on <= today]
    if started:
        return started[-1]
    return rows[0] if rows else None
