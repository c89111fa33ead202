"""From a gap to action: the courses that develop a competency at the level the
people below target need, ranked by their measured learning gain; competencies
with a gap that no course develops; and HR's one step from a selection to a draft
mandatory curriculum for exactly those people.

The audience is the named people below target on the day (not a rule kept current
by the nightly sync): a mandatory curriculum is an obligation HR signs off person
by person, and one that reaches target later still finishes the course they were
given — the next gap report shows who is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.effect import MIN_GAIN_PAIRS, MeanInterval
from analytics.gaps import PersonGap, gap_people
from analytics.pages import Cell, people_table, require_cell_shown
from analytics.scope import DashboardScope
from analytics.tables import Table, rounded
from assessments.models import Competency
from assessments.quiz_selectors import quiz_learning_gain_by_learner
from courses.models import CourseCompetency, CoursePage
from courses.selectors import pages_by_key
from learning import policy
from learning.curricula.models import Curriculum
from learning.curricula.services import CurriculumAudience, curriculum_create


@dataclass
class CourseOption:
    course: CoursePage
    competency: Competency
    level: int
    gain: MeanInterval

    @property
    def gain_rank(self) -> float:
        return self.gain.mean if self.gain.mean is not None else -2.0


@dataclass
class GapPlan:
    cell: Cell
    people: list[PersonGap]
    courses: list[CourseOption]
    uncovered: list[Competency]
    tables: list[Table] = field(default_factory=list)

    @property
    def needed_level(self) -> int | None:
        return min((p.target for p in self.people), default=None)


def _course_gain(course: CoursePage) -> MeanInterval:
    """The course's learning gain over everyone who took its pre/post pair."""
    post = course.post_test
    if post is None or not post.paired_with_id:
        return MeanInterval(0, None, None, None)
    gains = quiz_learning_gain_by_learner(post_quiz=post)
    return MeanInterval.of([g for g in gains.values() if g is not None])


def gap_plan(scope: DashboardScope, cell: Cell) -> GapPlan:
    """The people of the cell below target, and the live courses that develop any
    of the cell's competencies at a level at least the lowest target among them
    (best measured gain first; a course with fewer than MIN_GAIN_PAIRS pairs has
    no measured gain and comes after)."""
    require_cell_shown(scope, cell)
    people = gap_people(
        scope,
        department=cell.department,
        unit_only=cell.unit_only,
        competency=cell.competency,
    )
    short = {p.competency.pk: p.competency for p in people}
    need: dict[int, int] = {}
    for person in people:
        cid = person.competency.pk
        need[cid] = min(need.get(cid, person.target), person.target)
    rows = CourseCompetency.objects.filter(
        competency_id__in=list(short), course__live=True
    ).values_list("course__translation_key", "competency_id", "level")
    by_key: dict = {}
    for key, cid, level in rows:
        if level >= need[cid]:
            best = by_key.get(key)
            if best is None or level > best[1]:
                by_key[key] = (cid, level)
    pages = pages_by_key(CoursePage, list(by_key))
    courses = [
        CourseOption(page, short[by_key[key][0]], by_key[key][1], _course_gain(page))
        for key, page in pages.items()
    ]
    courses.sort(key=lambda o: (-o.gain_rank, o.course.title))
    covered = {o.competency.pk for o in courses}
    uncovered = sorted(
        (c for cid, c in short.items() if cid not in covered), key=lambda c: c.path
    )
    plan = GapPlan(cell, people, courses, uncovered)
    table = Table(
        "courses",
        _("Courses that close the gap"),
        [
            _("Course"),
            _("Competency"),
            _("Level developed"),
            _("Learning gain (mean)"),
            _("Pre/post pairs"),
        ],
    )
    for option in courses:
        table.add(
            option.course.title,
            f"{option.competency.code} {option.competency.display_name}",
            option.level,
            rounded(option.gain.mean, 3) if option.gain.n >= MIN_GAIN_PAIRS else "",
            option.gain.n,
        )
    missing = Table(
        "uncovered",
        _("Gaps with no course yet"),
        [_("Competency code"), _("Competency")],
    )
    for competency in uncovered:
        missing.add(competency.code, competency.display_name)
    plan.tables = [table, missing, people_table(people)]
    return plan


def can_assign(user, plan: GapPlan) -> bool:
    """HR officers who manage the cell's department turn the plan into a curriculum."""
    return bool(plan.people) and policy.can_manage_department(
        user, plan.cell.department
    )


@transaction.atomic
def curriculum_from_gap(*, actor, plan: GapPlan, course_ids: list[int]) -> Curriculum:
    """A draft mandatory curriculum owned by the cell's department, with the chosen
    courses (of the plan's) and exactly the people below target as its audience.
    HR then sets the due date and activates it in the back office."""
    if not can_assign(actor, plan):
        raise PermissionDenied(
            _("Only HR officers of this department can assign training to it.")
        )
    offered = {o.course.pk: o.course for o in plan.courses}
    chosen = [offered[pk] for pk in dict.fromkeys(course_ids) if pk in offered]
    if not chosen:
        raise ValidationError(_("Choose at least one of the courses listed."))
    competency = plan.cell.competency
    department = plan.cell.department
    zh_name = competency.name_zh or competency.name
    en_place = department.name_en or department.name
    curriculum = Curriculum(
        name=f"{zh_name}补差培训（{department.name}）"[:200],
        name_en=f"Closing the gap: {competency.name} ({en_place})"[:200],
        description=_(
            "Assigned from the competency gap report: the people below their "
            "target in %(competency)s on %(day)s."
        )
        % {
            "competency": competency.display_name,
            "day": timezone.localdate().isoformat(),
        },
        owner_department=department,
        status=Curriculum.Status.DRAFT,
        due_kind=Curriculum.DueKind.AFTER_ASSIGNMENT,
        due_days=60,
    )
    audience = CurriculumAudience(
        individuals=list(dict.fromkeys(p.profile for p in plan.people))
    )
    return curriculum_create(
        actor=actor, curriculum=curriculum, courses=chosen, audience=audience
    )
