import datetime

import pytest
from django.core.exceptions import ValidationError

from learning.models import Department, LearnerProfile
from learning.organisation.services import profile_set_language
from learning.people.services import (
    department_create,
    department_update,
    person_create,
    person_deactivate,
    person_reactivate,
)

pytestmark = pytest.mark.django_db


def test_department_cannot_move_under_its_own_section(county):
    with pytest.raises(ValidationError):
        department_update(
            actor=None, department=county.bureau_a, parent=county.section_a1
        )
    county.bureau_a.refresh_from_db()
    assert county.bureau_a.get_parent().code == "CTY"


def test_department_move_carries_its_subtree(county):
    department_update(actor=None, department=county.bureau_a, parent=county.township)
    section = Department.objects.get(code="CTY-A-1")
    assert section.get_parent().code == "CTY-A"
    assert section.path.startswith(Department.objects.get(code="CTY-T").path)


def test_duplicate_department_code_is_refused(county):
    with pytest.raises(ValidationError):
        department_create(
            actor=None, code="CTY-A", name="重复", kind="bureau", parent=county.county
        )
    assert Department.objects.filter(code="CTY-A").count() == 1


def test_person_create_makes_an_account_without_a_usable_password(county):
    profile = person_create(
        actor=None,
        employee_number="E-100",
        full_name="王小明",
        department=county.section_a1,
        hire_date=datetime.date(2020, 5, 1),
    )
    assert profile.user.username == "E-100"
    assert not profile.user.has_usable_password()
    assert profile.user.first_name == "王小明"


def test_deactivating_a_leaver_keeps_the_record(county):
    profile = person_create(
        actor=None,
        employee_number="E-200",
        full_name="李四",
        department=county.bureau_b,
    )
    person_deactivate(actor=None, profile=profile, left_on=datetime.date(2026, 6, 30))

    stored = LearnerProfile.objects.get(employee_number="E-200")
    assert not stored.is_active
    assert stored.left_on == datetime.date(2026, 6, 30)
    assert not stored.user.is_active

    person_reactivate(actor=None, profile=stored)
    stored.refresh_from_db()
    assert stored.is_active and stored.user.is_active and stored.left_on is None


def test_unsupported_language_is_refused(county):
    profile = person_create(
        actor=None,
        employee_number="E-300",
        full_name="赵六",
        department=county.bureau_b,
    )
    with pytest.raises(ValidationError):
        profile_set_language(user=profile.user, language="fr")
    profile_set_language(user=profile.user, language="en")
    profile.refresh_from_db()
    assert profile.preferred_language == "en"
