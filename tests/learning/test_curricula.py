"""Mandatory curricula: audience rules, cycles, completion and the idempotent sync."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learning.curricula.services import (
    assignment_exempt,
    curriculum_activate,
    curriculum_archive,
)
from learning.curricula.sync import (
    assignments_on_course_event,
    assignments_sync,
    curriculum_audience,
)
from learning.models import (
    Assignment,
    Certificate,
    Curriculum,
    CurriculumCourse,
    Enrollment,
    RoleScope,
)
from learning.people.services import (
    person_create,
    person_deactivate,
    person_reactivate,
    person_update,
)
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def admin():
    return factories.UserFactory(username="siteadmin", is_superuser=True)


def make_curriculum(owner, *, courses=1, **fields) -> Curriculum:
    fields.setdefault("name", "年度网络安全意识培训")
    fields.setdefault("name_en", "Annual security awareness")
    fields.setdefault("due_kind", Curriculum.DueKind.AFTER_ASSIGNMENT)
    fields.setdefault("due_days", 30)
    audience = {
        key: fields.pop(key)
        for key in list(fields)
        if key
        in {
            "departments",
            "departments_exact",
            "positions",
            "ranks",
            "individuals",
            "excluded_departments",
            "excluded_people",
        }
    }
    curriculum = Curriculum.objects.create(owner_department=owner, **fields)
    for name, values in audience.items():
        getattr(curriculum, name).set(values)
    for order in range(courses):
        CurriculumCourse.objects.create(
            curriculum=curriculum, course_key=uuid.uuid4(), sort_order=order
        )
    return curriculum


def complete(user, course_key, when=None) -> Certificate:
    """A course completion as the journey leaves it: an enrollment and a
    certificate."""
    when = when or timezone.now()
    enrollment, _created = Enrollment.objects.update_or_create(
        learner=user,
        course_key=course_key,
        defaults={
            "enrolled_at": when - DAY,
            "status": Enrollment.Status.COMPLETED,
            "completed_at": when,
        },
    )
    return Certificate.objects.create(
        code=uuid.uuid4().hex[:16],
        learner=user,
        enrollment=enrollment,
        course_key=course_key,
        learner_name="x",
        course_title_zh="课程",
        course_title_en="Course",
        credit_hours=Decimal(1),
        issued_at=when,
    )


def keys(curriculum):
    return list(curriculum.items.values_list("course_key", flat=True))


def assigned(curriculum, state=None):
    rows = Assignment.objects.filter(curriculum=curriculum)
    if state:
        rows = rows.filter(state=state)
    return set(rows.values_list("profile_id", flat=True))


# Audience -------------------------------------------------------------------------


def test_a_department_with_subtree_selects_everyone_below_it(county):
    top = factories.person_in(county.bureau_a)
    below = factories.person_in(county.section_a1)
    other = factories.person_in(county.bureau_b)
    curriculum = make_curriculum(county.county, departments=[county.bureau_a])
    assert set(curriculum_audience(curriculum)) == {top, below}
    assert other not in curriculum_audience(curriculum)


def test_a_department_without_subtree_selects_only_the_unit(county):
    top = factories.person_in(county.bureau_a)
    factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments_exact=[county.bureau_a])
    assert list(curriculum_audience(curriculum)) == [top]


def test_positions_and_ranks_narrow_the_departments(county):
    chief = factories.PositionFactory(code="KZ", title="科长")
    staff = factories.PositionFactory(code="KY", title="科员")
    senior = factories.RankFactory(code="R9")
    a_chief = factories.person_in(county.section_a1, position=chief, rank=senior)
    factories.person_in(county.section_a1, position=staff, rank=senior)
    factories.person_in(county.section_b1, position=chief)
    curriculum = make_curriculum(
        county.county,
        departments=[county.bureau_a],
        positions=[chief],
        ranks=[senior],
    )
    assert list(curriculum_audience(curriculum)) == [a_chief]
    everywhere = make_curriculum(county.county, positions=[chief])
    assert set(curriculum_audience(everywhere)) == {
        p for p in curriculum_audience(everywhere) if p.position_id == chief.pk
    }
    assert len(curriculum_audience(everywhere)) == 2


def test_individuals_are_added_and_exclusions_win(county):
    inside = factories.person_in(county.section_a1)
    excluded_unit_member = factories.person_in(county.section_a2)
    excluded_person = factories.person_in(county.bureau_a)
    named = factories.person_in(county.township_office)
    leaver = factories.person_in(county.section_a1)
    person_deactivate(actor=None, profile=leaver)
    curriculum = make_curriculum(
        county.county,
        departments=[county.bureau_a],
        individuals=[named],
        excluded_departments=[county.section_a2],
        excluded_people=[excluded_person],
    )
    audience = set(curriculum_audience(curriculum))
    assert audience == {inside, named}
    assert excluded_unit_member not in audience and leaver not in audience


def test_no_rules_select_nobody(county):
    factories.person_in(county.section_a1)
    assert not curriculum_audience(make_curriculum(county.county)).exists()


def test_the_audience_never_leaves_the_owning_department(county):
    factories.person_in(county.section_b1)
    curriculum = make_curriculum(county.bureau_a, departments=[county.county])
    assert not curriculum_audience(curriculum).exists()


# Sync -----------------------------------------------------------------------------


def test_activation_assigns_every_selected_person_once(county, admin):
    people = [factories.person_in(county.section_a1) for _i in range(3)]
    curriculum = make_curriculum(county.county, departments=[county.county])
    result = curriculum_activate(actor=admin, curriculum=curriculum)
    assert result.created == 3
    assert assigned(curriculum) == {p.pk for p in people}
    row = Assignment.objects.filter(curriculum=curriculum).first()
    assert row.due_on == timezone.localdate() + datetime.timedelta(days=30)
    assert row.state == Assignment.State.OPEN and row.cycle == 1
    again = assignments_sync()
    assert again.changed == 0
    assert Assignment.objects.filter(curriculum=curriculum).count() == 3


def test_a_draft_assigns_nobody_and_activation_needs_courses(county, admin):
    factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county], courses=0)
    assignments_sync()
    assert not Assignment.objects.exists()
    with pytest.raises(ValidationError, match="at least one course"):
        curriculum_activate(actor=admin, curriculum=curriculum)
    curriculum.refresh_from_db()
    assert curriculum.status == Curriculum.Status.DRAFT


def test_a_fixed_due_date_gives_late_joiners_their_days(county, admin):
    factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county,
        departments=[county.county],
        due_kind=Curriculum.DueKind.FIXED,
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        due_days=14,
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    first = Assignment.objects.get()
    assert first.due_on == curriculum.due_date
    curriculum.due_date = timezone.localdate() - datetime.timedelta(days=3)
    curriculum.save()
    newcomer = factories.person_in(county.section_a2)
    assignments_sync(profile_ids=[newcomer.pk])
    late = Assignment.objects.get(profile=newcomer)
    assert late.due_on == timezone.localdate() + datetime.timedelta(days=14)


def test_after_hire_counts_from_the_hire_date(county, admin):
    hired = timezone.localdate() - datetime.timedelta(days=5)
    newcomer = factories.person_in(county.section_a1, hire_date=hired)
    veteran = factories.person_in(
        county.section_a1, hire_date=datetime.date(2001, 3, 1)
    )
    curriculum = make_curriculum(
        county.county,
        departments=[county.county],
        due_kind=Curriculum.DueKind.AFTER_HIRE,
        due_days=30,
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    due = dict(
        Assignment.objects.values_list("profile_id", "due_on"),
    )
    assert due[newcomer.pk] == hired + datetime.timedelta(days=30)
    assert due[veteran.pk] == timezone.localdate() + datetime.timedelta(days=30)


def test_a_mover_keeps_completed_history_and_gets_the_new_curricula(county, admin):
    person = factories.person_in(county.section_a1)
    a_curriculum = make_curriculum(county.county, departments=[county.bureau_a])
    b_curriculum = make_curriculum(county.county, departments=[county.bureau_b])
    done_curriculum = make_curriculum(county.county, departments=[county.bureau_a])
    for curriculum in (a_curriculum, b_curriculum, done_curriculum):
        curriculum_activate(actor=admin, curriculum=curriculum)
    complete(person.user, keys(done_curriculum)[0])
    assignments_sync()
    person_update(actor=None, profile=person, department=county.section_b1)
    result = assignments_sync(profile_ids=[person.pk])
    assert result.closed == 1 and result.created == 1
    states = dict(
        Assignment.objects.filter(profile=person).values_list("curriculum_id", "state")
    )
    assert states == {
        a_curriculum.pk: Assignment.State.CLOSED,
        b_curriculum.pk: Assignment.State.OPEN,
        done_curriculum.pk: Assignment.State.COMPLETED,
    }


def test_a_leaver_is_closed_and_a_returner_reopened(county, admin):
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=admin, curriculum=curriculum)
    person_deactivate(actor=None, profile=person)
    assignments_sync()
    row = Assignment.objects.get(profile=person)
    assert row.state == Assignment.State.CLOSED and row.closed_at is not None
    person_reactivate(actor=None, profile=person)
    result = assignments_sync()
    row.refresh_from_db()
    assert result.reopened == 1 and row.state == Assignment.State.OPEN
    assert Assignment.objects.filter(profile=person).count() == 1


def test_archiving_closes_open_cycles_and_keeps_completed_ones(county, admin):
    done = factories.person_in(county.section_a1)
    pending = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=admin, curriculum=curriculum)
    complete(done.user, keys(curriculum)[0])
    assignments_sync()
    curriculum_archive(actor=admin, curriculum=curriculum)
    states = dict(Assignment.objects.values_list("profile_id", "state"))
    assert states == {
        done.pk: Assignment.State.COMPLETED,
        pending.pk: Assignment.State.CLOSED,
    }


def test_all_courses_or_k_of_n(county, admin):
    person = factories.person_in(county.section_a1)
    every = make_curriculum(county.county, departments=[county.county], courses=3)
    two_of_three = make_curriculum(
        county.county, departments=[county.county], courses=3, required_count=2
    )
    for curriculum in (every, two_of_three):
        curriculum_activate(actor=admin, curriculum=curriculum)
    first, second = keys(every)[0], keys(two_of_three)[0]
    complete(person.user, first)
    complete(person.user, keys(two_of_three)[1])
    complete(person.user, second)
    assignments_sync()
    rows = {a.curriculum_id: a for a in Assignment.objects.all()}
    assert rows[every.pk].state == Assignment.State.OPEN
    assert (rows[every.pk].courses_done, rows[every.pk].courses_required) == (1, 3)
    assert rows[two_of_three.pk].state == Assignment.State.COMPLETED
    assert rows[two_of_three.pk].courses_required == 2


def test_a_completion_updates_the_assignment_at_once(county, admin):
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=admin, curriculum=curriculum)
    complete(person.user, keys(curriculum)[0])
    assert assignments_on_course_event(
        learner=person.user, course_key=keys(curriculum)[0]
    )
    row = Assignment.objects.get()
    assert row.state == Assignment.State.COMPLETED
    assert row.completed_at is not None and row.started_at is not None


def test_hr_builds_curricula_only_inside_their_scope(county):
    hr_a = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    factories.person_in(county.section_b1)
    outside = make_curriculum(county.county, departments=[county.county])
    with pytest.raises(PermissionDenied):
        curriculum_activate(actor=hr_a.user, curriculum=outside)
    leaking = make_curriculum(county.bureau_a, departments=[county.bureau_b])
    with pytest.raises(ValidationError, match="outside"):
        curriculum_activate(actor=hr_a.user, curriculum=leaking)
    assert not Assignment.objects.exists()
    mine = make_curriculum(county.bureau_a, departments=[county.bureau_a])
    curriculum_activate(actor=hr_a.user, curriculum=mine)
    assert assigned(mine) == {hr_a.pk}


def test_exempt_keeps_the_reason_and_is_left_alone_by_the_sync(county, admin):
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=admin, curriculum=curriculum)
    row = Assignment.objects.get()
    with pytest.raises(ValidationError):
        assignment_exempt(actor=admin, assignment=row, reason=" ")
    assignment_exempt(actor=admin, assignment=row, reason="长期病假 / long sick leave")
    complete(person.user, keys(curriculum)[0])
    assignments_sync()
    row.refresh_from_db()
    assert row.state == Assignment.State.EXEMPT
    assert row.exempt_reason.startswith("长期病假")


# Recurrence -----------------------------------------------------------------------


def test_yearly_cycles_open_in_the_window_and_count_completions_there(
    county, admin, time_machine
):
    time_machine.move_to(
        datetime.datetime(2026, 1, 10, 9, tzinfo=timezone.get_current_timezone())
    )
    person = factories.person_in(county.section_a1)
    slow = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county,
        departments=[county.county],
        recurrence_months=12,
        renewal_window_days=30,
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    course = keys(curriculum)[0]
    first = Assignment.objects.get(profile=person)
    assert first.expires_on == datetime.date(2027, 1, 10)

    time_machine.move_to(
        datetime.datetime(2026, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    )
    complete(person.user, course)
    assignments_sync()
    first.refresh_from_db()
    assert first.state == Assignment.State.COMPLETED

    # Through the year the sync opens nothing new until the window.
    time_machine.move_to(
        datetime.datetime(2026, 12, 10, 9, tzinfo=timezone.get_current_timezone())
    )
    assert assignments_sync().changed == 0
    time_machine.move_to(
        datetime.datetime(2026, 12, 11, 9, tzinfo=timezone.get_current_timezone())
    )
    result = assignments_sync()
    assert result.renewed == 2
    second = Assignment.objects.get(profile=person, cycle=2)
    assert (second.starts_on, second.expires_on) == (
        datetime.date(2027, 1, 10),
        datetime.date(2028, 1, 10),
    )
    assert second.due_on == datetime.date(2027, 2, 9)
    assert assignments_sync().changed == 0

    # A completion inside the window counts for the next cycle (and the slow
    # colleague's unfinished first cycle, still open, counts it too).
    time_machine.move_to(
        datetime.datetime(2026, 12, 20, 9, tzinfo=timezone.get_current_timezone())
    )
    complete(person.user, uuid.uuid4())  # another course does not count
    Certificate.objects.filter(learner=person.user).delete()
    Enrollment.objects.filter(learner=person.user).delete()
    complete(person.user, course)
    assignments_sync()
    second.refresh_from_db()
    assert second.state == Assignment.State.COMPLETED

    # The slow colleague's first cycle expires when it ends; the second stays open.
    time_machine.move_to(
        datetime.datetime(2027, 1, 10, 9, tzinfo=timezone.get_current_timezone())
    )
    assignments_sync()
    states = dict(Assignment.objects.filter(profile=slow).values_list("cycle", "state"))
    assert states == {1: Assignment.State.EXPIRED, 2: Assignment.State.OPEN}


def test_a_completion_before_the_window_does_not_count_for_the_next_cycle(
    county, admin, time_machine
):
    tz = timezone.get_current_timezone()
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, tzinfo=tz))
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county, departments=[county.county], recurrence_months=12
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    complete(person.user, keys(curriculum)[0])
    assignments_sync()
    time_machine.move_to(datetime.datetime(2026, 12, 15, 9, tzinfo=tz))
    assignments_sync()
    second = Assignment.objects.get(profile=person, cycle=2)
    assert second.state == Assignment.State.OPEN and second.courses_done == 0


def test_a_recent_completion_counts_for_a_new_yearly_curriculum(county, admin):
    person = factories.person_in(county.section_a1)
    old = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county, departments=[county.county], recurrence_months=12
    )
    course = keys(curriculum)[0]
    complete(person.user, course, when=timezone.now() - datetime.timedelta(days=60))
    complete(old.user, course, when=timezone.now() - datetime.timedelta(days=400))
    curriculum_activate(actor=admin, curriculum=curriculum)
    states = dict(Assignment.objects.values_list("profile_id", "state"))
    assert states == {
        person.pk: Assignment.State.COMPLETED,
        old.pk: Assignment.State.OPEN,
    }


def test_after_a_roster_import_the_people_it_touched_are_synced(
    county, admin, django_capture_on_commit_callbacks, monkeypatch
):
    from learning.curricula import services as curricula_services
    from learning.curricula.services import assignments_sync_after_roster

    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=admin, curriculum=curriculum)
    newcomer = factories.person_in(county.section_a1)
    with django_capture_on_commit_callbacks(execute=True):
        assignments_sync_after_roster(profile_ids=[newcomer.pk])
    assert Assignment.objects.filter(profile=newcomer).exists()
    # Thousands of people at once: one full sync instead of a giant id list.
    monkeypatch.setattr(curricula_services, "FULL_SYNC_ABOVE", 1)
    other = factories.person_in(county.section_a2)
    with django_capture_on_commit_callbacks(execute=True):
        assignments_sync_after_roster(profile_ids=[newcomer.pk, 999999])
    assert Assignment.objects.filter(profile=other).exists()


def test_back_office_moves_and_leavers_sync_their_assignments(
    county, admin, django_capture_on_commit_callbacks
):
    person = factories.person_in(county.section_a1)
    a_only = make_curriculum(county.county, departments=[county.bureau_a])
    b_only = make_curriculum(county.county, departments=[county.bureau_b])
    for curriculum in (a_only, b_only):
        curriculum_activate(actor=admin, curriculum=curriculum)
    with django_capture_on_commit_callbacks(execute=True):
        person_update(actor=None, profile=person, department=county.section_b1)
    states = dict(
        Assignment.objects.filter(profile=person).values_list("curriculum_id", "state")
    )
    assert states == {a_only.pk: Assignment.State.CLOSED, b_only.pk: "open"}
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(actor=None, profile=person)
    assert not Assignment.objects.filter(profile=person, state="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = person_create(
            actor=None,
            employee_number="NEW-1",
            full_name="新同事",
            department=county.section_b1,
        )
    assert Assignment.objects.filter(profile=newcomer, curriculum=b_only).exists()


def test_the_sync_keeps_the_cycle_in_force_current(county, admin, time_machine):
    """A next cycle opened early in the renewal window becomes current on its start
    date; until then the cycle it will replace stays current
    (learning.curricula.status)."""
    tz = timezone.get_current_timezone()
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, tzinfo=tz))
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county, departments=[county.county], recurrence_months=12
    )
    curriculum_activate(actor=admin, curriculum=curriculum)

    def current():
        rows = Assignment.objects.filter(profile=person)
        return dict(rows.values_list("cycle", "is_current"))

    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, tzinfo=tz))
    assignments_sync()
    assert current() == {1: True, 2: False}
    assert assignments_sync().changed == 0
    time_machine.move_to(datetime.datetime(2027, 1, 10, 3, tzinfo=tz))
    assignments_sync()
    assert current() == {1: False, 2: True}


def test_one_completion_counts_for_one_cycle_only(county, admin, time_machine):
    """A fixed year-end due date: finishing on time in the renewal window completes
    this year's cycle, not next year's as well."""
    tz = timezone.get_current_timezone()
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, tzinfo=tz))
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(
        county.county,
        departments=[county.county],
        due_kind=Curriculum.DueKind.FIXED,
        due_date=datetime.date(2026, 12, 31),
        recurrence_months=12,
        renewal_window_days=30,
    )
    curriculum_activate(actor=admin, curriculum=curriculum)
    time_machine.move_to(datetime.datetime(2026, 12, 15, 9, tzinfo=tz))
    assignments_sync()  # the 2027 cycle opens
    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, tzinfo=tz))
    complete(person.user, keys(curriculum)[0])
    assignments_on_course_event(learner=person.user, course_key=keys(curriculum)[0])
    assignments_sync()
    states = dict(
        Assignment.objects.filter(profile=person).values_list("cycle", "state")
    )
    assert states == {1: Assignment.State.COMPLETED, 2: Assignment.State.OPEN}
    second = Assignment.objects.get(profile=person, cycle=2)
    assert second.due_on == datetime.date(2027, 12, 31) and second.courses_done == 0


def test_editing_the_due_rules_moves_open_assignments(county, admin):
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=admin, curriculum=curriculum)
    row = Assignment.objects.get(profile=person)
    started = row.starts_on
    curriculum.due_days = 85
    curriculum.recurrence_months = 12
    curriculum.save()
    assert assignments_sync().updated == 1
    row.refresh_from_db()
    assert row.starts_on == started
    assert row.due_on == started + datetime.timedelta(days=85)
    assert row.expires_on == datetime.date(started.year + 1, started.month, started.day)
    assert assignments_sync().changed == 0


def test_leaving_the_audience_takes_a_finished_cycle_out_of_compliance(county, admin):
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.bureau_a])
    curriculum_activate(actor=admin, curriculum=curriculum)
    complete(person.user, keys(curriculum)[0])
    assignments_sync()
    person_update(actor=None, profile=person, department=county.section_b1)
    assignments_sync()
    row = Assignment.objects.get(profile=person)
    assert row.state == Assignment.State.COMPLETED and not row.is_current
    person_update(actor=None, profile=person, department=county.section_a2)
    assignments_sync()
    row.refresh_from_db()
    assert row.state == Assignment.State.COMPLETED and row.is_current


def test_removing_a_done_course_lowers_the_count(county, admin):
    person = factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county], courses=2)
    curriculum_activate(actor=admin, curriculum=curriculum)
    first, second = keys(curriculum)
    complete(person.user, first)
    assignments_sync()
    assert Assignment.objects.get(profile=person).courses_done == 1
    curriculum.items.filter(course_key=first).delete()
    CurriculumCourse.objects.create(curriculum=curriculum, course_key=uuid.uuid4())
    assignments_sync()
    row = Assignment.objects.get(profile=person)
    assert (row.courses_done, row.courses_required) == (0, 2)


def test_hr_cannot_exempt_themself(county):
    hr = factories.scoped_user(RoleScope.Role.HR, county.county)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=hr.user, curriculum=curriculum)
    mine = Assignment.objects.get(profile=hr)
    with pytest.raises(PermissionDenied, match="yourself"):
        assignment_exempt(actor=hr.user, assignment=mine, reason="我很忙")
    mine.refresh_from_db()
    assert mine.state == Assignment.State.OPEN
