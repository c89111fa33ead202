"""The demo's first sign-in codes, and issuing that costs the same few queries for a
department of 3 or of 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import codes, demo
from accounts.models import SigninCode
from tests.factories import DepartmentFactory

from .conftest import newcomer_in


@pytest.mark.django_db
def test_demo_codes_for_three_staff_once(county):
    unit = DepartmentFactory(code=demo.DEMO_DEPARTMENT, parent=county.county)
    people = [newcomer_in(unit, employee_number=f"QX-DEMO-N{i}") for i in range(5)]
    issued = demo.seed()
    assert [c.employee_number for c in issued] == [
        p.employee_number for p in people[:3]
    ]
    assert demo.seed() == []  # a second run changes nothing
    assert SigninCode.objects.count() == 3
    # A code from the printout works for its person.
    match = codes.signin_code_check(
        number=issued[0].employee_number, code=issued[0].code, request=None
    )
    assert match.user_id == people[0].user_id


def _issue_queries(hr, department):
    people = list(codes.code_candidates(actor=hr.user, department=department))
    with CaptureQueriesContext(connection) as queries:
        issued = codes.signin_codes_issue(actor=hr.user, profiles=people)
    return len(issued), len(queries)


@pytest.mark.django_db
def test_issuing_costs_the_same_queries_for_any_number(county, hr):
    for i in range(3):
        newcomer_in(county.section_a1, employee_number=f"QX1{i:03d}")
    for i in range(30):
        newcomer_in(county.section_a2, employee_number=f"QX2{i:03d}")
    small, small_queries = _issue_queries(hr, county.section_a1)
    large, large_queries = _issue_queries(hr, county.section_a2)
    assert (small, large) == (3, 30)
    # 6 to issue, 5 more for the one check that no account is above the officer.
    assert small_queries == large_queries <= 11
