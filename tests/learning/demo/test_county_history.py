"""The demo county's year of history (seed_demo): what the leaders' dashboards stand
on. The county is seeded once for the module (inside a transaction rolled back at
the end), with a smaller sample of learners outside the demo leader's bureau."""

import datetime
import io
import statistics
from collections import Counter, defaultdict

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments.models import Attempt, Evidence
from courses.models import CourseCompetency, CoursePage
from learning.curricula.models import Assignment, Curriculum
from learning.curricula.status import AssignmentStatus, status_of
from learning.demo import history, journeys
from learning.hours.models import StudyHourEntry
from learning.journey.models import CourseFeedback, Enrollment
from learning.organisation.models import Department, LearnerProfile

# Marked, so that the test database is set up for this module run alone; each test
# reads inside the module's seeded transaction.
pytestmark = pytest.mark.django_db

# A twelfth of the demo's share of learners outside the leader's bureau (whose staff
# take part whole): the seed takes about a quarter of the time.
SAMPLE_SHARE = history.DEFAULT_SAMPLE_SHARE / 12


def _snapshot() -> dict:
    return {
        "enrollments": Enrollment.objects.count(),
        "attempts": Attempt.objects.count(),
        "evidence": Evidence.objects.count(),
        "feedback": CourseFeedback.objects.count(),
        "hours": StudyHourEntry.objects.count(),
        "curricula": Curriculum.objects.count(),
        "assignments": list(
            Assignment.objects.order_by("pk").values_list("pk", "state")
        ),
    }


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The seeded county, the command's output, and what a second run changed."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(history, "SAMPLE_SHARE", SAMPLE_SHARE)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", "--force", stdout=out)
            first = _snapshot()
            again = io.StringIO()
            call_command("seed_demo", "--force", stdout=again)
            yield {
                "output": out.getvalue(),
                "first": first,
                "second": _snapshot(),
                "again": again.getvalue(),
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()


def _courses() -> list[CoursePage]:
    return list(
        CoursePage.objects.live().filter(locale__language_code="zh-hans").order_by("pk")
    )


def test_a_second_run_changes_nothing(county):
    assert county["first"]["enrollments"] > 100
    assert county["second"] == county["first"]


def test_every_step_prints_a_line_with_its_counts_and_seconds(county):
    lines = county["output"].splitlines()
    for label in ("County:", "Courses:", "County course history:", "Mandatory"):
        line = next((line for line in lines if line.startswith(label)), "")
        assert line.endswith(" s)"), (label, county["output"])
    history_line = next(
        line for line in lines if line.startswith("County course history:")
    )
    assert "completions" in history_line and "+0 enrollments" not in history_line
    # The second run says each step made nothing.
    assert "+0 enrollments" in county["again"]


def test_completions_fall_in_most_months_of_the_past_year(county):
    now = timezone.now()
    times = list(
        Enrollment.objects.filter(completed_at__isnull=False).values_list(
            "completed_at", flat=True
        )
    )
    months = {timezone.localtime(t).strftime("%Y-%m") for t in times}
    assert len(months) >= 10, sorted(months)
    assert all(now - t < datetime.timedelta(days=366) for t in times)
    assert not Enrollment.objects.filter(completed_at__gt=now).exists()
    assert not Evidence.objects.filter(observed_at__gt=now).exists()
    assert not CourseFeedback.objects.filter(created_at__gt=now).exists()
    # Certificates, evidence and hours carry the completion's own date.
    assert StudyHourEntry.objects.filter(
        kind="earned", earned_at__lt=now - datetime.timedelta(days=60)
    ).exists()


def test_every_demo_course_has_varied_feedback(county):
    means = {}
    all_ratings: list[int] = []
    for course in _courses():
        ratings = list(
            CourseFeedback.objects.filter(
                course_key=course.translation_key
            ).values_list("rating", flat=True)
        )
        assert len(ratings) >= 10, course.slug
        # The test builds a twelfth of the county (some 40 ratings a course): a
        # well-liked course may draw no rating below 4 in so few, so each course
        # needs two values here and the county as a whole three.
        assert len(set(ratings)) >= 2, (course.slug, Counter(ratings))
        all_ratings.extend(ratings)
        means[course.slug] = statistics.mean(ratings)
    assert len(means) == 4
    assert len(set(all_ratings)) >= 3, Counter(all_ratings)
    assert max(means.values()) - min(means.values()) >= 0.2, means
    assert CourseFeedback.objects.exclude(comment="").exists()


def test_each_course_has_enough_pre_post_pairs_with_mostly_positive_gains(county):
    for course in _courses():
        assert course.pre_test_id and course.post_test_id, course.slug
        pre = dict(
            Attempt.objects.filter(
                quiz_id=course.pre_test_id, percent__isnull=False
            ).values_list("learner_id", "percent")
        )
        post = dict(
            Attempt.objects.filter(quiz_id=course.post_test_id, percent__isnull=False)
            .order_by("submitted_at")
            .values_list("learner_id", "percent")
        )
        gains = [
            float((post[learner] - pre[learner]) / (100 - pre[learner]))
            for learner in pre.keys() & post.keys()
            if pre[learner] < 100
        ]
        assert len(gains) >= 20, (course.slug, len(gains))
        positive = sum(gain > 0 for gain in gains)
        assert positive > len(gains) / 2, (course.slug, gains)
        assert positive < len(gains), (course.slug, "every gain positive")


def test_leaders_rate_people_before_and_after_they_complete_a_course(county):
    courses_of = defaultdict(set)
    for key, competency_id in CourseCompetency.objects.values_list(
        "course__translation_key", "competency_id"
    ):
        courses_of[competency_id].add(key)
    completed = defaultdict(dict)
    for learner_id, key, at in Enrollment.objects.filter(
        status="completed"
    ).values_list("learner_id", "course_key", "completed_at"):
        completed[learner_id][key] = at
    ratings = defaultdict(list)
    for learner_id, competency_id, at, level, rater in Evidence.objects.filter(
        kind=Evidence.Kind.MANAGER
    ).values_list("learner_id", "competency_id", "observed_at", "level", "recorded_by"):
        ratings[(learner_id, competency_id)].append((at, level, rater))
    changes, raters = [], set()
    for (learner_id, competency_id), rows in ratings.items():
        for key in courses_of[competency_id]:
            done = completed[learner_id].get(key)
            before = [r for r in rows if done and r[0] < done]
            after = [r for r in rows if done and r[0] > done]
            if before and after:
                changes.append(max(after)[1] - max(before)[1])
                raters.add(after[0][2])
    assert len(changes) >= 20, len(changes)
    assert sum(change > 0 for change in changes) > len(changes) / 2
    assert 0 in changes  # some did not change
    assert len(raters) >= 2  # the demo leader and other units' heads


def test_curricula_have_people_on_time_late_overdue_exempt_and_in_progress(county):
    today = timezone.localdate()
    seen = Counter()
    for assignment in Assignment.objects.filter(is_current=True):
        status = status_of(assignment, today)
        if status == AssignmentStatus.COMPLETED:
            done = timezone.localtime(assignment.completed_at).date()
            status = "late" if done > assignment.due_on else "on_time"
        seen[status] += 1
    for status in ("on_time", "late", "overdue", "exempt", "in_progress"):
        assert seen[status] >= 1, seen
    exempt = Assignment.objects.filter(state="exempt")
    assert all(a.exempt_reason and a.exempted_by_id for a in exempt)


def _completion_share(unit: Department) -> float:
    people = LearnerProfile.objects.filter(
        Department.subtree_q([unit], "department__"), is_active=True
    )
    done = (
        Enrollment.objects.filter(
            learner_id__in=people.values("user_id"), status="completed"
        )
        .values("learner_id")
        .distinct()
        .count()
    )
    return done / max(1, people.count())


def test_units_differ_and_the_leaders_bureau_has_figures(county):
    units = list(Department.objects.get(code="QX").get_children())
    shares = {unit.code: _completion_share(unit) for unit in units}
    tiers = journeys.unit_tiers(units)
    assert shares["QX-XZSP"] >= 0.6, shares["QX-XZSP"]
    assert sum(share == 0 for share in shares.values()) >= 3, shares

    def mean_share(names) -> float:
        codes = [c for c, tier in tiers.items() if tier in names and c != "QX-XZSP"]
        return statistics.mean(shares[code] for code in codes)

    assert mean_share({"strong"}) > 2 * mean_share({"weak", "dormant"}) > 0, shares
    assert mean_share({"dormant"}) < mean_share({"steady"}), shares
    # The leader's bureau: evidence from courses and ratings for most of its staff.
    bureau = Department.objects.get(code="QX-XZSP")
    staff = LearnerProfile.objects.filter(
        Department.subtree_q([bureau], "department__")
    ).values("user_id")
    assert (
        Evidence.objects.filter(learner_id__in=staff, kind="course")
        .values("learner_id")
        .distinct()
        .count()
        >= 40
    )


def test_study_hours_some_on_pace_many_behind_with_hr_adjustments(county):
    today = timezone.localdate()
    pace = 50 * today.timetuple().tm_yday / 365
    totals = defaultdict(float)
    for learner_id, hours in StudyHourEntry.objects.filter(year=today.year).values_list(
        "learner_id", "hours"
    ):
        totals[learner_id] += float(hours)
    on_pace = sum(total >= pace for total in totals.values())
    assert on_pace >= 5, on_pace
    assert len(totals) - on_pace > on_pace  # many are behind
    adjusted = StudyHourEntry.objects.filter(kind="adjusted")
    assert adjusted.count() >= 5
    assert adjusted.filter(earned_at__lt=timezone.now() - datetime.timedelta(days=30))
