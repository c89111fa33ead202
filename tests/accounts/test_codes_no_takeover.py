"""A sign-in code is a new password: HR may not issue one for an account that holds
powers they do not hold over it (issue #15, escalation 2, by the sign-in codes of
issue #14)."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.codes import code_candidates, signin_codes_issue
from accounts.models import SigninCode
from learning.models import RoleScope
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


def test_the_bureau_officer_gets_no_code_for_the_county_officer(county):
    bureau_hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    county_officer = scoped_user(RoleScope.Role.HR, county.county)
    county_officer.department = county.bureau_a
    county_officer.save(update_fields=["department"])
    colleague = person_in(county.section_a1)

    candidates = list(code_candidates(actor=bureau_hr, department=county.bureau_a))

    assert colleague in candidates
    assert county_officer not in candidates
    with pytest.raises(PermissionDenied):
        signin_codes_issue(actor=bureau_hr, profiles=[county_officer])
    assert not SigninCode.objects.filter(user=county_officer.user).exists()
    # The county officer may issue one for the bureau officer's account.
    county_issued = signin_codes_issue(
        actor=county_officer.user,
        profiles=[bureau_hr.learner_profile],
    )
    assert len(county_issued) == 1
