"""Notifications and assignment reminders.

Every reminder is claimed by a unique row (AssignmentReminder, DigestLog) in the same
transaction that writes the in-app notification, so a kind goes out at most once per
assignment however often the task runs or wherever a worker dies. E-mail follows the
notification: one task per notification claims it (emailed_at) before sending, and a
sweep re-enqueues notifications whose task never ran.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from learning import policy
from learning.curricula.models import (
    Assignment,
    AssignmentReminder,
    Curriculum,
    DigestLog,
)
from learning.curricula.status import (
    OPEN_STATUSES,
    AssignmentStatus,
    counted,
    status_expression,
    status_of,
)
from learning.notifications.services import notification_create
from learning.organisation.models import RoleScope


def _days_before() -> list[int]:
    return sorted({int(d) for d in settings.ASSIGNMENT_REMINDER_DAYS if int(d) > 0})


def reminder_kind(assignment: Assignment, today: datetime.date) -> str | None:
    """Which reminder a cycle in force is due for today, if any: the nearest
    "days before" threshold it has reached, "due" on the day, then one a week
    while overdue. None for a cycle whose status (learning.curricula.status) no
    reminder helps: finished, closed, expired, superseded or not started yet.
    Catching up after a missed day sends the current kind only."""
    status = status_of(assignment, today)
    if status not in OPEN_STATUSES:
        return None
    days_left = (assignment.due_on - today).days
    if days_left > 0:
        for threshold in _days_before():
            if days_left <= threshold:
                return f"before_{threshold}"
        return None
    if days_left == 0:
        return "due"
    if status == AssignmentStatus.OVERDUE:
        return f"overdue_{(today - assignment.overdue_on).days // 7}"
    return None


def reminder_params(assignment: Assignment, today: datetime.date) -> dict:
    """What a reminder about this assignment says, in both languages' terms: the
    curriculum's names, the due date, days left (as of today) and progress."""
    curriculum = assignment.curriculum
    return {
        "name_zh": curriculum.name,
        "name_en": curriculum.name_en,
        "due": assignment.due_on.isoformat(),
        "days": (assignment.due_on - today).days,
        "overdue": assignment.due_on < today,
        "done": assignment.courses_done,
        "required": assignment.courses_required,
    }


def _reminder_message(kind: str) -> str:
    """The message (learning.notifications.messages) of a reminder kind."""
    if kind.startswith("manual_"):
        return "assignment_from_hr"  # HR's "remind now", told apart from ours
    if kind.startswith("before_"):
        return "assignment_before"
    if kind == "due":
        return "assignment_due"
    return "assignment_overdue"


def _send_reminder(
    assignment: Assignment,
    *,
    kind: str,
    today: datetime.date,
    actor=None,
) -> bool:
    """Claim and send one reminder; False when this kind was sent before."""
    try:
        with transaction.atomic():
            AssignmentReminder.objects.create(
                assignment=assignment, kind=kind, sent_at=timezone.now(), sent_by=actor
            )
            notification_create(
                user=assignment.learner,
                kind=(
                    "assignment_reminder_hr"
                    if kind.startswith("manual_")
                    else "assignment_reminder"
                ),
                message=_reminder_message(kind),
                params=reminder_params(assignment, today),
                url=reverse("learning:me") + "#assignments",
                assignment_id=assignment.pk,
            )
    except IntegrityError:
        return False
    return True


@dataclass
class ReminderRun:
    reminders: int = 0
    digests: int = 0


def _reminder_candidates(today: datetime.date):
    horizon = today + datetime.timedelta(days=max(_days_before(), default=0))
    return (
        Assignment.objects.filter(counted(), due_on__lte=horizon)
        .annotate(status=status_expression(today))
        .filter(status__in=OPEN_STATUSES)
        .select_related("curriculum", "learner__learner_profile")
        .order_by("pk")
    )


