"""The password rules, each refusing what it should and letting a good password
through; the history and the maximum age."""

import datetime

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import PasswordHistory
from tests.accounts.conftest import english_client
from tests.factories import person_in

GOOD = "Qingshi-Window-77"


@pytest.fixture
def client():
    return english_client()


@pytest.fixture
def person(county):
    return person_in(county.section_a1, employee_number="QX00253", full_name="李晓明")


def _codes(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1-xyz", "password_too_short"),
        ("qingshiwindowseventy", "password_too_simple"),
        ("QINGSHI12345678", "password_too_simple"),
        ("LiXiaoming-2026", "password_personal"),
        ("xiao ming#Winter9", "password_personal"),
        ("李晓明Winter-2026", "password_personal"),
        ("Qx00253-Winter", "password_personal"),
        ("Password-2024!", "password_too_common"),
        ("Qwerty123456!", "password_guessable"),
    ],
)
def test_rule_refuses(person, password, code):
    assert code in _codes(password, person.user)


@pytest.mark.django_db
def test_good_password_and_the_demo_password_pass(person, settings):
    assert _codes(GOOD, person.user) == set()
    assert _codes(settings.DEMO_PASSWORD, person.user) == set()


@pytest.mark.django_db
def test_messages_are_in_chinese(person):
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            password_validation.validate_password("abc", person.user)
    assert any("密码" in message for message in error.value.messages)


@pytest.mark.django_db
def test_last_five_passwords_cannot_be_reused(person):
    user = person.user
    used = [f"Qingshi-Window-{n}x" for n in range(6)]
    for password in used:
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for password in used[1:]:
        assert "password_reused" in _codes(password, user), password
    # The sixth back is allowed again.
    assert "password_reused" not in _codes(used[0], user)


@pytest.mark.django_db
def test_expired_password_must_be_changed(client, person, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = person.user
    user.set_password(GOOD)
    user.save()
    PasswordHistory.objects.filter(user=user).update(
        created_at=timezone.now() - datetime.timedelta(days=91)
    )
    client.force_login(user)
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": GOOD,
            "new_password1": "Rivers-Bridge-88",
            "new_password2": "Rivers-Bridge-88",
        },
    )
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


@pytest.mark.django_db
def test_no_expiry_by_default(client, person):
    user = person.user
    PasswordHistory.objects.create(
        user=user,
        password=user.password,
        created_at=timezone.now() - datetime.timedelta(days=5000),
    )
    client.force_login(user)
    assert client.get("/me/").status_code == 200
