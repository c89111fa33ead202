"""Mandatory curricula: HR's rules turned into one assignment per learner per cycle.

`assignments_sync` is the one place that creates, renews, reopens, completes and
closes assignments. It is idempotent (a second run writes nothing) and set-based, so
the nightly run over a province stays a handful of queries per curriculum. It runs
when a curriculum is activated or changed, when people join, move or leave, and
nightly; course completion updates the learner's assignments in its own transaction.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from learning.curricula.models import Assignment, Curriculum
from learning.curricula.status import current_cycle
from learning.journey.models import Certificate, Enrollment
from learning.notifications.services import (
    notifications_create_many,
    notifications_resolve,
)
from learning.organisation.models import Department, LearnerProfile

BATCH = 2000


@dataclass
class SyncResult:
    created: int = 0
    renewed: int = 0
    reopened: int = 0
    closed: int = 0
    completed: int = 0
    expired: int = 0
    updated: int = 0
    curricula: list[int] = field(default_factory=list)

    def __add__(self, other: SyncResult) -> SyncResult:
        return SyncResult(
            created=self.created + other.created,
            renewed=self.renewed + other.renewed,
            reopened=self.reopened + other.reopened,
            closed=self.closed + other.closed,
            completed=self.completed + other.completed,
            expired=self.expired + other.expired,
            updated=self.updated + other.updated,
            curricula=self.curricula + other.curricula,
        )

    @property
    def changed(self) -> int:
        return (
            self.created
            + self.renewed
            + self.reopened
            + self.closed
            + self.completed
            + self.expired
            + self.updated
        )


def curriculum_audience(curriculum: Curriculum) -> QuerySet:
    """Active people the saved curriculum selects (audience_people)."""
    return audience_people(
        owner_path=curriculum.owner_department.path,
        department_paths=[d.path for d in curriculum.departments.all()],
        exact_ids=[d.pk for d in curriculum.departments_exact.all()],
        position_ids=[p.pk for p in curriculum.positions.all()],
        rank_ids=[r.pk for r in curriculum.ranks.all()],
        individual_ids=[p.pk for p in curriculum.individuals.all()],
        excluded_paths=[d.path for d in curriculum.excluded_departments.all()],
        excluded_ids=[p.pk for p in curriculum.excluded_people.all()],
    )


def audience_people(
    *,
    owner_path: str,
    department_paths: list[str],
    exact_ids: list[int],
    position_ids: list[int],
    rank_ids: list[int],
    individual_ids: list[int],
    excluded_paths: list[str],
    excluded_ids: list[int],
) -> QuerySet:
    """Active people an audience selects: (any listed department, with or without
    its subtree) AND (any listed position) AND (any listed rank), where an empty
    list does not narrow, OR a named individual; minus excluded departments and
    people; always inside the owning department's subtree. No rule at all selects
    nobody. The one home of the rule: assignments and the form's preview use it."""
    people = LearnerProfile.objects.filter(
        Department.subtree_q([owner_path], "department__"),
        is_active=True,
    )
    by_rules = None
    if department_paths or exact_ids or position_ids or rank_ids:
        by_rules = Q()
        if department_paths or exact_ids:
            in_subtrees = Department.subtree_q(department_paths, "department__")
            by_rules &= in_subtrees | Q(department_id__in=exact_ids)
        if position_ids:
            by_rules &= Q(position_id__in=position_ids)
        if rank_ids:
            by_rules &= Q(rank_id__in=rank_ids)
    selected = Q(pk__in=individual_ids)
    if by_rules is not None:
        selected |= by_rules
    people = people.filter(selected)
    if excluded_paths:
        people = people.exclude(Department.subtree_q(excluded_paths, "department__"))
    if excluded_ids:
        people = people.exclude(pk__in=excluded_ids)
    return people


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _due_date(
    curriculum: Curriculum,
    *,
    cycle: int,
    starts_on: datetime.date,
    hire_date: datetime.date | None,
) -> datetime.date:
    """When a cycle is due. A fixed date moves on by the recurrence each cycle; a
    fixed date already past when someone is assigned (a new hire) gives them the
    curriculum's number of days instead. "After hire" counts from the hire date, or
    from the assignment for staff hired before it existed."""
    days = datetime.timedelta(days=curriculum.due_days)
    kind = curriculum.due_kind
    if kind == Curriculum.DueKind.FIXED and curriculum.due_date is not None:
        due = curriculum.due_date + relativedelta(
            months=curriculum.recurrence_months * (cycle - 1)
        )
        return due if due >= starts_on else starts_on + days
    if kind == Curriculum.DueKind.AFTER_HIRE and hire_date is not None and cycle == 1:
        due = hire_date + days
        return due if due >= starts_on else starts_on + days
    return starts_on + days


