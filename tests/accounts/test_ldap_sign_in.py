"""Signing in with a directory account, against a real OpenLDAP server (a private
slapd these tests start on 127.0.0.1) through the site's sign-in page.

Without slapd these tests skip, and fail under REQUIRE_SERVICES=1."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory
from django.urls import reverse

from learning.models import LearnerProfile
from tests.accounts.servers import slapd
from tests.conftest import service_missing
from tests.factories import UserFactory, person_in

User = get_user_model()
DIRECTORY_BACKEND = "accounts.directory.DirectoryBackend"

ZHANG = slapd.DirectoryPerson(
    uid="zhangwei",
    employee_number="E1001",
    display_name="张伟",
    password="Zw-directory-2026",
    sam_account_name="zhangw",
    mail="zhangwei@county.example",
)
# The directory itself holds a full-width number, as typed by a Chinese input method.
LI = slapd.DirectoryPerson(
    uid="lina",
    employee_number="Ｅ１００２",
    display_name="李娜",
    password="Ln-pass-2026",
)
WANG = slapd.DirectoryPerson(
    uid="wangfang",
    employee_number="E1003",
    display_name="王芳",
    password="Wf-pass-2026",
    mail="wangfang@county.example",
)
ZHAO = slapd.DirectoryPerson(
    uid="zhaoqiang", employee_number="E1004", display_name="赵强", password="Zq-2026-x"
)
# An entry with no employee number at all.
OUYANG = slapd.DirectoryPerson(
    uid="ouyang",
    employee_number="",
    display_name="欧阳娜",
    password="Oy-2026-x",
)
PEOPLE = [ZHANG, LI, WANG, ZHAO, OUYANG]


def _start(tmp_path_factory, people, tls=False):
    if slapd.slapd_path() is None:
        service_missing("slapd is not installed (apt-get install slapd ldap-utils)")
    return slapd.running_directory(people, tmp_path_factory.mktemp("slapd"), tls=tls)


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    with _start(tmp_path_factory, PEOPLE) as server:
        yield server


def _configure(settings, uri: str, **overrides) -> None:
    settings.LDAP_SERVER_URI = uri
    settings.LDAP_BIND_DN = slapd.SERVICE_DN
    settings.LDAP_BIND_PASSWORD = slapd.SERVICE_PASSWORD
    settings.LDAP_USER_DN_TEMPLATE = ""
    settings.LDAP_USER_SEARCH_BASE = slapd.PEOPLE_BASE
    settings.LDAP_USER_FILTER = "(employeeNumber=%(user)s)"
    settings.LDAP_TIMEOUT = 3
    settings.LDAP_CREATE_UNKNOWN_IN_DEPARTMENT = ""
    settings.AUTHENTICATION_BACKENDS = [
        *[b for b in settings.AUTHENTICATION_BACKENDS if not b.startswith("accounts.")],
        DIRECTORY_BACKEND,
    ]
    for name, value in overrides.items():
        setattr(settings, name, value)


@pytest.fixture
def ldap_on(settings, directory):
    _configure(settings, directory.uri)
    return settings


def _person(department, number: str, name: str):
    """As the roster makes people: the account is named by the employee number."""
    return person_in(
        department,
        employee_number=number,
        full_name=name,
        user=UserFactory(username=number, first_name=name),
    )


@pytest.fixture
def staff(county):
    """The roster: Zhang, Li and Zhao (who has left); Wang is only in the
    directory."""
    zhang = _person(county.bureau_a, "E1001", "张伟")
    li = _person(county.section_a1, "E1002", "李娜")
    zhao = _person(county.township, "E1004", "赵强")
    for profile in (zhang, li, zhao):
        profile.user.set_unusable_password()
        profile.user.save(update_fields=["password"])
    zhao.is_active = False
    zhao.save(update_fields=["is_active"])
    zhao.user.is_active = False
    zhao.user.save(update_fields=["is_active"])
    return {"zhang": zhang, "li": li, "zhao": zhao}


def sign_in(client, username: str, password: str, language: str = "en"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def page_text(response) -> str:
    return response.content.decode()


def test_directory_account_signs_in_as_the_person_with_its_employee_number(
    client, ldap_on, staff
):
    response = sign_in(client, "E1001", ZHANG.password)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(staff["zhang"].user_id)
    assert client.session["_auth_user_backend"] == DIRECTORY_BACKEND
    # The directory's password is never copied into the site.
    staff["zhang"].user.refresh_from_db()
    assert not staff["zhang"].user.has_usable_password()
    # The session holds: the next page knows the person.
    assert client.get(reverse("learning:me")).status_code == 200


def test_active_directory_filter_finds_the_account_by_sam_account_name(
    client, settings, directory, staff
):
    _configure(settings, directory.uri, LDAP_USER_FILTER="(sAMAccountName=%(user)s)")

    response = sign_in(client, "ZhangW", ZHANG.password)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(staff["zhang"].user_id)


def test_full_width_name_typed_at_sign_in_is_normalised(client, ldap_on, staff):
    sign_in(client, "Ｅ１００１ ", ZHANG.password)

    assert signed_in_user_id(client) == str(staff["zhang"].user_id)


def test_full_width_employee_number_in_the_directory_matches_the_roster(
    client, settings, directory, staff
):
    _configure(settings, directory.uri, LDAP_USER_FILTER="(uid=%(user)s)")

    sign_in(client, "lina", LI.password)

    assert signed_in_user_id(client) == str(staff["li"].user_id)


def test_direct_bind_with_a_dn_template(client, settings, directory, staff):
    _configure(
        settings,
        directory.uri,
        LDAP_BIND_DN="",
        LDAP_BIND_PASSWORD="",
        LDAP_USER_DN_TEMPLATE=f"uid=%(user)s,{slapd.PEOPLE_BASE}",
        LDAP_USER_FILTER="(uid=%(user)s)",
    )

    sign_in(client, "zhangwei", "not-" + ZHANG.password)
    assert signed_in_user_id(client) is None

    sign_in(client, "zhangwei", ZHANG.password)
    assert signed_in_user_id(client) == str(staff["zhang"].user_id)


def test_wrong_password_signs_nobody_in_and_counts_as_a_failure(client, ldap_on, staff):
    response = sign_in(client, "E1001", "Wrong-password-1")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert "Please enter a correct" in page_text(response) or "correct" in page_text(
        response
    )
    # django-axes counted it, so directory passwords cannot be guessed endlessly here.
    attempt = AccessAttempt.objects.get(username="E1001")
    assert attempt.failures_since_start == 1
    staff["zhang"].user.refresh_from_db()
    assert staff["zhang"].user.last_login is None


def test_empty_password_is_never_sent_as_an_unauthenticated_bind(ldap_on, staff):
    # An LDAP simple bind with a DN and no password "succeeds" as anonymous.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="E1001", password="") is None


def test_filter_characters_in_the_name_are_escaped(client, ldap_on, staff):
    for name in ("*", "E100*", "E1001)(uid=*", "*)(|(employeeNumber=*"):
        sign_in(client, name, ZHANG.password)
        assert signed_in_user_id(client) is None, name


def test_unknown_directory_account_is_refused_not_created(client, ldap_on, staff):
    users, profiles = User.objects.count(), LearnerProfile.objects.count()

    response = sign_in(client, "E1003", WANG.password)

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert "no person on this site has employee number E1003" in page_text(response)
    assert "HR officer" in page_text(response)
    assert (User.objects.count(), LearnerProfile.objects.count()) == (users, profiles)


def test_unknown_directory_account_refusal_is_translated(client, ldap_on, staff):
    response = sign_in(client, "E1003", WANG.password, language="zh-hans")

    assert "E1003" in page_text(response)
    assert "花名册" in page_text(response)


def test_unknown_directory_account_joins_the_named_department_when_allowed(
    client, settings, directory, staff, county
):
    _configure(
        settings, directory.uri, LDAP_CREATE_UNKNOWN_IN_DEPARTMENT=county.township.code
    )

    sign_in(client, "E1003", WANG.password)

    profile = LearnerProfile.objects.select_related("user").get(employee_number="E1003")
    assert signed_in_user_id(client) == str(profile.user_id)
    assert profile.full_name == "王芳"
    assert profile.department == county.township
    assert profile.user.username == "E1003"
    assert profile.user.email == WANG.mail
    assert not profile.user.has_usable_password()


def test_creation_into_a_department_that_does_not_exist_is_refused(
    client, settings, directory, staff
):
    _configure(settings, directory.uri, LDAP_CREATE_UNKNOWN_IN_DEPARTMENT="NO-SUCH")
    profiles = LearnerProfile.objects.count()

    response = sign_in(client, "E1003", WANG.password)

    assert signed_in_user_id(client) is None
    assert "does not exist" in page_text(response)
    assert LearnerProfile.objects.count() == profiles


def test_a_leaver_is_refused_even_with_a_valid_directory_password(
    client, settings, directory, staff, county
):
    # Even where the directory may create people, a leaver is not brought back.
    _configure(
        settings, directory.uri, LDAP_CREATE_UNKNOWN_IN_DEPARTMENT=county.county.code
    )

    response = sign_in(client, "E1004", ZHAO.password)

    assert signed_in_user_id(client) is None
    assert "deactivated" in page_text(response)
    staff["zhao"].refresh_from_db()
    assert not staff["zhao"].is_active


def test_entry_without_a_usable_employee_number_is_refused(
    client, settings, directory, staff
):
    _configure(settings, directory.uri, LDAP_USER_FILTER="(uid=%(user)s)")
    users = User.objects.count()

    response = sign_in(client, "ouyang", OUYANG.password)

    assert signed_in_user_id(client) is None
    assert "no usable employee number" in page_text(response)
    assert User.objects.count() == users


def test_directory_down_says_so_and_the_local_admin_still_signs_in(
    client, settings, tmp_path_factory, staff, password
):
    with _start(tmp_path_factory, [ZHANG]) as server:
        _configure(settings, server.uri)
        server.stop()  # the directory goes down

        started = time.monotonic()
        response = sign_in(client, "E1001", ZHANG.password)
        took = time.monotonic() - started

    assert signed_in_user_id(client) is None
    assert "directory cannot be reached" in page_text(response)
    assert took < 3

    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    sign_in(client, "admin", password)
    assert signed_in_user_id(client) == str(admin.pk)


def test_directory_that_never_answers_times_out(client, settings, staff):
    # A server that accepts the connection and then says nothing (a hung DC).
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    try:
        _configure(
            settings,
            f"ldap://127.0.0.1:{listener.getsockname()[1]}",
            LDAP_TIMEOUT=1,
        )
        started = time.monotonic()
        response = sign_in(client, "E1001", ZHANG.password)
        took = time.monotonic() - started
    finally:
        listener.close()
        for connection in held:
            connection.close()

    assert signed_in_user_id(client) is None
    assert "directory cannot be reached" in page_text(response)
    assert 0.9 < took < 5


def test_wrong_service_account_password_is_reported_as_unavailable(
    client, settings, directory, staff
):
    _configure(settings, directory.uri, LDAP_BIND_PASSWORD="not-the-password")

    response = sign_in(client, "E1001", ZHANG.password)

    assert signed_in_user_id(client) is None
    assert "directory cannot be reached" in page_text(response)


def test_local_password_still_works_beside_the_directory(
    client, ldap_on, staff, county, password
):
    local = _person(county.bureau_b, "E2001", "周敏")
    local.user.set_password(password)
    local.user.save(update_fields=["password"])

    sign_in(client, local.user.username, password)

    assert signed_in_user_id(client) == str(local.user_id)
    assert client.session["_auth_user_backend"] != DIRECTORY_BACKEND


def test_start_tls_checks_the_certificate_and_never_falls_back_to_clear_text(
    client, settings, tmp_path_factory, staff
):
    with _start(tmp_path_factory, [ZHANG], tls=True) as server:
        # The site does not trust the directory's CA: no sign-in, and no password
        # sent in clear instead.
        _configure(settings, server.uri, LDAP_START_TLS=True)
        response = sign_in(client, "E1001", ZHANG.password)
        assert signed_in_user_id(client) is None
        assert "directory cannot be reached" in page_text(response)

        _configure(
            settings,
            server.uri,
            LDAP_START_TLS=True,
            LDAP_CA_CERT_FILE=str(server.workdir / "ca.pem"),
        )
        sign_in(client, "E1001", ZHANG.password)
        assert signed_in_user_id(client) == str(staff["zhang"].user_id)


def test_directory_is_off_without_a_server(client, settings, directory, staff):
    _configure(settings, directory.uri, LDAP_SERVER_URI="")

    response = sign_in(client, "E1001", ZHANG.password)

    assert signed_in_user_id(client) is None
    assert "directory" not in page_text(response).lower()


def test_sign_in_page_says_the_form_takes_the_domain_account(client, ldap_on):
    page = page_text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Sign in with your domain account" in page
    assert "data-sso" not in page

    # With single sign-on as well, the buttons come first and one hint says both.
    ldap_on.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example/authorize"
    ldap_on.OIDC_RP_CLIENT_ID = "county"
    page = page_text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert page.index("data-sso") < page.index("data-directory")
    assert "域账号" in page and "本地账号" in page
    assert page.count("data-directory") == 1


def test_a_session_ends_when_the_person_is_deactivated(client, ldap_on, staff):
    sign_in(client, "E1001", ZHANG.password)
    assert signed_in_user_id(client) == str(staff["zhang"].user_id)

    staff["zhang"].user.is_active = False
    staff["zhang"].user.save(update_fields=["is_active"])

    response = client.get(reverse("learning:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
