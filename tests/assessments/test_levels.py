"""A competency level is checked by one rule wherever someone chooses it: evidence,
a question, a course's alignment, an H5P activity's alignment. Each place refuses a
level off the competency's scale with the same message, which says what to choose."""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Evidence, Question, level_error
from assessments.services.evidence import evidence_record
from courses.blocks import H5PBlock
from courses.models import CourseCompetency, H5PPackage
from tests.assessments.quiz_factories import CategoryFactory, small_framework
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOO_HIGH = "Level 5 is outside the scale (1–4): choose a level from 1 to 4."
TOO_LOW = "Level 0 is outside the scale (1–4): choose a level from 1 to 4."


@pytest.fixture
def fw():
    return small_framework()


def test_the_rule_takes_whole_numbers_from_one_to_the_top_of_the_scale():
    assert [level_error(n, max_level=4) for n in (1, 2, 3, 4)] == [None] * 4
    for wrong in (0, 5, -1, None, True, "2", 2.0):
        assert level_error(wrong, max_level=4), wrong
    assert level_error(1, max_level=0)  # a scale without levels takes none


def _evidence(fw, level):
    evidence_record(
        learner=UserFactory(),
        competency=fw.c1,
        level=level,
        kind=Evidence.Kind.MANAGER,
    )


def _question(fw, level):
    Question(
        code="Q-LEVEL",
        category=CategoryFactory(),
        competency=fw.c1,
        level=level,
        type=Question.Type.SINGLE,
        text="Which level?",
    ).full_clean()


def _course_alignment(fw, level):
    # The model's own rule (its field validators are checked apart by full_clean).
    CourseCompetency(competency=fw.c1, level=level).clean()


@pytest.mark.parametrize("level", [0, 5])
@pytest.mark.parametrize("place", [_evidence, _question, _course_alignment])
def test_every_place_refuses_a_level_off_the_scale_with_one_message(fw, place, level):
    with pytest.raises(ValidationError) as caught:
        place(fw, level)
    assert caught.value.message_dict["level"] == [TOO_LOW if level == 0 else TOO_HIGH]


def test_an_h5p_activity_aligned_off_the_scale_is_refused_with_the_same_message(fw):
    package = H5PPackage.objects.create(
        title="Check", main_library="H5P.CivicCheck-1.0", checksum="0" * 64, folder="x"
    )
    block = H5PBlock()
    value = block.to_python(
        {
            "package": package.pk,
            "required": True,
            "pass_percent": 60,
            "competency": fw.c1.code,
            "level": 5,
        }
    )
    with pytest.raises(ValidationError) as caught:
        block.clean(value)
    assert [str(m) for m in caught.value.block_errors["level"]] == [TOO_HIGH]
    value["level"] = 4
    assert block.clean(value)["level"] == 4