def _cycle_fields(
    curriculum: Curriculum,
    *,
    cycle: int,
    starts_on: datetime.date,
    opens_on: datetime.date,
    hire_date: datetime.date | None,
) -> dict:
    months = curriculum.recurrence_months
    due_on = _due_date(
        curriculum, cycle=cycle, starts_on=starts_on, hire_date=hire_date
    )
    if cycle == 1:
        # A completion still valid when the curriculum reaches the learner counts:
        # within one recurrence period, or ever for a one-off curriculum.
        counts_from = (
            _start_of_day(opens_on - relativedelta(months=months)) if months else None
        )
    else:
        counts_from = _start_of_day(opens_on)
    return {
        "cycle": cycle,
        "starts_on": starts_on,
        "expires_on": starts_on + relativedelta(months=months) if months else None,
        "due_on": due_on,
        "overdue_on": due_on + datetime.timedelta(days=curriculum.grace_days + 1),
        "counts_from": counts_from,
    }


def _next_cycle_opens_on(
    curriculum: Curriculum, latest: Assignment
) -> datetime.date | None:
    if not curriculum.recurrence_months or latest.expires_on is None:
        return None
    return latest.expires_on - datetime.timedelta(days=curriculum.renewal_window_days)


def _required_count(curriculum: Curriculum, course_keys: list) -> int:
    total = len(course_keys)
    if curriculum.required_count and curriculum.required_count < total:
        return curriculum.required_count
    return total


def _completion_index(course_keys: list, user_ids: Iterable[int] | None) -> dict:
    """learner id → course key → sorted completion times (valid certificates)."""
    rows = Certificate.objects.filter(
        course_key__in=course_keys, revoked_at__isnull=True
    )
    if user_ids is not None:
        rows = rows.filter(learner_id__in=list(user_ids))
    index: dict = {}
    for learner_id, key, issued_at in rows.values_list(
        "learner_id", "course_key", "issued_at"
    ):
        index.setdefault(learner_id, {}).setdefault(key, []).append(issued_at)
    return index


def _started_index(course_keys: list, user_ids: Iterable[int] | None) -> dict:
    """learner id → course key → when the learner enrolled."""
    rows = Enrollment.objects.filter(course_key__in=course_keys)
    if user_ids is not None:
        rows = rows.filter(learner_id__in=list(user_ids))
    index: dict = {}
    for learner_id, key, enrolled_at in rows.values_list(
        "learner_id", "course_key", "enrolled_at"
    ):
        index.setdefault(learner_id, {})[key] = enrolled_at
    return index


def _evaluate(
    assignment: Assignment,
    *,
    course_keys: list,
    required: int,
    completions: dict,
    started: dict,
    after: datetime.datetime | None = None,
) -> bool:
    """Bring an open assignment's progress up to date; True when something changed.
    `after`: when the learner's previous cycle was completed; a completion counts
    for one cycle only, so the next cycle needs one made after it."""
    since = assignment.counts_from
    done_times = []
    for key in course_keys:
        times = [
            t
            for t in completions.get(assignment.learner_id, {}).get(key, ())
            if (since is None or t >= since) and (after is None or t > after)
        ]
        if times:
            done_times.append(min(times))
    done_times.sort()
    changed = False
    if assignment.courses_done != len(done_times):
        assignment.courses_done = len(done_times)
        changed = True
    if assignment.courses_required != required:
        assignment.courses_required = required
        changed = True
    if assignment.started_at is None:
        enrolled = [
            t for t in started.get(assignment.learner_id, {}).values() if t is not None
        ]
        first = min(enrolled) if enrolled else (done_times[0] if done_times else None)
        if first is not None:
            assignment.started_at = max(first, since) if since else first
            changed = True
    if required and len(done_times) >= required:
        assignment.state = Assignment.State.COMPLETED
        assignment.completed_at = done_times[required - 1]
        changed = True
    return changed


