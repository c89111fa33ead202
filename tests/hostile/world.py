"""The people and things the hostile corpus and the permission matrix act on: a
county with a learner in bureau A's first section and one in bureau B, a leader and
an HR officer over each bureau, an editor, a site admin, a published course whose
reading lesson holds an H5P activity, the learner's open quiz attempt, a
curriculum assigned to the learner and a certificate. Built once per test module
(tests only read it; each test's own writes roll back)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.users.models import UserProfile

from assessments.models import Attempt, Question
from assessments.services import quizzes
from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.services import h5p_package_store
from courses.h5p.serving import h5p_content_token
from courses.models import LessonPage
from learning.curricula.services import curriculum_activate
from learning.journey.services import course_enroll
from learning.models import Assignment, Certificate, RoleScope
from learning.roster.models import RosterImport
from learning.targets.models import CompetencyTarget
from learning.xapi.services import launches_issue
from tests import factories
from tests.courses.builders import course_tree, publish
from tests.learning.test_curricula import complete, make_curriculum

LESSON_KEY = uuid.UUID("22222222-2222-4222-8222-222222222222")
H5P_BLOCK = str(uuid.UUID(int=1))

# The acting roles, in the order the permission matrix lists them.
ROLES = (
    "anonymous",
    "learner",
    "learner_other_unit",
    "leader_in_scope",
    "leader_out_of_scope",
    "hr_in_scope",
    "hr_out_of_scope",
    "editor",
    "admin",
)


@dataclass
class World:
    users: dict  # role -> User (no entry for anonymous)
    profiles: dict  # role -> LearnerProfile
    tree: object  # tests.courses.builders.CourseTree
    county: factories.CountyTree
    attempt: Attempt
    curriculum: object
    assignment: Assignment
    certificate: Certificate
    package: object
    values: dict = field(default_factory=dict)  # placeholders for corpus URLs
    objects: dict = field(default_factory=dict)  # more ids, for the matrix


def _h5p_lesson(tree) -> LessonPage:
    package, _new = h5p_package_store(
        upload=ContentFile(
            civiccheck_package(
                title="材料缺一份时怎么办？",
                language="zh-hans",
                question="材料缺一份时怎么办？",
                options=["一次性告知", "回去补齐再来"],
                correct=0,
            ),
            name="check.h5p",
        )
    )
    LessonPage.objects.filter(translation_key=tree.reading.translation_key).update(
        translation_key=LESSON_KEY
    )
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "h5p",
            "id": H5P_BLOCK,
            "value": {"package": package.pk, "required": True, "pass_percent": 60},
        },
    ]
    publish(lesson)
    tree.reading = LessonPage.objects.get(pk=lesson.pk)
    return package


def build_world() -> World:
    county = factories.county_tree()
    profiles = {
        "learner": factories.person_in(county.section_a1, user__username="learner"),
        "learner_other_unit": factories.person_in(
            county.section_b1, user__username="learner_b"
        ),
        "leader_in_scope": factories.scoped_user(
            RoleScope.Role.LEADER, county.bureau_a, user__username="leader_a"
        ),
        "leader_out_of_scope": factories.scoped_user(
            RoleScope.Role.LEADER, county.bureau_b, user__username="leader_b"
        ),
        "hr_in_scope": factories.scoped_user(
            RoleScope.Role.HR, county.bureau_a, user__username="hr_a"
        ),
        "hr_out_of_scope": factories.scoped_user(
            RoleScope.Role.HR, county.bureau_b, user__username="hr_b"
        ),
        "editor": factories.person_in(county.county, user__username="editor"),
    }
    users = {role: profile.user for role, profile in profiles.items()}
    users["editor"].groups.add(Group.objects.get(name="Editors"))
    users["admin"] = factories.UserFactory(
        username="siteadmin", is_superuser=True, is_staff=True
    )
    for user in users.values():
        # As after their first back-office page (Wagtail makes the row on a GET).
        UserProfile.get_for_user(user)
    tree = course_tree()
    package = _h5p_lesson(tree)
    learner = users["learner"]
    now = timezone.now()
    course_enroll(
        learner=learner, course=tree.course, now=now - datetime.timedelta(minutes=5)
    )
    launches_issue(
        learner=learner,
        activity_iris=[],
        now=now - datetime.timedelta(minutes=1),
    )
    attempt = quizzes.attempt_start(quiz=tree.quiz, learner=learner)
    curriculum = make_curriculum(
        county.county, departments=[county.section_a1], due_days=10
    )
    curriculum_activate(actor=users["admin"], curriculum=curriculum)
    assignment = Assignment.objects.get(profile=profiles["learner"])
    certificate = complete(users["learner_other_unit"], tree.course.translation_key)
    world = World(
        users=users,
        profiles=profiles,
        tree=tree,
        county=county,
        attempt=attempt,
        curriculum=curriculum,
        assignment=assignment,
        certificate=certificate,
        package=package,
    )
    world.values = {
        "attempt": attempt.pk,
        "question": attempt.question_ids[0],
        "quiz": tree.quiz.code,
        "course": tree.course.pk,
        "lesson": tree.reading.pk,
        "lesson_key": LESSON_KEY,
        "block": H5P_BLOCK,
        "curriculum": curriculum.pk,
        "assignment": assignment.pk,
        "certificate": certificate.code,
        "learner_profile": profiles["learner"].pk,
        "department": county.section_a1.pk,
        "county": county.county.pk,
        "package": package.pk,
    }
    world.values["competency"] = tree.framework.c1.pk
    world.values["h5p_token"] = h5p_content_token(
        package_id=package.pk, preview=False, parent_origin="http://testserver"
    )
    question = Question.objects.get(pk=attempt.question_ids[0])
    world.objects = {
        "role_scope": RoleScope.objects.filter(user=users["hr_in_scope"]).get().pk,
        "target": CompetencyTarget.objects.create(
            position=profiles["learner"].position,
            department=county.bureau_a,
            competency=tree.framework.c1,
            required_level=2,
        ).pk,
        "certificate": certificate.pk,
        "roster_import": RosterImport.objects.create(
            uploaded_by=users["hr_in_scope"],
            scope_department=county.bureau_a,
            file_name="roster.xlsx",
            checksum="0" * 64,
            content=b"",
        ).pk,
        "framework": tree.framework.c1.framework_id,
        "competency": tree.framework.c1.pk,
        "quiz": tree.quiz.pk,
        "question": question.pk,
        "category": question.category_id,
        "topic": tree.topic.pk,
    }
    return world
