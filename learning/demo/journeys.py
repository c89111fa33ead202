"""Demo step: a year of course history for the whole demo county, so that the
leaders' dashboards (gaps, hours, training effect, trends) stand on something true.

Every row is made by the services a learner, a leader or HR would cause, with
dates over the past twelve months:

- course journeys: the course's pre-test, enrolment, each lesson (the H5P activity,
  reading for the minimum active time, the final quiz: some fail and retry, a few
  give up), completion (certificate, evidence, study hours), then the post-test;
- satisfaction feedback after most completions, varied per course;
- ratings by the unit's leader shortly before enrolling and again some weeks after
  completing, in the units whose head rates their staff;
- HR's adjustments of study hours for training taken outside the platform.

Units differ on purpose (UNIT_TIERS): a few are strong, most steady or weak, some
have almost nothing, so the department × competency heatmap shows real differences.
The administrative approval service bureau (the demo leader's) takes part almost
whole. Who does what and when comes from a fixed seed; the questions each attempt
draws are random, as in production, so totals differ a little between databases.

The order of the calls is chosen so that nothing happens at today's date: the final
quizzes of a journey are recorded (with their past dates) before the enrolment, as a
learner who met the final quiz elsewhere first; otherwise the services' own hooks
would complete lessons "now". H5P activities are played after enrolling (a result
counts only for a launch issued to an enrolled learner), each with its own date.

It runs once: when anyone outside the demo accounts is enrolled, it does nothing.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import Competency
from courses.models import CoursePage, LessonPage
from learning.demo import history
from learning.demo.courses import play_activities, read_lesson
from learning.hours.services import study_hours_adjust
from learning.journey.models import Certificate, Enrollment
from learning.journey.services import (
    course_enroll,
    feedback_record,
    lesson_complete,
)
from learning.organisation.models import Department, LearnerProfile, RoleScope
from learning.people.services import role_scope_grant
from learning.targets.services import manager_rating_record

User = get_user_model()
SEED = 20261207
DEMO_USERS = ("learner", "hr", "leader", "editor", "admin")
LEADER_BUREAU = "QX-XZSP"


@dataclass(frozen=True)
class Tier:
    """How a unit takes part: the share of its staff who study (relative to
    history.SAMPLE_SHARE's default), their mean ability, how many courses each
    takes, how many finish, how satisfied they are and the share whose hours HR
    adjusts for training outside the platform."""

    participation: float
    ability: float
    courses: tuple[int, ...]
    finish: float
    satisfaction: float
    adjusted: float


TIERS = {
    "strong": Tier(0.62, 0.76, (1, 2, 2, 3), 0.92, 0.3, 0.45),
    "steady": Tier(0.25, 0.67, (1, 1, 2, 2), 0.8, 0.0, 0.12),
    "weak": Tier(0.08, 0.58, (1, 1, 1, 2), 0.6, -0.3, 0.04),
    "dormant": Tier(0.012, 0.52, (1,), 0.45, -0.5, 0.0),
}
# The demo leader's bureau takes part almost whole, whatever the sample.
LEADER_BUREAU_PARTICIPATION = 0.92
# Units named here keep their tier; the others draw one from the seed.
UNIT_TIERS = {
    LEADER_BUREAU: "strong",
    "QX-DSJ": "strong",  # big-data bureau
    "QX-ZWFW": "strong",  # government service centre
    "QX-12345": "strong",
    "QX-CGJD": "strong",
    "QX-RSJ": "strong",
    "QX-GAJ": "weak",  # the police train in their own system
    "QX-JYJ": "weak",
    "QX-DFZ": "dormant",
    "QX-GFDY": "dormant",
    "QX-LSWZ": "dormant",
    "QX-YKX": "dormant",
    "QX-ZPX": "dormant",
    "QX-MAX": "dormant",
}
DRAWN_TIERS = (("steady", 5), ("weak", 4), ("dormant", 1))
# Units whose head rates their staff (besides the demo leader's bureau).
RATING_UNITS = ("QX-DSJ", "QX-ZWFW", "QX-CGJD", "QX-SCJG", "QX-BSZ", "QX-JYJ")
RATED_SHARE = 0.6  # of completions in those units

# Course slug → (base weight, mean satisfaction, how much the course teaches).
COURSES = {
    "security-awareness": (3.0, 3.7, 0.09),
    "e-government-service-operation": (2.0, 4.4, 0.13),
    "service-oriented-administration": (1.5, 4.1, 0.11),
    "data-literacy": (1.2, 3.9, 0.05),
}
WINDOW_POSITIONS = {"CKRY", "ZHSL", "HWY"}
CHIEF_POSITIONS = {"KZ", "FKZ", "JZ", "FJZ", "ZR", "FZR", "ZZ", "XZ", "JDZR"}

COMMENTS = {
    "security-awareness": [
        "钓鱼邮件的案例很实用，已转给科室同事。",
        "内容偏多，希望能分成更短的小节。",
        "等保2.0部分讲得有点抽象，希望多举例子。",
        "密码和多因素认证讲得清楚，马上就用上了。",
    ],
    "e-government-service-operation": [
        "“一次办好”的流程梳理对窗口工作帮助很大。",
        "电子证照部分正好解决了我们的实际问题。",
        "案例贴近乡镇便民服务中心，很好。",
    ],
    "service-oriented-administration": [
        "“好差评”和群众满意度那一课很有启发。",
        "适老化和无障碍服务的内容值得全员学习。",
        "希望增加窗口服务用语的练习。",
    ],
    "data-literacy": [
        "图表解读部分很有用，统计口径讲得清楚。",
        "对没有数据基础的同事来说有点难。",
        "希望多一些本县数据的实际案例。",
    ],
}
RATINGS_BEFORE = [
    "日常工作中对该项能力运用还不够熟练，需要带教。",
    "能完成基本操作，遇到复杂情况需要请示。",
    "掌握基本要求，独立处理能力有待提高。",
]
RATINGS_AFTER = [
    "培训后明显进步，能独立处理相关业务。",
    "学以致用，本季度相关工作差错减少。",
    "培训后变化不大，仍需继续跟进。",
    "能带教新同事，业务规范性明显提高。",
]
ADJUSTMENTS = [
    (Decimal(40), "县委党校中青年干部培训班（线下，5天）学时转入。"),
    (Decimal(32), "市数字政府专题培训班（线下）学时认定。"),
    (Decimal(24), "干部网络学院学时转入。"),
    (Decimal(16), "县政务服务业务骨干集中轮训学时认定。"),
    (Decimal(8), "参加全省12345热线业务竞赛培训学时认定。"),
]
CORRECTION = (Decimal(-4), "更正：线下培训学时重复登记，扣减。")


@dataclass
class JourneyCounts:
    people: int = 0
    enrollments: int = 0
    completions: int = 0
    attempts: int = 0
    feedback: int = 0
    ratings: int = 0
    adjustments: int = 0
    leaders: int = 0


@dataclass
class _Course:
    page: CoursePage
    lessons: list[LessonPage]
    competencies: list[Competency]
    weight: float
    satisfaction: float
    teaches: float


@dataclass
class _Person:
    profile: LearnerProfile
    unit: Department
    tier: Tier
    rater: object | None = None
    courses: list[str] = field(default_factory=list)


def _demo_courses() -> dict[str, _Course]:
    courses = {}
    for slug, (weight, satisfaction, teaches) in COURSES.items():
        page = (
            CoursePage.objects.live()
            .filter(slug=slug, locale__language_code="zh-hans")
            .first()
        )
        if page is None:
            continue
        courses[slug] = _Course(
            page=page,
            lessons=list(page.lessons().live().filter(required=True)),
            competencies=[
                link.competency
                for link in page.competencies.select_related(
                    "competency__framework__scale"
                )
            ],
            weight=weight,
            satisfaction=satisfaction,
            teaches=teaches,
        )
    return courses


def unit_tiers(units: list[Department]) -> dict[str, str]:
    """Each top-level unit's tier: the named ones, the others drawn from the seed."""
    rng = random.Random(SEED)
    names, weights = zip(*DRAWN_TIERS, strict=True)
    return {
        unit.code: UNIT_TIERS.get(unit.code) or rng.choices(names, weights=weights)[0]
        for unit in units
    }


def _raters(units: dict[str, Department], counts: JourneyCounts) -> dict[str, object]:
    """Unit code → the leader who rates its staff: the demo leader for their bureau,
    the unit's head (given the leader role over it) for the other rating units."""
    raters = {}
    leader = User.objects.filter(username="leader").first()
    if leader is not None:
        raters[LEADER_BUREAU] = leader
    for code in RATING_UNITS:
        unit = units.get(code)
        if unit is None:
            continue
        head = (
            LearnerProfile.objects.filter(
                department=unit, position__is_leader=True, is_active=True
            )
            .select_related("user")
            .order_by("employee_number")
            .first()
        )
        if head is None:
            continue
        role_scope_grant(
            actor=None, user=head.user, role=RoleScope.Role.LEADER, department=unit
        )
        raters[code] = head.user
        counts.leaders += 1
    return raters


def _course_weights(person: _Person, courses: dict[str, _Course]) -> dict[str, float]:
    position = person.profile.position.code if person.profile.position_id else ""
    weights = {slug: course.weight for slug, course in courses.items()}
    egov = "e-government-service-operation"
    service = "service-oriented-administration"
    if person.unit.kind == "township" or position in WINDOW_POSITIONS:
        weights[egov] = weights.get(egov, 0) + 2
        weights[service] = weights.get(service, 0) + 1.5
    if position in CHIEF_POSITIONS and "data-literacy" in weights:
        weights["data-literacy"] += 2
    if person.unit.code == LEADER_BUREAU:
        weights[egov] = weights.get(egov, 0) + 3
        weights[service] = weights.get(service, 0) + 3
    return {slug: w for slug, w in weights.items() if slug in courses}


def _pick_courses(rng: random.Random, person: _Person, courses) -> list[str]:
    weights = _course_weights(person, courses)
    wanted = min(rng.choice(person.tier.courses), len(weights))
    chosen: list[str] = []
    while len(chosen) < wanted:
        slugs = [s for s in weights if s not in chosen]
        chosen.append(rng.choices(slugs, weights=[weights[s] for s in slugs])[0])
    return chosen


def _at_work(day: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """A moment in office hours (local time) on the same day."""
    return timezone.localtime(day).replace(
        hour=rng.randint(8, 16), minute=rng.randint(0, 59), second=0, microsecond=0
    )


def _later(after: datetime.datetime, days: int, rng: random.Random):
    """Office hours `days` later, and at least half an hour after `after`."""
    when = _at_work(after + datetime.timedelta(days=days), rng)
    return max(when, after + datetime.timedelta(minutes=30))


@dataclass
class _Plan:
    """One person's way through one course, dated; None where it stops."""

    pre_at: datetime.datetime
    enrolled_at: datetime.datetime
    lesson_at: list[datetime.datetime]
    quiz_at: list[datetime.datetime]  # graded attempts until a pass (at most 3)
    post_at: datetime.datetime | None


def _plan(
    rng: random.Random, *, course: _Course, tier: Tier, now: datetime.datetime
) -> _Plan:
    day = now - datetime.timedelta(days=rng.uniform(3, 362))
    start = _at_work(day, rng)
    lessons = []
    when = start + datetime.timedelta(minutes=15)
    gives_up_after = (
        len(course.lessons) if rng.random() < tier.finish else rng.randint(1, 3)
    )
    for _lesson in course.lessons[:gives_up_after]:
        when = _later(when, rng.choice([0, 1, 2, 4, 7]), rng)
        lessons.append(when)
    quiz_at = []
    if len(lessons) == len(course.lessons):
        quiz_at = [lessons[-1] - datetime.timedelta(minutes=20)]
        for _retry in range(2):
            quiz_at.append(quiz_at[-1] + datetime.timedelta(days=rng.randint(2, 9)))
        # The last lesson completes once the quiz is passed: after the last try.
    post_at = None
    if quiz_at and rng.random() < 0.85:
        post_at = _later(quiz_at[-1], rng.randint(1, 12), rng)
    return _Plan(
        pre_at=start,
        enrolled_at=start + datetime.timedelta(minutes=12),
        lesson_at=lessons,
        quiz_at=quiz_at,
        post_at=post_at,
    )


class _Journeys:
    """Walks people through courses; holds the shared random source and caches."""

    def __init__(self, *, now: datetime.datetime, hr, courses, counts):
        self.now = now
        self.hr = hr
        self.courses = courses
        self.counts = counts
        self.rng = random.Random(SEED + 1)
        self.answerer = history._Answerer(self.rng)
        self.cutoff = now - datetime.timedelta(hours=1)

    def quiz(self, quiz, learner, ability: float, when) -> object | None:
        if quiz is None or when >= self.cutoff:
            return None
        attempt = history.take_quiz(
            quiz=quiz,
            learner=learner,
            ability=max(0.05, min(0.98, ability)),
            when=when,
            answerer=self.answerer,
        )
        self.counts.attempts += attempt is not None
        return attempt

    def _reseed(self, person: _Person, topic: str) -> random.Random:
        """Each person's course (or hours) draws from its own seed: the quizzes'
        random questions change one journey's outcome, never the next one's plan."""
        self.rng = random.Random(f"{SEED}:{person.profile.employee_number}:{topic}")
        self.answerer.rng = self.rng
        return self.rng

    def journey(self, person: _Person, slug: str, ability: float) -> None:
        rng, course = self._reseed(person, slug), self.courses[slug]
        learner = person.profile.user
        plan = _plan(rng, course=course, tier=person.tier, now=self.now)
        if plan.enrolled_at >= self.cutoff:
            return
        learns = rng.random() >= 0.1  # one in ten takes nothing away
        learned = ability + (course.teaches + rng.uniform(-0.03, 0.06)) * learns
        page = course.page
        self.quiz(page.pre_test, learner, ability * 0.85, plan.pre_at)
        lesson_times = [t for t in plan.lesson_at if t < self.cutoff]
        passed_at = None
        for number, when in enumerate(plan.quiz_at):
            attempt = self.quiz(
                page.graded_quiz, learner, learned + 0.08 * number, when
            )
            if attempt is None:
                break
            if attempt.passed:
                passed_at = attempt.submitted_at or when
                break
        enrollment, _new = course_enroll(
            learner=learner, course=page, now=plan.enrolled_at
        )
        self.counts.enrollments += 1
        for lesson, when in zip(course.lessons, lesson_times, strict=False):
            if lesson.required_quiz_ids:
                if passed_at is None:
                    break
                when = max(when, passed_at + datetime.timedelta(minutes=2))
                if when >= self.cutoff:
                    break
            elif not lesson.required_h5p_block_ids:
                read_lesson(learner, enrollment, lesson, when)
                when += datetime.timedelta(minutes=lesson.minimum_active_minutes + 1)
            if lesson.required_h5p_block_ids:
                # Answered a few minutes after the page launched them.
                play_activities(learner, lesson, when)
                when += datetime.timedelta(minutes=4)
            lesson_complete(learner=learner, lesson=lesson, now=when)
        enrollment.refresh_from_db(fields=["status", "completed_at"])
        if enrollment.status != Enrollment.Status.COMPLETED:
            return
        completed_at = enrollment.completed_at
        self.counts.completions += 1
        if plan.post_at is not None and plan.post_at > completed_at:
            self.quiz(page.post_test, learner, learned, plan.post_at)
        self.feedback(person, course, enrollment, completed_at)
        self.rate(person, course, ability, plan.enrolled_at, completed_at, learns)

    def feedback(self, person: _Person, course: _Course, enrollment, completed_at):
        rng = self.rng
        if rng.random() > 0.78:
            return
        certificate = Certificate.objects.filter(enrollment=enrollment).first()
        if certificate is None:
            return
        score = course.satisfaction + person.tier.satisfaction + rng.gauss(0, 0.8)
        rating = max(1, min(5, round(score)))
        comment = ""
        if rng.random() < 0.2:
            comment = rng.choice(COMMENTS[course.page.slug])
        when = min(
            completed_at + datetime.timedelta(minutes=rng.randint(2, 600)),
            self.cutoff,
        )
        feedback_record(
            learner=person.profile.user,
            certificate=certificate,
            rating=rating,
            comment=comment,
            now=when,
        )
        self.counts.feedback += 1

    def rate(self, person, course, ability, enrolled_at, completed_at, learns):
        """The leader's rating of one of the course's competencies shortly before
        the person enrolled and again some weeks after they completed it."""
        rng = self.rng
        if person.rater is None or not course.competencies:
            return
        if rng.random() > RATED_SHARE:
            return
        before_at = _at_work(
            enrolled_at - datetime.timedelta(days=rng.randint(3, 40)), rng
        )
        after_at = _later(completed_at, rng.randint(14, 75), rng)
        if before_at < self.now - datetime.timedelta(days=365):
            return
        competency = rng.choice(course.competencies)
        top = competency.framework.scale.max_level or 4
        before = max(1, min(top - 1, round(1 + ability * 1.6 + rng.gauss(0, 0.4))))
        step = rng.choices([0, 1, 2], weights=[4, 9, 1])[0] if learns else 0
        ratings = [(before_at, before, rng.choice(RATINGS_BEFORE))]
        if after_at < self.cutoff:
            after_note = RATINGS_AFTER[2] if step == 0 else rng.choice(RATINGS_AFTER)
            ratings.append((after_at, min(top, before + step), after_note))
        for when, level, note in ratings:
            manager_rating_record(
                rater=person.rater,
                profile=person.profile,
                competency=competency,
                level=level,
                comment=note,
                now=when,
            )
            self.counts.ratings += 1

    def adjust(self, person: _Person) -> None:
        """HR credits hours from training outside the platform this year."""
        rng = self._reseed(person, "hours")
        if rng.random() > person.tier.adjusted:
            return
        year_start = timezone.localtime(self.now).replace(
            month=1, day=10, hour=10, minute=0, second=0, microsecond=0
        )
        span = max(1, (self.cutoff - year_start).days)
        picks = [rng.choice(ADJUSTMENTS)]
        if person.tier is TIERS["strong"] and rng.random() < 0.4:
            picks.append(rng.choice(ADJUSTMENTS))
        if rng.random() < 0.05:
            picks.append(CORRECTION)
        for hours, note in picks:
            when = year_start + datetime.timedelta(days=rng.randint(0, span - 1))
            study_hours_adjust(
                actor=self.hr,
                profile=person.profile,
                hours=hours,
                note=note,
                year=when.year,
                now=when,
            )
            self.counts.adjustments += 1


def _people(units: dict[str, Department], tiers: dict[str, str], raters) -> list:
    depth_two = {unit.path: unit for unit in units.values()}
    steplen = len(next(iter(depth_two))) if depth_two else 0
    people = []
    for profile in (
        LearnerProfile.objects.filter(is_active=True)
        .exclude(user__username__in=DEMO_USERS)
        .select_related("user", "department", "position")
        .order_by("employee_number")
    ):
        unit = depth_two.get(profile.department.path[:steplen])
        if unit is None:
            continue
        rater = raters.get(unit.code)
        if rater is not None and rater.pk == profile.user_id:
            rater = None  # a head is not rated by themselves
        people.append(_Person(profile, unit, TIERS[tiers[unit.code]], rater))
    return people


@transaction.atomic
def seed(
    *,
    now: datetime.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> JourneyCounts:
    """Give the county a year of course history; counts of what was made."""
    counts = JourneyCounts()
    hr = User.objects.filter(username="hr").first()
    county = Department.objects.filter(depth=1).order_by("path").first()
    if hr is None or county is None:
        return counts
    if Enrollment.objects.exclude(learner__username__in=DEMO_USERS).exists():
        return counts
    courses = _demo_courses()
    if not courses:
        return counts
    now = now or timezone.now()
    units = {unit.code: unit for unit in county.get_children().order_by("path")}
    tiers = unit_tiers(list(units.values()))
    raters = _raters(units, counts)
    people = _people(units, tiers, raters)
    walker = _Journeys(now=now, hr=hr, courses=courses, counts=counts)
    rng = random.Random(SEED)
    scale = history.SAMPLE_SHARE / history.DEFAULT_SAMPLE_SHARE
    taking = []
    for person in people:
        share = (
            LEADER_BUREAU_PARTICIPATION
            if person.unit.code == LEADER_BUREAU
            else person.tier.participation * scale
        )
        if rng.random() < share:
            person.courses = _pick_courses(rng, person, courses)
            taking.append(person)
    step = max(1, len(taking) // 4)
    for index, person in enumerate(taking, start=1):
        ability = min(0.95, max(0.3, rng.gauss(person.tier.ability, 0.12)))
        for slug in person.courses:
            walker.journey(person, slug, ability)
        walker.adjust(person)
        counts.people += 1
        if progress is not None and index % step == 0 and index < len(taking):
            progress(f"{index}/{len(taking)} learners")
    return counts
