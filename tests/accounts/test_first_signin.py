"""A person signs in for the first time with employee number and code, sets a
password and lands on /me/; every bad code is refused with its own message, nothing
signed in and nothing changed."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts import codes
from accounts.models import SigninCode
from learning.people.services import person_deactivate

from .conftest import english_client, newcomer_in


@pytest.fixture
def client():
    return english_client()


START = "/accounts/first-sign-in/"
PASSWORD_STEP = "/accounts/first-sign-in/password/"
NEW_PASSWORD = "Qingshi-Window-77"
WRONG = "The employee number or the code"


def _code_step(client, number, code, **extra):
    return client.post(START, {"employee_number": number, "code": code}, **extra)


def _password_step(client, password=NEW_PASSWORD):
    return client.post(
        PASSWORD_STEP, {"new_password1": password, "new_password2": password}
    )


def _full_width(text):
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c
        for c in text
    )


def _unchanged(newcomer):
    newcomer.user.refresh_from_db()
    assert not newcomer.user.has_usable_password()
    assert newcomer.user.last_login is None


@pytest.mark.django_db
def test_code_signs_in_sets_password_and_lands_on_me(client, newcomer, issued_code):
    response = _code_step(client, "QX00253", issued_code)
    assert response.status_code == 302
    assert response["Location"] == PASSWORD_STEP
    # Checked, but nobody is signed in and the code is still open.
    assert SESSION_KEY not in client.session
    assert SigninCode.objects.get().used_at is None

    page = client.get(PASSWORD_STEP)
    assert "李晓明" in page.content.decode()
    response = _password_step(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:me")
    assert int(client.session[SESSION_KEY]) == newcomer.user_id
    newcomer.user.refresh_from_db()
    assert newcomer.user.check_password(NEW_PASSWORD)
    assert SigninCode.objects.get().used_at is not None
    assert client.get(reverse("learning:me")).status_code == 200


@pytest.mark.django_db
def test_full_width_number_and_code_with_spaces_and_lower_case(
    client, newcomer, issued_code
):
    typed_code = " " + issued_code.lower().replace("-", " ") + " "
    response = _code_step(client, " " + _full_width("QX00253") + " ", typed_code)
    assert response["Location"] == PASSWORD_STEP


@pytest.mark.django_db
def test_only_a_hash_is_stored(newcomer, issued_code):
    row = SigninCode.objects.get()
    plain = codes.code_normalise(issued_code)
    assert plain not in row.code_hash
    assert len(row.code_hash) == 64
    assert row.code_hash == codes.code_hash(user_id=newcomer.user_id, code=plain)


@pytest.mark.django_db
def test_weak_password_is_refused_and_code_stays_open(client, newcomer, issued_code):
    _code_step(client, "QX00253", issued_code)
    response = _password_step(client, "lixiaoming2026")
    assert response.status_code == 200
    assert "pinyin" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert SigninCode.objects.get().used_at is None
    _unchanged(newcomer)


def _refused(client, newcomer, number, code, message):
    response = _code_step(client, number, code)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SESSION_KEY not in client.session
    assert "_accounts_code_pending" not in client.session
    _unchanged(newcomer)
    # Going straight to the second step does not help.
    response = client.get(PASSWORD_STEP)
    assert response["Location"] == START
    return response


@pytest.mark.django_db
def test_wrong_code(client, newcomer, issued_code):
    wrong = "ABCDE-FGHJK" if issued_code != "ABCDE-FGHJK" else "BBCDE-FGHJK"
    _refused(client, newcomer, "QX00253", wrong, WRONG)
    assert SigninCode.objects.get().used_at is None


@pytest.mark.django_db
def test_unknown_number_answers_like_a_wrong_code(client, newcomer, issued_code):
    _refused(
        client, newcomer, "QX99999", issued_code, "The employee number or the code"
    )


@pytest.mark.django_db
def test_someone_elses_code(client, county, hr, newcomer, issued_code):
    other = newcomer_in(county.section_a2, employee_number="QX00254")
    _refused(client, other, "QX00254", issued_code, WRONG)


@pytest.mark.django_db
def test_expired_code(client, newcomer, issued_code):
    SigninCode.objects.update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    _refused(client, newcomer, "QX00253", issued_code, "This code expired on")


@pytest.mark.django_db
def test_replaced_code(client, hr, newcomer, issued_code):
    newer = codes.signin_codes_issue(actor=hr.user, profiles=[newcomer])[0].code
    _refused(client, newcomer, "QX00253", issued_code, "replaced by a newer one")
    assert _code_step(client, "QX00253", newer)["Location"] == PASSWORD_STEP


@pytest.mark.django_db
def test_reused_code(client, newcomer, issued_code):
    _code_step(client, "QX00253", issued_code)
    _password_step(client)
    client.logout()
    response = _code_step(client, "QX00253", issued_code)
    assert "already been used" in response.content.decode()
    assert SESSION_KEY not in client.session
    newcomer.user.refresh_from_db()
    assert newcomer.user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_code_of_a_person_who_left(client, hr, newcomer, issued_code):
    person_deactivate(actor=hr.user, profile=newcomer)
    response = _code_step(client, "QX00253", issued_code)
    assert "This account is closed" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Leaving ended the code itself too.
    assert SigninCode.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_person_leaves_between_the_two_steps(client, hr, newcomer, issued_code):
    _code_step(client, "QX00253", issued_code)
    person_deactivate(actor=hr.user, profile=newcomer)
    response = _password_step(client)
    assert response["Location"] == START
    assert SESSION_KEY not in client.session
    _unchanged(newcomer)


@pytest.mark.django_db
def test_empty_and_malformed_input(client, newcomer, issued_code):
    response = _code_step(client, "", "")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    response = _code_step(client, "QX 00253; DROP", issued_code)
    assert "employee number as printed" in response.content.decode()
    _unchanged(newcomer)


@pytest.mark.django_db
def test_pages_in_chinese(client, newcomer, issued_code):
    client.cookies["civicskills_language"] = "zh-hans"
    page = client.get(START).content.decode()
    assert "员工编号" in page or "工号" in page
    response = _code_step(client, "QX00253", "AAAAA-AAAAA")
    assert (
        "员工编号或" in response.content.decode()
        or "工号或" in response.content.decode()
    )


@pytest.mark.django_db
def test_guessing_is_throttled_per_person(client, settings, newcomer, issued_code):
    settings.AXES_FAILURE_LIMIT = 100
    for _ in range(settings.SIGNIN_CODE_ATTEMPTS_PER_PERSON):
        _code_step(client, "QX00253", "AAAAA-AAAAA")
    # Even the right code is refused now, from another address too.
    response = _code_step(client, "QX00253", issued_code, REMOTE_ADDR="10.9.9.9")
    assert "Too many attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert SigninCode.objects.get().used_at is None


@pytest.mark.django_db
def test_guessing_is_throttled_per_address(client, settings, county, newcomer):
    settings.AXES_FAILURE_LIMIT = 100
    settings.SIGNIN_CODE_ATTEMPTS_PER_ADDRESS = 4
    others = [
        newcomer_in(county.section_a1, employee_number=f"QX1000{i}") for i in range(5)
    ]
    for person in others[:4]:
        _code_step(client, person.employee_number, "AAAAA-AAAAA")
    response = _code_step(client, others[4].employee_number, "AAAAA-AAAAA")
    assert "Too many attempts" in response.content.decode()


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lock_out(
    client, settings, newcomer, issued_code
):
    settings.SIGNIN_CODE_ATTEMPTS_PER_PERSON = 100
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _code_step(client, "QX00253", "AAAAA-AAAAA")
    response = _code_step(client, "QX00253", issued_code)
    assert "locked" in response.content.decode()
    assert SESSION_KEY not in client.session
    # The password form is locked for this name too.
    response = client.post(
        reverse("login"), {"username": "QX00253", "password": "whatever-2026"}
    )
    assert response.status_code in (403, 429)


@pytest.mark.django_db
def test_hr_reset_code_for_someone_with_a_password(county, hr):
    from django.test import Client

    from tests.factories import PASSWORD, person_in

    person = person_in(county.section_a2, employee_number="QX00600")
    office = Client(HTTP_ACCEPT_LANGUAGE="en")
    office.post(
        reverse("login"), {"username": person.user.username, "password": PASSWORD}
    )
    assert office.get(reverse("learning:me")).status_code == 200
    code = codes.signin_codes_issue(actor=hr.user, profiles=[person])[0].code
    assert SigninCode.objects.get().purpose == SigninCode.Purpose.RESET
    # The password still works until the code is used.
    assert office.get(reverse("learning:me")).status_code == 200
    phone = english_client()
    assert _code_step(phone, "QX00600", code)["Location"] == PASSWORD_STEP
    # The old password is refused as the new one (history), then a new one works.
    response = _password_step(phone, PASSWORD)
    assert "used this password before" in response.content.decode()
    assert _password_step(phone)["Location"] == reverse("learning:me")
    person.user.refresh_from_db()
    assert person.user.check_password(NEW_PASSWORD)
    assert office.get(reverse("learning:me")).status_code == 302
