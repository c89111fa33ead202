"""Changes to curricula and their assignments that HR asks for: create, update,
activate, archive, set courses, delete, exempt. The curriculum rules live here
(the admin screens call these services and show their messages); each change asks
learning.policy and runs the sync (now or on commit) afterwards."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import CoursePage
from learning import policy
from learning.curricula.models import Assignment, Curriculum, CurriculumCourse
from learning.curricula.sync import (
    SyncResult,
    assignments_sync,
    audience_people,
    curriculum_lock,
)
from learning.curricula.tasks import assignments_sync_task
from learning.notifications.services import notifications_resolve
from learning.organisation.models import Department, LearnerProfile, Position, Rank
from learning.outbox.services import task_enqueue

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
        task_enqueue(assignments_sync_task)
        return
    task_enqueue(assignments_sync_task, profile_ids=ids)


@dataclass
class CurriculumAudience:
    """Who a curriculum selects (see Curriculum): the values of its audience lists."""

    departments: list[Department] = field(default_factory=list)
    departments_exact: list[Department] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    ranks: list[Rank] = field(default_factory=list)
    individuals: list[LearnerProfile] = field(default_factory=list)
    excluded_departments: list[Department] = field(default_factory=list)
    excluded_people: list[LearnerProfile] = field(default_factory=list)

    @classmethod
    def of(cls, curriculum: Curriculum) -> CurriculumAudience:
        """The audience a saved curriculum has now."""
        people = LearnerProfile.objects.select_related("department")
        return cls(
            departments=list(curriculum.departments.all()),
            departments_exact=list(curriculum.departments_exact.all()),
            positions=list(curriculum.positions.all()),
            ranks=list(curriculum.ranks.all()),
            individuals=list(people.filter(pk__in=curriculum.individuals.all())),
            excluded_departments=list(curriculum.excluded_departments.all()),
            excluded_people=list(
                people.filter(pk__in=curriculum.excluded_people.all())
            ),
        )


def audience_outside(owner: Department, audience: CurriculumAudience) -> list[str]:
    """Names of audience departments and people outside the owning department's
    subtree (a curriculum's audience must lie inside it)."""
    departments = [
        *audience.departments,
        *audience.departments_exact,
        *audience.excluded_departments,
    ]
    people = audience.individuals + audience.excluded_people
    return [
        d.display_name for d in departments if not d.path.startswith(owner.path)
    ] + [p.full_name for p in people if not p.department.path.startswith(owner.path)]


def _audience_check(curriculum: Curriculum, audience: CurriculumAudience) -> None:
    outside = audience_outside(curriculum.owner_department, audience)
    if outside:
        raise ValidationError(
            _(
                "The audience must lie inside the owning department; these are "
                "outside it: %(names)s"
            )
            % {"names": ", ".join(outside[:20])}
        )


def curriculum_check_scope(
    *,
    actor,
    curriculum: Curriculum,
    audience: CurriculumAudience | None = None,
) -> None:
    """HR may build curricula only for audiences inside its own scope: the owning
    department (before and after an edit) is one the actor manages, and the
    audience lies inside the owning department."""
    owners = [curriculum.owner_department]
    if curriculum.pk:
        owners.append(Curriculum.objects.get(pk=curriculum.pk).owner_department)
    if not all(policy.can_manage_department(actor, owner) for owner in owners):
        raise PermissionDenied(
            _("You may manage curricula only for departments you manage.")
        )
    _audience_check(
        curriculum,
        CurriculumAudience.of(curriculum) if audience is None else audience,
    )


def curriculum_rules_check(
    *,
    curriculum: Curriculum,
    courses: list[CoursePage],
    audience: CurriculumAudience | None,
) -> None:
    """Every rule a curriculum with these courses and this audience must keep, as
    one ValidationError keyed by field (the admin form shows it as submitted;
    create and update check it again when they save)."""
    errors: list[ValidationError] = []
    checks = [
        lambda: _courses_check(courses),
        lambda: curriculum_validate(curriculum, course_count=len(courses)),
    ]
    if audience is not None and curriculum.owner_department_id:
        checks.append(lambda: _audience_check(curriculum, audience))
    for check in checks:
        try:
            check()
        except ValidationError as error:
            errors.append(error)
    if errors:
        merged: dict = {}
        for refusal in errors:
            refusal.update_error_dict(merged)
        raise ValidationError(merged)


def curriculum_validate(curriculum: Curriculum, *, course_count: int) -> None:
    """Rules a curriculum keeps whenever it is saved: due rules that give a date,
    a renewal window shorter than a cycle, enough courses for "k of n", at least
    one course once active, and no return to draft once people are assigned.
    Raises ValidationError keyed by field."""
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
    if (
        curriculum.status == Curriculum.Status.DRAFT
        and curriculum.pk
        and curriculum.assignments.exists()
    ):
        error(
            "status",
            _("People are already assigned: archive the curriculum instead."),
        )
    if errors:
        raise ValidationError(errors)


def _courses_check(courses: list[CoursePage]) -> None:
    keys = [course.translation_key for course in courses]
    if len(keys) != len(set(keys)):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "Each course can be listed only once: remove the repeated one."
                )
            }
        )