_UPDATE_FIELDS = [
    "state",
    "expires_on",
    "courses_done",
    "courses_required",
    "started_at",
    "completed_at",
    "closed_at",
    "due_on",
    "overdue_on",
]


_LOADED_FIELDS = [
    "id",
    "profile_id",
    "learner_id",
    "cycle",
    "state",
    "starts_on",
    "expires_on",
    "due_on",
    "overdue_on",
    "counts_from",
    "started_at",
    "completed_at",
    "closed_at",
    "courses_done",
    "courses_required",
    "is_current",
]


_INSERT_FIELDS = [
    "curriculum_id",
    "learner_id",
    "profile_id",
    "cycle",
    "starts_on",
    "expires_on",
    "due_on",
    "overdue_on",
    "counts_from",
    "assigned_at",
    "state",
    "started_at",
    "completed_at",
    "closed_at",
    "exempt_reason",
    "courses_done",
    "courses_required",
    "is_current",
]


# The sync handles assignments as plain namespaces, not model instances: building a
# model object per row dominated the nightly run at province scale.
_Row = SimpleNamespace


def _as_model(row: _Row) -> Assignment:
    return Assignment(
        pk=row.id, **{name: getattr(row, name) for name in _UPDATE_FIELDS}
    )


def _new_row(curriculum, *, user_id, profile_id, now, required, **cycle) -> _Row:
    return _Row(
        id=None,
        started_at=None,
        completed_at=None,
        closed_at=None,
        curriculum_id=curriculum.pk,
        learner_id=user_id,
        profile_id=profile_id,
        assigned_at=now,
        state=Assignment.State.OPEN,
        is_current=True,
        exempt_reason="",
        courses_done=0,
        courses_required=required,
        **cycle,
    )


def _insert(rows: list[_Row]) -> None:
    """Insert new assignments: COPY on PostgreSQL (a province's first sync writes
    millions of rows), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Assignment.objects.bulk_create(
            [
                Assignment(**{name: getattr(row, name) for name in _INSERT_FIELDS})
                for row in rows
            ],
            batch_size=BATCH,
        )
        return
    table = Assignment._meta.db_table
    columns = ", ".join(_INSERT_FIELDS)
    values = operator.attrgetter(*_INSERT_FIELDS)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))


# pg_advisory_xact_lock's first key: this project's curriculum locks.
_LOCK_NAMESPACE = 7301


def curriculum_lock(curriculum_id: int) -> None:
    """Serialise writers of one curriculum's assignments until the transaction ends
    (the nightly sync, per-person syncs after commit, HR exemptions): without it a
    long sync could write back a row that changed meanwhile. SQLite serialises
    writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, curriculum_id]
            )


def _sync_one(curriculum: Curriculum, **options) -> SyncResult:
    with transaction.atomic():
        curriculum_lock(curriculum.pk)
        return _sync_one_locked(curriculum, **options)


