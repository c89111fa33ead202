"""Which curricula concern a user is decided by learning.policy
(curriculum_owner_departments): compliance reads the curricula that reach the
scope, the back office lists those the HR officer manages."""

import pytest
from django.test import Client
from django.urls import reverse

from learning import policy
from learning.curricula.compliance import compliance_curricula
from learning.models import Curriculum, RoleScope
from tests import factories

pytestmark = pytest.mark.django_db


def test_curricula_reaching_the_scope_and_those_managed(county):
    hr_a = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    owned = {
        name: Curriculum.objects.create(
            name=name,
            owner_department=department,
            status=Curriculum.Status.ACTIVE,
            due_days=30,
        )
        for name, department in [
            ("全县", county.county),
            ("甲局", county.bureau_a),
            ("甲科", county.section_a1),
            ("乙局", county.bureau_b),
        ]
    }
    reach = set(policy.curriculum_owner_departments(hr_a.user))
    assert {county.county, county.bureau_a, county.section_a1} <= reach
    assert county.bureau_b not in reach
    assert {c.name for c in compliance_curricula(user=hr_a.user)} == {
        "全县",
        "甲局",
        "甲科",
    }
    managed = set(policy.curriculum_owner_departments(hr_a.user, managed=True))
    assert county.county not in managed and county.bureau_a in managed

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(hr_a.user)
    listing = client.get(reverse("curricula:index")).content.decode()
    assert "甲局" in listing and "甲科" in listing
    assert "全县" not in listing and "乙局" not in listing
    assert owned["全县"].pk  # reaches the bureau's staff, but is the county's to edit
    learner = factories.person_in(county.section_a1)
    assert compliance_curricula(user=learner.user) == []
    assert not policy.curriculum_owner_departments(learner.user).exists()
