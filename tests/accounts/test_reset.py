"""Password reset by e-mail: the same answer whether or not the account exists; the
link sets a password (every rule applies), signs in, ends other sessions, works once."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from accounts.models import UserSession
from tests.accounts.conftest import english_client
from tests.factories import PASSWORD, person_in

NEW = "Rivers-Bridge-88"


@pytest.fixture
def client():
    return english_client()


@pytest.fixture
def person(county):
    profile = person_in(county.section_a1, employee_number="QX00400")
    profile.user.email = "wang.fang@example.gov.cn"
    profile.user.save(update_fields=["email"])
    return profile


def _ask(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


@pytest.mark.django_db
def test_same_answer_with_and_without_an_account(client, person):
    known = _ask(client, "wang.fang@example.gov.cn")
    unknown = _ask(Client(HTTP_ACCEPT_LANGUAGE="en"), "nobody@example.gov.cn")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang.fang@example.gov.cn"]


@pytest.mark.django_db
def test_link_sets_password_signs_in_and_ends_other_sessions(client, person):
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.post(
        "/accounts/login/", {"username": person.user.username, "password": PASSWORD}
    )
    assert other.get("/me/").status_code == 200
    _ask(client, "wang.fang@example.gov.cn")
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", mail.outbox[0].body)
    path = link.group(0).split("8000", 1)[-1] if "8000" in link.group(0) else None
    assert path is not None
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 200
    person.user.refresh_from_db()
    assert person.user.check_password(PASSWORD)
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert int(client.session[SESSION_KEY]) == person.user_id
    assert other.get("/me/").status_code == 302
    assert UserSession.objects.filter(user=person.user).count() <= 1
    # The link works once.
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(path, follow=True)
    assert "does not work any more" in again.content.decode()


@pytest.mark.django_db
def test_reset_pages_in_chinese(client):
    client.cookies["civicskills_language"] = "zh-hans"
    assert "忘记密码" in client.get("/accounts/password/reset/").content.decode()