def _sync_one_locked(
    curriculum: Curriculum,
    *,
    profile_ids: list[int] | None,
    today: datetime.date,
    now: datetime.datetime,
) -> SyncResult:
    result = SyncResult(curricula=[curriculum.pk])
    existing = Assignment.objects.filter(curriculum=curriculum)
    if profile_ids is not None:
        existing = existing.filter(profile_id__in=profile_ids)
    cycles: dict[int, list[_Row]] = {}
    for values in (
        existing.order_by("profile_id", "cycle")
        .values(*_LOADED_FIELDS)
        .iterator(chunk_size=10000)
    ):
        cycles.setdefault(values["profile_id"], []).append(_Row(**values))
    latest = {pid: rows[-1] for pid, rows in cycles.items()}

    if curriculum.status == Curriculum.Status.ACTIVE:
        audience = curriculum_audience(curriculum)
        if profile_ids is not None:
            audience = audience.filter(pk__in=profile_ids)
        members = {
            pk: (user_id, hire_date)
            for pk, user_id, hire_date in audience.values_list(
                "pk", "user_id", "hire_date"
            )
        }
    else:
        members = {}

    course_keys = list(curriculum.items.values_list("course_key", flat=True))
    required = _required_count(curriculum, course_keys)
    by_hire = curriculum.due_kind == Curriculum.DueKind.AFTER_HIRE
    memo: dict = {}

    def cycle_fields(*, cycle, starts_on, opens_on, hire_date) -> dict:
        # Most people share their dates: compute each combination once.
        hire = hire_date if by_hire and cycle == 1 else None
        key = (cycle, starts_on, opens_on, hire)
        if key not in memo:
            memo[key] = _cycle_fields(
                curriculum,
                cycle=cycle,
                starts_on=starts_on,
                opens_on=opens_on,
                hire_date=hire,
            )
        return memo[key]

    to_create: list[_Row] = []
    to_update: dict[int, _Row] = {}
    currency: dict[bool, list[int]] = {True: [], False: []}
    # Rows whose only change is the state (and closed_at): one UPDATE per state.
    state_only: dict[str, list[int]] = {
        Assignment.State.OPEN: [],
        Assignment.State.CLOSED: [],
        Assignment.State.EXPIRED: [],
    }

    for profile_id, (user_id, hire_date) in members.items():
        current = latest.get(profile_id)
        if current is None:
            to_create.append(
                _new_row(
                    curriculum,
                    user_id=user_id,
                    profile_id=profile_id,
                    now=now,
                    required=required,
                    **cycle_fields(
                        cycle=1,
                        starts_on=today,
                        opens_on=today,
                        hire_date=hire_date,
                    ),
                )
            )
            continue
        if current.state == Assignment.State.CLOSED and (
            current.expires_on is None or current.expires_on > today
        ):
            current.state, current.closed_at = Assignment.State.OPEN, None
            state_only[Assignment.State.OPEN].append(current.id)
            result.reopened += 1
        opens_on = _next_cycle_opens_on(curriculum, current)
        if opens_on is not None and today >= opens_on:
            gap = current.expires_on + relativedelta(
                months=curriculum.recurrence_months
            )
            starts_on = current.expires_on if today < gap else today
            if current.state == Assignment.State.OPEN and (
                current.id in state_only[Assignment.State.OPEN]
            ):
                # Reopened and renewed at once: the new cycle replaces it.
                state_only[Assignment.State.OPEN].remove(current.id)
                current.state = Assignment.State.CLOSED
                result.reopened -= 1
            to_create.append(
                _new_row(
                    curriculum,
                    user_id=user_id,
                    profile_id=profile_id,
                    now=now,
                    required=required,
                    **cycle_fields(
                        cycle=current.cycle + 1,
                        starts_on=starts_on,
                        opens_on=opens_on if today < gap else today,
                        hire_date=hire_date,
                    ),
                )
            )
            result.renewed += 1

    # Open cycles of people the rules no longer select close; their history stays.
    for profile_id, rows in cycles.items():
        if profile_id in members:
            continue
        for current in rows:
            if current.state == Assignment.State.OPEN:
                current.state, current.closed_at = Assignment.State.CLOSED, now
                state_only[Assignment.State.CLOSED].append(current.id)
                result.closed += 1

    # An unfinished cycle that a newer one has replaced expires on its end date.
    for rows in cycles.values():
        for row in rows[:-1]:
            if (
                row.state == Assignment.State.OPEN
                and row.expires_on is not None
                and row.expires_on <= today
            ):
                row.state, row.closed_at = Assignment.State.EXPIRED, now
                state_only[Assignment.State.EXPIRED].append(row.id)
                result.expired += 1

    # The current cycle is the one in force (learning.curricula.status): a cycle
    # opened early in the renewal window takes over on its start date. People no
    # longer selected: a completed or exempt cycle stops counting as theirs in
    # compliance; selected again, it counts again.
    renewals = {row.profile_id: row for row in to_create if row.cycle > 1}
    for profile_id, rows in cycles.items():
        renewal = renewals.get(profile_id)
        person_rows = rows + [renewal] if renewal is not None else rows
        in_force = current_cycle(person_rows, today)
        for row in person_rows:
            wanted = row is in_force and not (
                profile_id not in members
                and row.state in (Assignment.State.COMPLETED, Assignment.State.EXEMPT)
            )
            if row.id is None:
                row.is_current = wanted
            elif row.is_current != wanted:
                row.is_current = wanted
                currency[wanted].append(row.id)

    by_profile: dict[int, list[_Row]] = {}
    for profile_id, rows in cycles.items():
        if profile_id in members:
            by_profile[profile_id] = list(rows)
    for row in to_create:
        by_profile.setdefault(row.profile_id, []).append(row)
    if by_profile:
        user_ids = None if profile_ids is None else {members[p][0] for p in by_profile}
        completions = _completion_index(course_keys, user_ids)
        started = _started_index(course_keys, user_ids)
        for profile_id, rows in by_profile.items():
            hire_date = members[profile_id][1]
            previous_done = None
            for assignment in rows:
                if assignment.state == Assignment.State.OPEN:
                    changed = False
                    if assignment.id is not None:
                        # Dates follow edits of the curriculum's due rules.
                        dates = cycle_fields(
                            cycle=assignment.cycle,
                            starts_on=assignment.starts_on,
                            opens_on=assignment.starts_on,
                            hire_date=hire_date,
                        )
                        for name in ("due_on", "overdue_on", "expires_on"):
                            if getattr(assignment, name) != dates[name]:
                                setattr(assignment, name, dates[name])
                                changed = True
                    # Only people who touched one of the courses can have moved on.
                    if (
                        assignment.learner_id in completions
                        or assignment.learner_id in started
                        or assignment.courses_required != required
                        or assignment.courses_done
                    ):
                        changed = (
                            _evaluate(
                                assignment,
                                course_keys=course_keys,
                                required=required,
                                completions=completions,
                                started=started,
                                after=previous_done,
                            )
                            or changed
                        )
                    if changed and assignment.id is not None:
                        if assignment.id not in to_update:
                            result.updated += 1
                        to_update[assignment.id] = assignment
                    if assignment.state == Assignment.State.COMPLETED:
                        result.completed += 1
                if assignment.state == Assignment.State.COMPLETED:
                    previous_done = assignment.completed_at
    result.created = len(to_create) - result.renewed
    with transaction.atomic():
        for flag, ids in currency.items():
            for start in range(0, len(ids), BATCH * 5):
                Assignment.objects.filter(pk__in=ids[start : start + BATCH * 5]).update(
                    is_current=flag
                )
        _insert(to_create)
        for state, ids in state_only.items():
            ids = [pk for pk in ids if pk not in to_update]
            closed_at = None if state == Assignment.State.OPEN else now
            for start in range(0, len(ids), BATCH * 5):
                Assignment.objects.filter(pk__in=ids[start : start + BATCH * 5]).update(
                    state=state, closed_at=closed_at
                )
        if to_update:
            Assignment.objects.bulk_update(
                [_as_model(row) for row in to_update.values()],
                _UPDATE_FIELDS,
                batch_size=BATCH,
            )
        # Reminders about cycles finished or no longer assigned call for nothing.
        notifications_resolve(
            assignment_ids=[
                row.id
                for row in to_update.values()
                if row.state != Assignment.State.OPEN
            ]
            + state_only[Assignment.State.CLOSED]
            + state_only[Assignment.State.EXPIRED]
        )
        if to_create:
            _assigned_notify(curriculum, assigned_at=now)
    return result


