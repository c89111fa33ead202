"""Builds a classroom in the database the environment names and prints what the
clients need as JSON: `python -m tests.reliability.classroom LEARNERS`. Run as a
subprocess by the reliability tests, whose servers use a database of their own."""

import datetime
import json
import sys

import django


def build(learners: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from courses.h5p.activities import activity_iri
    from courses.h5p.civiccheck import civiccheck_package
    from courses.h5p.services import h5p_package_store
    from courses.models import LessonPage
    from learning.journey.services import course_enroll
    from learning.xapi.services import launches_issue, learner_actor
    from tests import factories
    from tests.courses.builders import course_tree, publish

    tree = course_tree()
    package, _new = h5p_package_store(
        upload=ContentFile(
            civiccheck_package(
                title="受理材料",
                language="zh-hans",
                question="申请人缺少一份材料时，应当怎么做？",
                options=["一次性告知需要补正的全部材料", "请申请人回去补齐后重新排队"],
                correct=0,
            ),
            name="check.h5p",
        )
    )
    block_id = "0d15ea5e-0000-4000-8000-00000000c0de"
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "h5p",
            "id": block_id,
            "value": {"package": package.pk, "required": False, "pass_percent": 60},
        },
    ]
    publish(lesson)
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
        "lesson_key": str(lesson.translation_key),
        "block_id": block_id,
        "quiz": quiz.code,
        "questions": questions,
        "learners": people,
        "editor": editor.username,
        "iri": iri,
    }


if __name__ == "__main__":
    django.setup()
    json.dump(build(int(sys.argv[1])), sys.stdout)
