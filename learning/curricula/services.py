"""Changes to curricula and their assignments that HR asks for: validate, activate,
archive, set courses, exempt; each runs the sync (now or on commit) afterwards."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import CoursePage
from learning import policy
from learning.curricula.models import Assignment, Curriculum, CurriculumCourse
from learning.curricula.sync import (
    SyncResult,
    assignments_sync,
    curriculum_lock,
)
from learning.curricula.tasks import assignments_sync_task
from learning.organisation.models import Department, LearnerProfile

# Above this many people changed at once, the sync runs for everyone instead.
FULL_SYNC_ABOVE = 5000


def assignments_sync_after_roster(*, profile_ids: Iterable[int]) -> None:
    """After people joined, moved, left or came back: sync their assignments in a
    task once the change is committed (in-process in the embedded default)."""
    ids = sorted(set(profile_ids))
    if not ids:
        return
    if len(ids) > FULL_SYNC_ABOVE:
        # A big import: one full sync is cheaper than naming every person.
        transaction.on_commit(lambda: assignments_sync_task.delay())
        return
    transaction.on_commit(lambda: assignments_sync_task.delay(profile_ids=ids))


def _audience_departments(curriculum: Curriculum) -> list[Department]:
    return (
        list(curriculum.departments.all())
        + list(curriculum.departments_exact.all())
        + list(curriculum.excluded_departments.all())
    )


def audience_outside(
    owner: Department,
    *,
    departments: Iterable[Department],
    people: Iterable[LearnerProfile],
) -> list[str]:
    """Names of audience departments and people outside the owning department's
    subtree (a curriculum's audience must lie inside it)."""
    return [
        d.display_name for d in departments if not d.path.startswith(owner.path)
    ] + [p.full_name for p in people if not p.department.path.startswith(owner.path)]


def audience_outside_error(names: list[str]) -> ValidationError:
    return ValidationError(
        _(
            "The audience must lie inside the owning department; these are outside "
            "it: %(names)s"
        )
        % {"names": ", ".join(names[:20])}
    )


def curriculum_check_scope(*, actor, curriculum: Curriculum) -> None:
    """HR may build curricula only for audiences inside its own scope."""
    if not policy.can_manage_department(actor, curriculum.owner_department):
        raise PermissionDenied(
            _("You may manage curricula only for departments you manage.")
        )
    outside = audience_outside(
        curriculum.owner_department,
        departments=_audience_departments(curriculum),
        people=list(curriculum.individuals.select_related("department"))
        + list(curriculum.excluded_people.select_related("department")),
    )
    if outside:
        raise audience_outside_error(outside)


def curriculum_validate(curriculum: Curriculum, *, course_count: int) -> None:
    """Rules a curriculum keeps whenever it is saved: due rules that give a date,
    a renewal window shorter than a cycle, enough courses for "k of n", and at
    least one course once active. Raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if curriculum.due_kind == Curriculum.DueKind.FIXED and not curriculum.due_date:
        error("due_date", _("Give the due date, or choose a number of days."))
    if curriculum.due_kind != Curriculum.DueKind.FIXED and not curriculum.due_days:
        error("due_days", _("Give the number of days to complete it."))
    months = curriculum.recurrence_months or 0
    if months and (curriculum.renewal_window_days or 0) >= months * 28:
        error(
            "renewal_window_days",
            _(
                "The next cycle must open less than one cycle before the current "
                "one expires."
            ),
        )
    if curriculum.status == Curriculum.Status.ACTIVE and not course_count:
        error(NON_FIELD_ERRORS, _("Add at least one course before activating."))
    if (curriculum.required_count or 0) > course_count:
        error(
            "required_count",
            _("The curriculum requires %(k)s courses but lists only %(n)s.")
            % {"k": curriculum.required_count, "n": course_count},
        )
    if errors:
        raise ValidationError(errors)


def curriculum_activate(*, actor, curriculum: Curriculum) -> SyncResult:
    """Make a draft (or archived) curriculum active and assign it at once."""
    curriculum_check_scope(actor=actor, curriculum=curriculum)
    curriculum.status = Curriculum.Status.ACTIVE
    try:
        curriculum_validate(curriculum, course_count=curriculum.items.count())
    except ValidationError:
        curriculum.refresh_from_db(fields=["status"])
        raise
    with transaction.atomic():
        curriculum.save(update_fields=["status", "updated_at"])
        return assignments_sync(curriculum_ids=[curriculum.pk])


def curriculum_archive(*, actor, curriculum: Curriculum) -> SyncResult:
    """Stop a curriculum: open cycles close, completed ones stay as history."""
    curriculum_check_scope(actor=actor, curriculum=curriculum)
    with transaction.atomic():
        curriculum.status = Curriculum.Status.ARCHIVED
        curriculum.save(update_fields=["status", "updated_at"])
        return assignments_sync(curriculum_ids=[curriculum.pk])


def curriculum_changed(*, curriculum: Curriculum) -> None:
    """After an edit of an active curriculum: re-sync it once the edit commits."""
    if curriculum.status == Curriculum.Status.DRAFT:
        return

    pk = curriculum.pk
    transaction.on_commit(lambda: assignments_sync_task.delay(curriculum_ids=[pk]))


def curriculum_courses_set(
    *, curriculum: Curriculum, courses: list[CoursePage]
) -> None:
    """Replace the curriculum's ordered course list (each course once)."""
    keys_seen = set()
    with transaction.atomic():
        curriculum.items.all().delete()
        for order, course in enumerate(courses):
            if course.translation_key in keys_seen:
                continue
            keys_seen.add(course.translation_key)
            CurriculumCourse.objects.create(
                curriculum=curriculum,
                course=course,
                course_key=course.translation_key,
                sort_order=order,
            )


@transaction.atomic
def assignment_exempt(*, actor, assignment: Assignment, reason: str) -> Assignment:
    """HR excuses a person from one cycle, with the reason (kept on the record)."""
    if not policy.can_manage_person(actor, assignment.profile):
        raise PermissionDenied(_("You may exempt only people you manage."))
    if assignment.learner_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("You cannot exempt yourself; ask another HR officer."))
    curriculum_lock(assignment.curriculum_id)
    assignment.refresh_from_db()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the person is exempt.")})
    if assignment.state == Assignment.State.COMPLETED:
        raise ValidationError(_("This assignment is already completed."))
    assignment.state = Assignment.State.EXEMPT
    assignment.exempt_reason = reason[:300]
    assignment.exempted_by = actor
    assignment.save(update_fields=["state", "exempt_reason", "exempted_by"])
    return assignment


@transaction.atomic
def assignment_unexempt(*, actor, assignment: Assignment) -> Assignment:
    if not policy.can_manage_person(actor, assignment.profile):
        raise PermissionDenied(_("You may change only people you manage."))
    if assignment.state == Assignment.State.EXEMPT:
        assignment.state = Assignment.State.OPEN
        assignment.exempt_reason = ""
        assignment.exempted_by = None
        assignment.save(update_fields=["state", "exempt_reason", "exempted_by"])
        assignments_sync(
            curriculum_ids=[assignment.curriculum_id],
            profile_ids=[assignment.profile_id],
        )
    return assignment