def _courses_write(curriculum: Curriculum, courses: list[CoursePage]) -> None:
    curriculum.items.all().delete()
    for order, course in enumerate(courses):
        item = CurriculumCourse(
            curriculum=curriculum,
            course=course,
            course_key=course.translation_key,
            sort_order=order,
        )
        item.full_clean()
        item.save()


def _audience_write(curriculum: Curriculum, audience: CurriculumAudience) -> None:
    for name in (
        "departments",
        "departments_exact",
        "positions",
        "ranks",
        "individuals",
        "excluded_departments",
        "excluded_people",
    ):
        getattr(curriculum, name).set(getattr(audience, name))


def curriculum_changed(*, curriculum: Curriculum) -> None:
    """After an edit of a curriculum that is not a draft: re-sync it once the edit
    commits (in a task: a province-wide audience takes a while)."""
    if curriculum.status == Curriculum.Status.DRAFT:
        return

    task_enqueue(assignments_sync_task, curriculum_ids=[curriculum.pk])


def _curriculum_save(
    *,
    actor,
    curriculum: Curriculum,
    courses: list[CoursePage],
    audience: CurriculumAudience,
) -> Curriculum:
    curriculum_check_scope(actor=actor, curriculum=curriculum, audience=audience)
    curriculum_rules_check(curriculum=curriculum, courses=courses, audience=audience)
    curriculum.full_clean()
    curriculum.save()
    _audience_write(curriculum, audience)
    _courses_write(curriculum, courses)
    curriculum_changed(curriculum=curriculum)
    return curriculum


@transaction.atomic
def curriculum_create(
    *,
    actor,
    curriculum: Curriculum,
    courses: list[CoursePage],
    audience: CurriculumAudience,
) -> Curriculum:
    """HR's new curriculum (the unsaved `curriculum` holds its fields) with its
    ordered courses and audience; assigned once committed unless a draft."""
    if curriculum.pk:
        raise ValueError("curriculum_create takes an unsaved curriculum")
    curriculum.created_by = actor
    return _curriculum_save(
        actor=actor, curriculum=curriculum, courses=courses, audience=audience
    )


@transaction.atomic
def curriculum_update(
    *,
    actor,
    curriculum: Curriculum,
    courses: list[CoursePage],
    audience: CurriculumAudience,
) -> Curriculum:
    """An edit of a curriculum (its new field values set on `curriculum`), its
    ordered courses and audience, under the same rules as a new one; open cycles
    follow once committed."""
    curriculum_lock(curriculum.pk)
    return _curriculum_save(
        actor=actor, curriculum=curriculum, courses=courses, audience=audience
    )


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


@transaction.atomic
def curriculum_courses_set(
    *, actor, curriculum: Curriculum, courses: list[CoursePage]
) -> Curriculum:
    """Replace the curriculum's ordered course list. Each course may be listed once:
    a repeat is refused with a message, not dropped."""
    curriculum_check_scope(actor=actor, curriculum=curriculum)
    _courses_check(courses)
    curriculum_validate(curriculum, course_count=len(courses))
    _courses_write(curriculum, courses)
    curriculum_changed(curriculum=curriculum)
    return curriculum


def curriculum_check_deletable(curriculum: Curriculum) -> None:
    """A curriculum that has assignments is archived, never deleted: its history
    stays. Raises ValidationError saying so."""
    if curriculum.pk and curriculum.assignments.exists():
        raise ValidationError(
            _("A curriculum with assignments cannot be deleted: archive it.")
        )


@transaction.atomic
def curriculum_delete(*, actor, curriculum: Curriculum) -> None:
    """Delete a curriculum nobody was ever assigned (a draft built by mistake)."""
    curriculum_check_scope(actor=actor, curriculum=curriculum)
    curriculum_lock(curriculum.pk)
    curriculum_check_deletable(curriculum)
    curriculum.delete()


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
    notifications_resolve(assignment_ids=[assignment.pk])
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


def audience_count(
    *, owner_department: Department, audience: CurriculumAudience
) -> int:
    """How many active people `audience` selects inside `owner_department`'s
    subtree: the curriculum form's live preview, by the rule assignments follow."""
    return audience_people(
        owner_path=owner_department.path,
        department_paths=[d.path for d in audience.departments],
        exact_ids=[d.pk for d in audience.departments_exact],
        position_ids=[p.pk for p in audience.positions],
        rank_ids=[r.pk for r in audience.ranks],
        individual_ids=[p.pk for p in audience.individuals],
        excluded_paths=[d.path for d in audience.excluded_departments],
        excluded_ids=[p.pk for p in audience.excluded_people],
    ).count()
