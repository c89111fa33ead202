"""The curriculum rules live in the services: courses once each, no return to
draft once assigned, delete only without assignments, and the policy asked by the
service itself."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from learning.curricula.services import (
    CurriculumAudience,
    curriculum_activate,
    curriculum_courses_set,
    curriculum_delete,
    curriculum_update,
)
from learning.models import Curriculum, RoleScope
from tests import factories
from tests.courses.builders import course_tree
from tests.learning.test_curricula import make_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(county):
    return factories.scoped_user(RoleScope.Role.HR, county.county)


def test_a_repeated_course_is_refused_not_dropped(county, hr):
    tree = course_tree()
    curriculum = make_curriculum(county.county, courses=0)
    with pytest.raises(ValidationError, match="listed only once"):
        curriculum_courses_set(
            actor=hr.user, curriculum=curriculum, courses=[tree.course, tree.course]
        )
    assert not curriculum.items.exists()
    curriculum_courses_set(actor=hr.user, curriculum=curriculum, courses=[tree.course])
    assert list(curriculum.items.values_list("course_key", flat=True)) == [
        tree.course.translation_key
    ]


def test_courses_are_set_only_inside_the_actors_scope(county):
    tree = course_tree()
    bureau_hr = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    curriculum = make_curriculum(county.county, courses=0)
    with pytest.raises(PermissionDenied):
        curriculum_courses_set(
            actor=bureau_hr.user, curriculum=curriculum, courses=[tree.course]
        )


def test_no_return_to_draft_and_no_delete_once_assigned(county, hr):
    factories.person_in(county.section_a1)
    curriculum = make_curriculum(county.county, departments=[county.county])
    curriculum_activate(actor=hr.user, curriculum=curriculum)
    assert curriculum.assignments.exists()
    audience = CurriculumAudience.of(curriculum)
    curriculum.status = Curriculum.Status.DRAFT
    with pytest.raises(ValidationError) as refused:
        curriculum_update(
            actor=hr.user, curriculum=curriculum, courses=[], audience=audience
        )
    assert "archive the curriculum instead" in str(refused.value)
    assert Curriculum.objects.get(pk=curriculum.pk).status == "active"
    with pytest.raises(ValidationError, match="cannot be deleted"):
        curriculum_delete(actor=hr.user, curriculum=curriculum)
    assert Curriculum.objects.filter(pk=curriculum.pk).exists()

    unused = make_curriculum(county.county)
    curriculum_delete(actor=hr.user, curriculum=unused)
    assert not Curriculum.objects.filter(pk=unused.pk).exists()
