"""Training effect per course, for the people of a department's subtree
(Kirkpatrick's levels 1–3): take-up and completion, satisfaction, learning gain
from pre/post-test pairs, the evidence the course produced, and the change in
leaders' ratings after completion."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import CharField, Count, Q
from django.db.models.functions import Cast

from analytics.scope import DashboardScope
from assessments.models import Attempt, Competency, Evidence
from assessments.quiz_selectors import quiz_learning_gain_by_learner
from courses.models import CourseCompetency, CoursePage
from courses.selectors import pages_by_key
from learning.journey.models import CourseFeedback, Enrollment
from learning.organisation.models import Department, LearnerProfile

# A mean over fewer pairs than this gets no confidence interval (and no mean).
MIN_GAIN_PAIRS = 5

# Two-sided 95 % quantiles of Student's t by degrees of freedom (1–30); beyond 30
# the normal value is close enough for a dashboard.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t95(degrees: int) -> float:
    if degrees < 1:
        raise ValueError("A t quantile needs at least one degree of freedom.")
    return _T95[degrees - 1] if degrees <= len(_T95) else 1.96


@dataclass(frozen=True)
class MeanInterval:
    """A sample mean with its 95 % confidence interval (t distribution)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, values: list[float]) -> MeanInterval:
        n = len(values)
        if n < MIN_GAIN_PAIRS:
            return cls(n, None, None, None)
        mean = statistics.fmean(values)
        half = t95(n - 1) * statistics.stdev(values) / math.sqrt(n)
        return cls(n, mean, mean - half, mean + half)


@dataclass
class CourseEffect:
    course: CoursePage
    enrolled: int = 0
    completed: int = 0
    median_days: float | None = None
    ratings: list[int] = field(default_factory=lambda: [0] * 5)
    gain: MeanInterval = field(
        default_factory=lambda: MeanInterval(0, None, None, None)
    )
    evidence: list[tuple[Competency, int]] = field(default_factory=list)
    rating_change: MeanInterval = field(
        default_factory=lambda: MeanInterval(0, None, None, None)
    )
    hidden: bool = False

    @property
    def completion_percent(self) -> int | None:
        if self.hidden or not self.enrolled:
            return None
        return round(100 * self.completed / self.enrolled)

    @property
    def responses(self) -> int:
        return sum(self.ratings)

    @property
    def satisfaction(self) -> float | None:
        if not self.responses:
            return None
        return sum((i + 1) * n for i, n in enumerate(self.ratings)) / self.responses


def _scope_q(scope: DashboardScope, prefix: str) -> Q:
    return Q(**{f"{prefix}is_active": True}) & Department.subtree_q(
        [scope.department], f"{prefix}department__"
    )


def course_effects(scope: DashboardScope) -> list[CourseEffect]:
    """One row per live course, most enrolments first. Queries: six, plus two per
    course with a paired post-test (the learning gain)."""
    learner = "learner__learner_profile__"
    in_scope = _scope_q(scope, learner)
    keys = list(
        CoursePage.objects.live().values_list("translation_key", flat=True).distinct()
    )
    pages = pages_by_key(CoursePage, keys)
    effects = {key: CourseEffect(page) for key, page in pages.items()}

    for row in (
        Enrollment.objects.filter(in_scope, course_key__in=list(effects))
        .values("course_key")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED)),
        )
        .order_by()
    ):
        effect = effects[row["course_key"]]
        effect.enrolled, effect.completed = row["enrolled"], row["completed"]

    done = pd.DataFrame(
        list(
            Enrollment.objects.filter(
                in_scope,
                course_key__in=list(effects),
                status=Enrollment.Status.COMPLETED,
                completed_at__isnull=False,
            ).values_list("course_key", "learner_id", "enrolled_at", "completed_at")
        ),
        columns=["course_key", "learner_id", "enrolled_at", "completed_at"],
    )
    if not done.empty:
        days = (done["completed_at"] - done["enrolled_at"]).dt.total_seconds() / 86400
        for key, median in days.groupby(done["course_key"]).median().items():
            effects[key].median_days = float(median)

    for key, rating, count in (
        CourseFeedback.objects.filter(in_scope, course_key__in=list(effects))
        .values("course_key", "rating")
        .annotate(n=Count("pk"))
        .values_list("course_key", "rating", "n")
        .order_by()
    ):
        if 1 <= rating <= 5:
            effects[key].ratings[rating - 1] = count

    people = set(
        LearnerProfile.objects.filter(_scope_q(scope, "")).values_list(
            "user_id", flat=True
        )
    )
    for effect in effects.values():
        post = effect.course.post_test
        if post is not None and post.paired_with_id:
            gains = quiz_learning_gain_by_learner(post_quiz=post)
            effect.gain = MeanInterval.of(
                [g for uid, g in gains.items() if uid in people and g is not None]
            )

    _evidence_counts(scope, effects, in_scope)
    _rating_changes(scope, effects, done)
    for effect in effects.values():
        effect.hidden = scope.suppressed(scope.department, effect.enrolled)
    return sorted(
        effects.values(), key=lambda e: (-e.enrolled, e.course.title, e.course.pk)
    )


