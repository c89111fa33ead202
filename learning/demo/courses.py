"""Demo step: the demo learner's course history, made through the real services with
past dates — service-oriented administration completed about two months ago
(certificate, evidence, study hours) and security awareness started last week with
its first lesson read. Idempotent: does nothing once the learner has enrollments."""

import datetime
import math

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import Attempt, Question
from assessments.services import quizzes
from courses.h5p.activities import activity_iri
from courses.models import CoursePage
from learning.journey.models import Enrollment
from learning.journey.selectors import lesson_view_issue
from learning.journey.services import (
    course_enroll,
    lesson_complete,
    lesson_heartbeat,
    lesson_open,
    passed_quiz_ids,
)
from learning.xapi.services import (
    Writer,
    launches_issue,
    learner_actor,
    statements_store,
)

COMPLETED = "service-oriented-administration"
IN_PROGRESS = "security-awareness"


def _course(slug: str) -> CoursePage | None:
    return (
        CoursePage.objects.live()
        .filter(slug=slug, locale__language_code="zh-hans")
        .first()
    )


# One credited heartbeat: HEARTBEAT_MAX_SECONDS in learning.journey.services.
BEAT_SECONDS = 90
# The demo's readers read in a session of their own (the page view's proof names it).
DEMO_SESSION = "demo"


def read_lesson(learner, enrollment, lesson, start: datetime.datetime) -> None:
    """Open the lesson and read it actively for its minimum time."""
    view = lesson_view_issue(
        learner_id=learner.pk,
        lesson_key=lesson.translation_key,
        session_key=DEMO_SESSION,
        now=start,
    )
    lesson_open(enrollment=enrollment, lesson=lesson, now=start)
    beats = math.ceil(lesson.minimum_active_minutes * 60 / BEAT_SECONDS)
    for beat in range(1, beats + 1):
        lesson_heartbeat(
            learner=learner,
            lesson=lesson,
            seconds=BEAT_SECONDS,
            view=view,
            session_key=DEMO_SESSION,
            now=start + datetime.timedelta(seconds=BEAT_SECONDS * beat),
        )


def _pass(quiz, learner, when: datetime.datetime) -> Attempt:
    attempt = quizzes.attempt_start(quiz=quiz, learner=learner, now=when)
    answers = {}
    for question in Question.objects.filter(
        pk__in=attempt.question_ids
    ).prefetch_related("options"):
        if question.type in ("single", "multiple", "truefalse"):
            answers[question.pk] = {
                "option_ids": [o.pk for o in question.options.all() if o.is_correct]
            }
        elif question.type == "short":
            answers[question.pk] = {"text": question.accepted_answers[0]}
        else:
            answers[question.pk] = {"value": str(question.numeric_answer)}
    return quizzes.attempt_submit(
        attempt=attempt,
        learner=learner,
        answers=answers,
        now=when + datetime.timedelta(minutes=12),
    )


def play_activities(learner, lesson, when: datetime.datetime) -> None:
    """Answer the lesson's required H5P activities right, as the player would: the
    page is rendered at `when` (the launch), the answers arrive three minutes later
    (the learner is enrolled)."""
    iris = [
        activity_iri(lesson_key=lesson.translation_key, block_id=block_id)
        for block_id in lesson.required_h5p_block_ids
    ]
    if not iris:
        return
    launches = launches_issue(learner=learner, activity_iris=iris, now=when)
    statements = [
        {
            "actor": learner_actor(learner=learner),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": iri, "objectType": "Activity"},
            "result": {
                "score": {"scaled": 1, "raw": 1, "min": 0, "max": 1},
                "completion": True,
                "success": True,
            },
            "context": {"registration": str(launches[iri])},
        }
        for iri in iris
    ]
    statements_store(
        writer=Writer(learner=learner),
        payload=statements,
        now=when + datetime.timedelta(minutes=3),
    )


@transaction.atomic
def seed(*, now: datetime.datetime | None = None) -> int:
    """Returns the number of enrollments created."""
    learner = get_user_model().objects.filter(username="learner").first()
    if learner is None or Enrollment.objects.filter(learner=learner).exists():
        return 0
    now = now or timezone.now()
    created = 0
    done = _course(COMPLETED)
    if done is not None:
        start = now - datetime.timedelta(days=62)
        quiz = done.graded_quiz
        if quiz is not None and not passed_quiz_ids(
            learner=learner, quiz_ids=[quiz.pk]
        ):
            # Passed before enrolling here, so that every date stays in the past.
            _pass(quiz, learner, start - datetime.timedelta(days=1))
        lessons = list(done.lessons())
        enrollment, _new = course_enroll(learner=learner, course=done, now=start)
        created += 1
        for day, lesson in enumerate(lessons):
            when = start + datetime.timedelta(days=day, hours=2)
            read_lesson(learner, enrollment, lesson, when)
            # After the reading, as a learner would.
            played = when + datetime.timedelta(minutes=lesson.minimum_active_minutes)
            play_activities(learner, lesson, played)
            lesson_complete(
                learner=learner,
                lesson=lesson,
                now=when + datetime.timedelta(minutes=30),
            )
    started = _course(IN_PROGRESS)
    if started is not None:
        start = now - datetime.timedelta(days=6)
        first = started.lessons().first()
        enrollment, _new = course_enroll(learner=learner, course=started, now=start)
        created += 1
        if first is not None:
            read_lesson(learner, enrollment, first, start + datetime.timedelta(hours=1))
            play_activities(
                learner, first, start + datetime.timedelta(hours=1, minutes=20)
            )
            lesson_complete(
                learner=learner, lesson=first, now=start + datetime.timedelta(hours=2)
            )
    return created