def _assigned_notify(curriculum: Curriculum, *, assigned_at) -> int:
    """Tell each person given an open cycle of the curriculum in this run (new or
    renewed) that they have new mandatory training."""
    rows = Assignment.objects.filter(
        curriculum=curriculum, assigned_at=assigned_at, state=Assignment.State.OPEN
    ).values_list("pk", "learner_id", "due_on", "courses_required")
    return notifications_create_many(
        kind="assignment_assigned",
        message="assignment_assigned",
        url=reverse("learning:me") + "#assignments",
        rows=(
            (
                learner_id,
                pk,
                {
                    "name_zh": curriculum.name,
                    "name_en": curriculum.name_en,
                    "due": due_on.isoformat(),
                    "required": required,
                },
            )
            for pk, learner_id, due_on, required in rows.iterator(chunk_size=BATCH)
        ),
    )


def assignments_sync(
    *,
    curriculum_ids: Iterable[int] | None = None,
    profile_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> SyncResult:
    """Make assignments match the curricula's rules: create the first cycle for people
    newly selected, open the next cycle `renewal_window_days` before the current one
    expires, reopen a cycle for someone selected again, complete cycles whose
    courses are done, close open cycles of people no longer selected (moved, left,
    excluded, curriculum archived). Limited to some curricula and/or some people when
    given. Running it twice changes nothing the second time."""
    now = timezone.now()
    today = today or timezone.localdate()
    curricula = Curriculum.objects.exclude(status=Curriculum.Status.DRAFT)
    if curriculum_ids is not None:
        curricula = curricula.filter(pk__in=list(curriculum_ids))
    ids = None if profile_ids is None else list(profile_ids)
    result = SyncResult()
    for curriculum in curricula.select_related("owner_department"):
        result = result + _sync_one(curriculum, profile_ids=ids, today=today, now=now)
    return result


def _assignments_with_course(learner, course_key, states) -> list[Assignment]:
    """The learner's cycles in these states of curricula that include the course,
    per curriculum in cycle order."""
    return list(
        Assignment.objects.filter(
            learner=learner, state__in=states, curriculum__items__course_key=course_key
        )
        .select_related("curriculum")
        .distinct()
        .order_by("curriculum_id", "cycle")
    )


def _evaluate_for(learner, assignment: Assignment, *, after) -> bool:
    """_evaluate for one learner's cycle, reading only that learner's record."""
    course_keys = list(assignment.curriculum.items.values_list("course_key", flat=True))
    return _evaluate(
        assignment,
        course_keys=course_keys,
        required=_required_count(assignment.curriculum, course_keys),
        completions=_completion_index(course_keys, [learner.pk]),
        started=_started_index(course_keys, [learner.pk]),
        after=after,
    )


def assignments_on_course_event(*, learner, course_key) -> int:
    """A learner enrolled in or completed a course: bring their open assignments that
    include it up to date at once (inside the caller's transaction), so /me/ and the
    compliance views never wait for the nightly run. Returns rows changed."""
    rows = _assignments_with_course(
        learner, course_key, [Assignment.State.OPEN, Assignment.State.COMPLETED]
    )
    changed = []
    previous_done: dict[int, datetime.datetime | None] = {}
    for assignment in rows:
        curriculum_id = assignment.curriculum_id
        if assignment.state == Assignment.State.OPEN:
            if _evaluate_for(
                learner, assignment, after=previous_done.get(curriculum_id)
            ):
                changed.append(assignment)
        if assignment.state == Assignment.State.COMPLETED:
            previous_done[curriculum_id] = assignment.completed_at
    if changed:
        Assignment.objects.bulk_update(changed, _UPDATE_FIELDS)
        notifications_resolve(
            assignment_ids=[
                a.pk for a in changed if a.state == Assignment.State.COMPLETED
            ]
        )
    return len(changed)


def assignments_on_completion_withdrawn(*, learner, course_key) -> int:
    """A completion of this course by the learner was withdrawn (its certificate
    revoked): each cycle it completed counts again only with another valid
    completion, otherwise it opens again (inside the caller's transaction). Returns
    rows changed."""
    rows = _assignments_with_course(learner, course_key, [Assignment.State.COMPLETED])
    changed = []
    previous_done: dict[int, datetime.datetime | None] = {}
    for assignment in rows:
        before = (assignment.courses_done, assignment.completed_at)
        assignment.state, assignment.completed_at = Assignment.State.OPEN, None
        assignment.courses_done = 0
        _evaluate_for(
            learner, assignment, after=previous_done.get(assignment.curriculum_id)
        )
        if assignment.state == Assignment.State.COMPLETED:
            previous_done[assignment.curriculum_id] = assignment.completed_at
        if assignment.state != Assignment.State.COMPLETED or before != (
            assignment.courses_done,
            assignment.completed_at,
        ):
            changed.append(assignment)
    if changed:
        Assignment.objects.bulk_update(changed, _UPDATE_FIELDS)
    return len(changed)
