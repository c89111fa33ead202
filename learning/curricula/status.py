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
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
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


def day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the site's time zone: a timestamp before it
    happened on or before that day."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )


def status_expression_on(day: datetime.date) -> Case:
    """`status_expression` as the cycle stood at the end of a past `day`, rebuilt
    from its own dates (for daily snapshots and their backfill); on today it gives
    what `status_expression(today)` gives. A completion, closing or expiry stored
    with a later timestamp had not happened yet, so the date rules decide. What no
    date records: an exemption counts from the assignment on (when it was granted
    is not kept, nor an exemption later withdrawn), and a course done without a
    start time counts as started on any day."""
    end = day_end(day)
    happened = Q(closed_at__isnull=True) | Q(closed_at__lt=end)
    finals = {
        Assignment.State.EXEMPT: Q(),
        Assignment.State.COMPLETED: Q(completed_at__isnull=True)
        | Q(completed_at__lt=end),
        Assignment.State.CLOSED: happened,
        Assignment.State.EXPIRED: happened,
    }
    whens = [
        When(Q(state=state) & finals[state], then=Value(status.value))
        for state, status in _FINAL_STATES.items()
    ]
    whens += [
        When(expires_on__lte=day, then=Value(AssignmentStatus.EXPIRED.value)),
        When(starts_on__gt=day, then=Value(AssignmentStatus.UPCOMING.value)),
        When(overdue_on__lte=day, then=Value(AssignmentStatus.OVERDUE.value)),
        When(
            Q(started_at__lt=end) | Q(started_at__isnull=True, courses_done__gt=0),
            then=Value(AssignmentStatus.IN_PROGRESS.value),
        ),
    ]
    return Case(
        *whens,
        default=Value(AssignmentStatus.NOT_STARTED.value),
        output_field=CharField(),
    )


def counted_on(day: datetime.date, *, today: datetime.date | None = None) -> Q:
    """`counted()` as it stood at the end of a past `day`, from the cycles' dates:
    the cycle in force (`current_cycle`: of the person's cycles of the curriculum
    assigned or started by then, the latest that had started, else the first) in
    a curriculum that is not a draft (its status now: changes are not dated).
    Who was on staff that day is the caller's filter (`counted()` reads
    `profile__is_active`, which has no past). A finished cycle the sync took out
    of the count because a person still on staff left the audience (`is_current`
    off while no later cycle has started by `today`) is left out on every day:
    when they left it is not recorded (a leaver's cycles count until their
    leaving date)."""
    today = today or timezone.localdate()
    end = day_end(day)
    same = {
        "curriculum_id": OuterRef("curriculum_id"),
        "learner_id": OuterRef("learner_id"),
    }
    # A cycle stands from its assignment, or from its start when that is earlier
    # (cycles assigned as on a past day, e.g. by the demo or an import).
    existed = Q(assigned_at__lt=end) | Q(starts_on__lte=day)
    later_started = Assignment.objects.filter(
        **same, cycle__gt=OuterRef("cycle"), starts_on__lte=day
    )
    earlier = Assignment.objects.filter(existed, **same, cycle__lt=OuterRef("cycle"))
    superseded_now = Assignment.objects.filter(
        **same, cycle__gt=OuterRef("cycle"), starts_on__lte=today
    )
    left_audience = (
        Q(is_current=False)
        & Q(profile__is_active=True)
        & Q(state__in=[Assignment.State.COMPLETED, Assignment.State.EXEMPT])
        & Q(starts_on__lte=today)
        & ~Exists(superseded_now)
    )
    return (
        existed
        & ~Exists(later_started)
        & (Q(starts_on__lte=day) | ~Exists(earlier))
        & ~left_audience
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
