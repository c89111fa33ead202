"""Issue #15: a password spray (one password tried on many account names) from one
address is slowed, though django-axes counts only name + address: past
SIGNIN_FAILURES_PER_ADDRESS failures the address waits out the window, with a clear
message; another address, and the same one after the window, sign in as usual."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tests.factories import PASSWORD, person_in

pytestmark = pytest.mark.django_db
SPRAYER = "198.51.100.23"


def sign_in(client, username, password, address):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_a_spray_across_names_is_stopped_at_the_address(county, client, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 10
    people = [person_in(county.section_a1) for _ in range(11)]
    for person in people[:10]:
        response = sign_in(client, person.user.username, "Spring2026!", SPRAYER)
        codes = [e.code for e in response.context["form"].non_field_errors().as_data()]
        assert "address_throttled" not in codes

    # Even the right password of the eleventh name is refused from that address.
    refused = sign_in(client, people[10].user.username, PASSWORD, SPRAYER)
    assert refused.status_code == 200
    (error,) = refused.context["form"].non_field_errors().as_data()
    assert error.code == "address_throttled"
    assert "_auth_user_id" not in client.session

    # Another address is not held up; the sprayer's is after the window.
    name = people[10].user.username
    assert sign_in(client, name, PASSWORD, "203.0.113.5").status_code == 302
    client.logout()
    later = datetime.datetime.now() + datetime.timedelta(minutes=16)
    with time_machine.travel(later):
        assert sign_in(client, name, PASSWORD, SPRAYER).status_code == 302
