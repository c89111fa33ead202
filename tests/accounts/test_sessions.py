"""A password change, a reset or a deactivation ends the person's other sessions;
every session ends SESSION_ABSOLUTE_HOURS after sign-in."""

import time

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from accounts.models import UserSession
from accounts.sessions import SIGNED_IN_AT
from accounts.tasks import inactive_sessions_end
from learning.people.services import person_deactivate
from tests.factories import PASSWORD, person_in

NEW = "Rivers-Bridge-88"


def _signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    assert client.get("/me/").status_code == 200
    return client


@pytest.fixture
def person(county):
    return person_in(county.section_a1, employee_number="QX00300")


@pytest.mark.django_db
def test_changing_the_password_ends_the_other_sessions(person):
    phone, office = _signed_in(person.user), _signed_in(person.user)
    assert UserSession.objects.filter(user=person.user).count() == 2
    response = phone.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert phone.get("/me/").status_code == 200
    response = office.get("/me/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SESSION_KEY not in office.session


@pytest.mark.django_db
def test_wrong_old_password_changes_nothing(person):
    phone, office = _signed_in(person.user), _signed_in(person.user)
    response = phone.post(
        "/accounts/password/change/",
        {"old_password": "not-it-2026", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    person.user.refresh_from_db()
    assert person.user.check_password(PASSWORD)
    assert office.get("/me/").status_code == 200


@pytest.mark.django_db
def test_deactivating_ends_every_session_at_once(county, person):
    from learning.models import RoleScope
    from tests.factories import scoped_user

    hr = scoped_user(RoleScope.Role.HR, county.bureau_a)
    phone = _signed_in(person.user)
    person_deactivate(actor=hr.user, profile=person)
    assert not UserSession.objects.filter(user=person.user).exists()
    assert phone.get("/me/").status_code == 302


@pytest.mark.django_db
def test_bulk_deactivation_is_swept_and_never_comes_back(person):
    phone = _signed_in(person.user)
    # A roster import updates people in bulk: no save(), no signal.
    get_user_model().objects.filter(pk=person.user_id).update(is_active=False)
    assert inactive_sessions_end() == 1
    get_user_model().objects.filter(pk=person.user_id).update(is_active=True)
    assert phone.get("/me/").status_code == 302


@pytest.mark.django_db
def test_session_of_a_deactivated_person_is_dropped_on_use(person):
    phone = _signed_in(person.user)
    get_user_model().objects.filter(pk=person.user_id).update(is_active=False)
    phone.get("/me/")
    get_user_model().objects.filter(pk=person.user_id).update(is_active=True)
    assert phone.get("/me/").status_code == 302


@pytest.mark.django_db
def test_absolute_lifetime(person, settings):
    phone = _signed_in(person.user)
    session = phone.session
    session[SIGNED_IN_AT] = (
        int(time.time()) - settings.SESSION_ABSOLUTE_HOURS * 3600 - 5
    )
    session.save()
    response = phone.get("/me/")
    assert response.status_code == 302
    assert SESSION_KEY not in phone.session
