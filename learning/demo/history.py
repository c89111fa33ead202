"""Demo step: competency targets and the demo learner's own quiz history.

- Competency targets per position (county-wide), set by the demo HR officer.
- The demo learner's quiz history through the real quiz services, dated across the
  past year: pre-tests, graded quizzes (passing writes evidence and levels exactly
  as in production) and post-tests.
- The demo leader's ratings of the learner and two colleagues.

The county's own year (course journeys with their quizzes, feedback, ratings before
and after, hours) is learning.demo.journeys; SAMPLE_SHARE below sets how many of
its people take part outside the demo leader's bureau. It runs once: when the demo
leader's ratings (written last) exist, the step does nothing, so running seed_demo
twice changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import Attempt, Competency, Evidence, Question, Quiz
from assessments.services import quizzes
from learning.organisation.models import Department, LearnerProfile, Position
from learning.targets.services import manager_rating_record, target_set

User = get_user_model()
SEED = 20261123
TOPICS = ("EGOV", "SADM", "SEC", "DATA")
# Outside the demo leader's bureau, a unit of the "steady" tier has about this share
# of its staff taking courses (journeys.TIERS scale it per tier). Tests lower it.
DEFAULT_SAMPLE_SHARE = 0.12
SAMPLE_SHARE = DEFAULT_SAMPLE_SHARE

# (position codes, competency code, required level). Codes not present are skipped.
TARGETS = [
    (("CKRY", "ZHSL"), "EG-1.1", 3),
    (("CKRY", "ZHSL"), "EG-1.2", 3),
    (("CKRY", "ZHSL"), "EG-1.3", 2),
    (("CKRY", "ZHSL", "HWY"), "EG-2.1", 2),
    (("CKRY", "ZHSL", "HWY"), "EG-2.2", 2),
    (("CKRY", "ZHSL"), "EG-2.3", 2),
    (("HWY",), "EG-1.4", 3),
    (("HWY",), "EG-2.4", 2),
    (("KY", "BSY", "CKRY", "ZHSL", "HWY", "KZ", "FKZ"), "EG-4.1", 2),
    (("KY", "BSY", "CKRY", "ZHSL", "HWY", "KZ", "FKZ"), "EG-4.2", 2),
    (("KY", "CKRY", "ZHSL", "KZ"), "EG-4.3", 2),
    (("KY", "KZ", "FKZ"), "EG-3.1", 2),
    (("KZ", "FKZ", "JZ", "FJZ", "ZR", "FZR"), "EG-3.4", 3),
    (("JZ", "FJZ", "ZR", "FZR", "ZZ", "XZ", "JDZR"), "EG-4.4", 2),
    (("JZ", "FJZ", "ZR", "FZR", "ZZ", "XZ", "JDZR"), "EG-2.4", 3),
    (("KY", "BSY", "CKRY", "ZHSL", "HWY"), "DC22-1.1", 3),
    (("KY", "BSY", "CKRY", "ZHSL", "HWY", "KZ"), "DC22-4.2", 3),
    (("KY", "KZ", "FKZ"), "DC22-5.4", 2),
]

RATING_NOTES = [
    "窗口受理熟练，能独立处理一网通办退件，并带教新同事。",
    "本季度好差评零差评，办事指南修订及时。",
    "能按要求核验电子证照，偶有需提醒之处。",
]


@dataclass
class HistoryCounts:
    targets: int = 0
    attempts: int = 0
    ratings: int = 0


def _demo_user(username: str):
    return User.objects.filter(username=username).first()


def seed_targets(hr) -> int:
    positions = {p.code: p for p in Position.objects.all()}
    competencies = {
        c.code: c for c in Competency.objects.select_related("framework__scale")
    }
    count = 0
    for codes, competency_code, level in TARGETS:
        competency = competencies.get(competency_code)
        if competency is None:
            continue
        for code in codes:
            if code in positions:
                target_set(
                    actor=hr,
                    position=positions[code],
                    competency=competency,
                    required_level=level,
                )
                count += 1
    return count


class _Answerer:
    """Answers quiz questions the way a person of a given ability might."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.questions: dict[int, Question] = {}

    def load(self, ids: list[int]) -> None:
        missing = [i for i in ids if i not in self.questions]
        for question in Question.objects.filter(pk__in=missing).prefetch_related(
            "options"
        ):
            self.questions[question.pk] = question

    def response(self, question_id: int, ability: float) -> dict:
        question = self.questions[question_id]
        right = self.rng.random() < ability
        options = list(question.options.all())
        if question.type in (Question.Type.SINGLE, Question.Type.TRUE_FALSE):
            pool = [o for o in options if o.is_correct == right] or options
            return {"option_ids": [self.rng.choice(pool).pk]}
        if question.type == Question.Type.MULTIPLE:
            chosen = [o.pk for o in options if o.is_correct]
            if not right and options:
                chosen = [o.pk for o in self.rng.sample(options, k=2)]
            return {"option_ids": chosen}
        if question.type == Question.Type.SHORT:
            answers = question.accepted_answers or ["?"]
            return {"text": answers[0] if right else "不清楚"}
        value = question.numeric_answer if right else (question.numeric_answer or 0) + 7
        return {"value": str(value)}


