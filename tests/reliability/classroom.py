"""Builds a classroom in the database the environment names and prints what the
clients need as JSON: `python -m tests.reliability.classroom LEARNERS`. Run as a
subprocess by the reliability tests, whose servers use a database of their own."""

import datetime
import json
import sys

import django

django.setup()  # a script: the settings and database come from the environment

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.utils import timezone  # noqa: E402

from courses.h5p.activities import activity_iri  # noqa: E402
from learning.journey.services import course_enroll  # noqa: E402
from learning.xapi.services import launches_issue, learner_actor  # noqa: E402
from tests import factories  # noqa: E402
from tests.courses.builders import course_tree, h5p_activity_add  # noqa: E402


def build(learners: int) -> dict:
    tree = course_tree()
    block_id = "0d15ea5e-0000-4000-8000-00000000c0de"
    lesson = h5p_activity_add(tree.reading, block_id=block_id, pass_percent=60)
    iri = activity_iri(lesson_key=lesson.translation_key, block_id=block_id)
    quiz = tree.quiz
    quiz.max_attempts = 0
    quiz.shuffle_questions = quiz.shuffle_options = False
    quiz.save()
    questions = [
        {"id": q.pk, "options": list(q.options.values_list("pk", flat=True))}
        for q in (fq.question for fq in quiz.fixed_questions.order_by("sort_order"))
    ]
    department = factories.county_tree().section_a1
    hashed = make_password(factories.PASSWORD)
    people = []
    earlier = timezone.now() - datetime.timedelta(minutes=2)
    for n in range(learners):
        user = factories.person_in(
            department, user=factories.UserFactory(username=f"learner{n:02d}")
        ).user
        course_enroll(learner=user, course=tree.course, now=earlier)
        registration = launches_issue(learner=user, activity_iris=[iri], now=earlier)
        people.append(
            {
                "username": user.username,
                "actor": learner_actor(learner=user),
                "registration": str(registration[iri]),
            }
        )
    editor = factories.UserFactory(username="editor")
    editor.groups.add(Group.objects.get(name="Moderators"))
    get_user_model().objects.update(password=hashed)
    return {
        "password": factories.PASSWORD,
        "course": tree.course.pk,
        "lesson": lesson.pk,
        "lesson_url": lesson.url,
        "lesson_key": str(lesson.translation_key),
        "block_id": block_id,
        "quiz": quiz.code,
        "questions": questions,
        "learners": people,
        "editor": editor.username,
        "iri": iri,
    }


if __name__ == "__main__":
    json.dump(build(int(sys.argv[1])), sys.stdout)