def assignments_remind(*, today: datetime.date | None = None) -> ReminderRun:
    """The daily run: every reminder that is due today, once per assignment and
    kind, then the leaders' weekly overdue digests."""
    today = today or timezone.localdate()
    run = ReminderRun()
    sent_kinds = defaultdict(set)
    candidates = list(_reminder_candidates(today))
    for row in AssignmentReminder.objects.filter(
        assignment_id__in=[a.pk for a in candidates]
    ).values_list("assignment_id", "kind"):
        sent_kinds[row[0]].add(row[1])
    for assignment in candidates:
        kind = reminder_kind(assignment, today)
        if kind is None or kind in sent_kinds[assignment.pk]:
            continue
        if _send_reminder(assignment, kind=kind, today=today):
            run.reminders += 1
    run.digests = leader_digests_send(today=today)
    return run


def assignment_remind_now(
    *, actor, assignments: Iterable[Assignment], today: datetime.date | None = None
) -> int:
    """HR's "remind now" for one person or a filtered set: open assignments of
    people the actor manages, at most once a day each. Returns how many went."""
    today = today or timezone.localdate()
    sent = 0
    for assignment in assignments:
        if status_of(assignment, today) not in OPEN_STATUSES:
            continue
        if not policy.can_manage_person(actor, assignment.profile):
            raise PermissionDenied(_("You may remind only people you manage."))
        if _send_reminder(
            assignment, kind=f"manual_{today.isoformat()}", today=today, actor=actor
        ):
            sent += 1
    return sent


def _nearest_leaders(leader_scopes: list[tuple[int, str]], path: str) -> list[int]:
    """The leaders whose scope is the closest unit above (or at) `path`."""
    best = -1
    chosen: list[int] = []
    for user_id, scope_path in leader_scopes:
        if path.startswith(scope_path):
            if len(scope_path) > best:
                best, chosen = len(scope_path), [user_id]
            elif len(scope_path) == best:
                chosen.append(user_id)
    return chosen


def leader_digests_send(*, today: datetime.date | None = None) -> int:
    """Once a week (ISO week), each leader hears how many people in the units they
    lead most closely are overdue, per curriculum. Returns digests sent."""
    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    period = f"{year}-W{week:02d}"
    leader_scopes = list(
        RoleScope.objects.filter(
            role=RoleScope.Role.LEADER,
            user__is_active=True,
            department__is_active=True,
        ).values_list("user_id", "department__path")
    )
    if not leader_scopes:
        return 0
    overdue = (
        Assignment.objects.filter(counted())
        .annotate(status=status_expression(today))
        .filter(status=AssignmentStatus.OVERDUE)
        .values_list("profile__department__path", "curriculum_id", "learner_id")
    )
    per_leader: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for path, curriculum_id, learner_id in overdue.iterator(chunk_size=5000):
        for leader_id in _nearest_leaders(leader_scopes, path):
            if leader_id != learner_id:
                per_leader[leader_id][curriculum_id].add(learner_id)
    if not per_leader:
        return 0
    wanted = {cid for counts in per_leader.values() for cid in counts}
    curricula = {c.pk: c for c in Curriculum.objects.filter(pk__in=wanted)}
    leaders = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=list(per_leader))
        .select_related("learner_profile")
    }
    sent = 0
    for leader_id, counts in per_leader.items():
        leader = leaders.get(leader_id)
        if leader is None:
            continue
        try:
            with transaction.atomic():
                DigestLog.objects.create(
                    user=leader, kind="overdue", period=period, sent_at=timezone.now()
                )
                lines = [
                    [curricula[cid].name, curricula[cid].name_en, len(people)]
                    for cid, people in sorted(
                        counts.items(), key=lambda item: -len(item[1])
                    )
                ]
                notification_create(
                    user=leader,
                    kind="overdue_digest",
                    message="overdue_digest",
                    params={
                        "total": len(set().union(*counts.values())),
                        "lines": lines,
                    },
                    url=reverse("learning:team") + "?overdue=1",
                )
        except IntegrityError:
            continue
        sent += 1
    return sent