def take_quiz(
    *,
    quiz: Quiz,
    learner,
    ability: float,
    when: datetime.datetime,
    answerer: _Answerer,
) -> Attempt | None:
    """One attempt through the real services, answered and submitted at `when`."""
    try:
        attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=when)
    except Exception:  # noqa: BLE001 - attempts used up: a real learner stops too
        return None
    answerer.load(attempt.question_ids)
    answers = {qid: answerer.response(qid, ability) for qid in attempt.question_ids}
    minutes = answerer.rng.randint(6, 15)
    return quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers=answers,
        now=when + datetime.timedelta(minutes=minutes),
    )


def _topic_journey(
    *,
    quizzes_by_code: dict[str, Quiz],
    topic: str,
    learner,
    ability: float,
    start: datetime.datetime,
    rng: random.Random,
    answerer: _Answerer,
) -> int:
    """Pre-test, graded quiz (retry after a fail), post-test: returns attempts made."""
    made = 0
    when = start
    pre = quizzes_by_code.get(f"QZ-{topic}-PRE")
    graded = quizzes_by_code.get(f"QZ-{topic}-GRADED")
    post = quizzes_by_code.get(f"QZ-{topic}-POST")
    if pre:
        made += bool(
            take_quiz(
                quiz=pre,
                learner=learner,
                ability=ability * 0.7,
                when=when,
                answerer=answerer,
            )
        )
    learned = min(0.97, ability + rng.uniform(0.05, 0.2))
    if graded:
        for _try in range(2):
            when += datetime.timedelta(days=rng.randint(7, 30))
            attempt = take_quiz(
                quiz=graded,
                learner=learner,
                ability=learned,
                when=when,
                answerer=answerer,
            )
            made += attempt is not None
            if attempt is None or attempt.passed:
                break
            learned = min(0.97, learned + 0.1)
    if post and rng.random() < 0.8:
        when += datetime.timedelta(days=rng.randint(1, 14))
        made += bool(
            take_quiz(
                quiz=post,
                learner=learner,
                ability=learned,
                when=when,
                answerer=answerer,
            )
        )
    return made


def seed_attempts(now: datetime.datetime) -> int:
    """The demo learner's quizzes (the county's come with its course journeys)."""
    rng = random.Random(SEED)
    answerer = _Answerer(rng)
    quizzes_by_code = {q.code: q for q in Quiz.objects.filter(is_active=True)}
    learner_user = _demo_user("learner")
    made = 0
    if learner_user is not None:
        # 周晓雯: security done early (and due again soon), e-gov done well, service
        # started, data literacy not yet.
        made += _topic_journey(
            quizzes_by_code=quizzes_by_code,
            topic="SEC",
            learner=learner_user,
            ability=0.85,
            start=now - datetime.timedelta(days=340),
            rng=rng,
            answerer=answerer,
        )
        made += _topic_journey(
            quizzes_by_code=quizzes_by_code,
            topic="EGOV",
            learner=learner_user,
            ability=0.9,
            start=now - datetime.timedelta(days=120),
            rng=rng,
            answerer=answerer,
        )
        pre = quizzes_by_code.get("QZ-SADM-PRE")
        if pre:
            made += bool(
                take_quiz(
                    quiz=pre,
                    learner=learner_user,
                    ability=0.55,
                    when=now - datetime.timedelta(days=12),
                    answerer=answerer,
                )
            )
    return made


def seed_ratings(now: datetime.datetime) -> int:
    leader = _demo_user("leader")
    learner = LearnerProfile.objects.filter(user__username="learner").first()
    if leader is None or learner is None:
        return 0
    competency = Competency.objects.select_related("framework__scale").get(
        code="EG-1.2"
    )
    staff = list(
        LearnerProfile.objects.filter(
            Department.subtree_q([learner.department], "department__"), is_active=True
        )
        .exclude(user__in=[leader, learner.user])
        .order_by("employee_number")[:2]
    )
    count = 0
    for days, (profile, note) in enumerate(
        zip([learner, *staff], RATING_NOTES, strict=False), start=18
    ):
        manager_rating_record(
            rater=leader,
            profile=profile,
            competency=competency,
            level=3,
            comment=note,
            now=now - datetime.timedelta(days=days),
        )
        count += 1
    return count


@transaction.atomic
def seed(*, now: datetime.datetime | None = None) -> HistoryCounts:
    counts = HistoryCounts()
    learner = _demo_user("learner")
    hr = _demo_user("hr")
    if learner is None or hr is None:
        return counts
    # The step's own marker: the demo leader's ratings come last, so they exist
    # only when a whole run finished.
    if Evidence.objects.filter(
        kind=Evidence.Kind.MANAGER,
        source_type="manager",
        recorded_by__username="leader",
    ).exists():
        return counts
    now = now or timezone.now()
    counts.targets = seed_targets(hr)
    counts.attempts = seed_attempts(now)
    counts.ratings = seed_ratings(now)
    return counts
