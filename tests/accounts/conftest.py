import pytest
from django.test import Client

from accounts import codes
from learning.models import RoleScope
from tests.factories import person_in, scoped_user


def newcomer_in(department, **kwargs):
    """A person the roster created: no usable password, never signed in."""
    profile = person_in(department, **kwargs)
    profile.user.set_unusable_password()
    profile.user.save(update_fields=["password"])
    return profile


def english_client():
    """A browser asking for English pages (the site's default is Chinese); tests of
    the Chinese pages set the language cookie, which wins."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def hr(county):
    """HR officer over bureau A (sections A1 and A2)."""
    return scoped_user(RoleScope.Role.HR, county.bureau_a)


@pytest.fixture
def newcomer(county):
    return newcomer_in(county.section_a1, employee_number="QX00253", full_name="李晓明")


@pytest.fixture
def issued_code(hr, newcomer):
    """The newcomer's code in clear, as printed on the sheet."""
    return codes.signin_codes_issue(actor=hr.user, profiles=[newcomer])[0].code