def _evidence_counts(scope, effects: dict, in_scope: Q) -> None:
    """Evidence recorded by each course: its completions and its quizzes' passes."""
    quiz_course = {}
    for key, effect in effects.items():
        for quiz_id in (
            effect.course.graded_quiz_id,
            effect.course.post_test_id,
        ):
            if quiz_id:
                quiz_course[quiz_id] = key
    attempts = (
        Attempt.objects.filter(quiz_id__in=list(quiz_course))
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    rows = list(
        Evidence.objects.filter(in_scope, revoked_at__isnull=True)
        .filter(
            Q(source_type="course", source_id__in=[str(k) for k in effects])
            | Q(source_type="quiz", source_id__in=attempts)
        )
        .values("source_type", "source_id", "competency_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    attempt_quiz = dict(
        Attempt.objects.filter(
            pk__in=[int(r["source_id"]) for r in rows if r["source_type"] == "quiz"]
        ).values_list("pk", "quiz_id")
    )
    counts: dict[tuple, int] = {}
    for row in rows:
        if row["source_type"] == "course":
            key = next(k for k in effects if str(k) == row["source_id"])
        else:
            key = quiz_course[attempt_quiz[int(row["source_id"])]]
        counts[(key, row["competency_id"])] = (
            counts.get((key, row["competency_id"]), 0) + row["n"]
        )
    competencies = Competency.objects.in_bulk({cid for _k, cid in counts})
    for (key, cid), n in sorted(counts.items(), key=lambda item: -item[1]):
        effects[key].evidence.append((competencies[cid], n))


def _rating_changes(scope, effects: dict, done: pd.DataFrame) -> None:
    """For people who completed a course, the change of their leader's rating in
    each competency the course develops: the latest rating after completion minus
    the latest before it, where both exist."""
    if done.empty:
        return
    aligned = pd.DataFrame(
        list(
            CourseCompetency.objects.filter(
                course_id__in=[e.course.pk for e in effects.values()]
            ).values_list("course__translation_key", "competency_id")
        ),
        columns=["course_key", "competency_id"],
    ).drop_duplicates()
    if aligned.empty:
        return
    ratings = pd.DataFrame(
        list(
            Evidence.objects.filter(
                kind=Evidence.Kind.MANAGER,
                revoked_at__isnull=True,
                learner_id__in=[int(v) for v in done["learner_id"].unique()],
                competency_id__in=[int(c) for c in aligned["competency_id"].unique()],
            ).values_list("learner_id", "competency_id", "level", "observed_at")
        ),
        columns=["learner_id", "competency_id", "level", "observed_at"],
    )
    if ratings.empty:
        return
    pairs = done.merge(aligned, on="course_key").merge(
        ratings, on=["learner_id", "competency_id"]
    )
    before = pairs[pairs["observed_at"] < pairs["completed_at"]]
    after = pairs[pairs["observed_at"] > pairs["completed_at"]]
    keys = ["course_key", "learner_id", "competency_id"]
    last_before = before.sort_values("observed_at").groupby(keys)["level"].last()
    last_after = after.sort_values("observed_at").groupby(keys)["level"].last()
    change = (last_after - last_before).dropna()
    for key, values in change.groupby(level="course_key"):
        effects[key].rating_change = MeanInterval.of([float(v) for v in values])
