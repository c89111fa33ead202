"""Tools reach the LRS with a key and secret a site admin created (HTTP Basic): the
secret is kept hashed, a credential can be revoked, reads and writes only what its
rights and department scope allow; the back office creates (showing the secret
once) and revokes them, and only site admins may."""

import base64
import json
import uuid

import pytest
from django.test import Client

from learning.models import XAPIStatement
from learning.xapi.models import Credit, LRSCredential
from learning.xapi.services import (
    Writer,
    credential_create,
    learner_actor,
    statements_store,
)
from tests.factories import (
    UserFactory,
    county_tree,
    person_in,
    scoped_user,
    second_factor_passed,
)
from tests.learning.test_xapi import URL, statement

pytestmark = pytest.mark.django_db


def basic(key: str, secret: str) -> dict:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {
        "HTTP_AUTHORIZATION": f"Basic {token}",
        "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3",
        "HTTP_ACCEPT_LANGUAGE": "en",
    }


@pytest.fixture
def county():
    return county_tree()


@pytest.fixture
def admin():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def tool(county, admin):
    """A credential scoped to bureau A, reading and writing."""
    credential, secret = credential_create(
        actor=admin, label="Survey tool", department=county.bureau_a
    )
    return credential, basic(credential.key, secret)


def admin_client(user) -> Client:
    """A signed-in site admin who has passed the back office's second factor."""
    client = Client()
    client.force_login(user)
    second_factor_passed(client, user)
    return client


def tool_post(headers, payload):
    # A tool has no session nor CSRF token: a fresh client each time.
    return Client(enforce_csrf_checks=True).post(
        URL, json.dumps(payload), content_type="application/json", **headers
    )


def tool_get(headers, **params):
    return Client().get(URL, params, **headers)


def test_the_secret_is_kept_only_as_a_hash(tool):
    credential, headers = tool
    secret = base64.b64decode(headers["HTTP_AUTHORIZATION"][6:]).decode().split(":")[1]

    stored = LRSCredential.objects.get(pk=credential.pk)

    assert secret not in json.dumps(
        list(LRSCredential.objects.values_list()), default=str
    )
    assert len(stored.secret_hash) == 64 and stored.key.startswith("lrs_")


def test_a_tool_writes_about_anyone_outside_the_site_and_reads_it_back(
    tool, activities
):
    _credential, headers = tool
    foreign = statement(actor={"mbox": "mailto:visitor@example.org"})

    response = tool_post(headers, foreign)

    assert response.status_code == 200
    row = XAPIStatement.objects.get()
    assert row.learner is None and row.credential == tool[0]
    assert row.body["authority"]["account"]["name"] == f"lrs:{tool[0].key}"
    assert [s["id"] for s in tool_get(headers).json()["statements"]] == response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Basic !!!"},
        {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"no-colon").decode()},
    ],
)
def test_no_or_broken_credentials_are_401(activities, headers):
    response = Client().get(URL, HTTP_X_EXPERIENCE_API_VERSION="1.0.3", **headers)

    assert response.status_code == 401
    assert response.json()["error"]


def test_a_wrong_secret_or_a_revoked_credential_is_401(tool, admin, activities):
    credential, headers = tool
    wrong = basic(credential.key, "guess")
    assert tool_get(wrong).status_code == 401
    assert tool_get(headers).status_code == 200

    client = admin_client(admin)
    revoke = client.post(
        f"/admin/lrs_credentials/revoke/{credential.pk}/", {"confirm": "on"}
    )

    assert revoke.status_code == 302
    assert tool_get(headers).status_code == 401
    assert tool_post(headers, statement()).status_code == 401


def test_rights_are_enforced(county, admin, activities):
    reader, reader_secret = credential_create(
        actor=admin, label="Reader", department=county.county, can_write=False
    )
    writer, writer_secret = credential_create(
        actor=admin, label="Writer", department=county.county, can_read=False
    )
    foreign = statement(actor={"mbox": "mailto:visitor@example.org"})

    assert tool_post(basic(reader.key, reader_secret), foreign).status_code == 403
    assert tool_get(basic(writer.key, writer_secret)).status_code == 403
    assert tool_post(basic(writer.key, writer_secret), foreign).status_code == 200
    assert XAPIStatement.objects.count() == 1


def test_a_tool_writes_and_reads_only_people_of_its_department(
    tool, county, activities
):
    _credential, headers = tool
    inside = person_in(county.section_a1).user
    outside = person_in(county.bureau_b).user

    about_inside = tool_post(headers, statement(actor=learner_actor(learner=inside)))
    about_outside = tool_post(headers, statement(actor=learner_actor(learner=outside)))

    assert about_inside.status_code == 200
    assert about_outside.status_code == 403
    assert "department" in about_outside.json()["error"]
    row = XAPIStatement.objects.get()
    assert row.learner == inside
    # A tool's statement about a site activity counts for nothing without a launch.
    assert row.credit == Credit.NO_REGISTRATION
    # The learner's own statements are readable to the tool; others' are not.
    (own,) = statements_store(
        writer=Writer(learner=inside),
        payload=statement("attempted", actor=learner_actor(learner=inside)),
    )
    statements_store(
        writer=Writer(learner=outside),
        payload=statement("attempted", actor=learner_actor(learner=outside)),
    )
    seen = [s["id"] for s in tool_get(headers).json()["statements"]]
    assert own in seen and len(seen) == 2


def test_basic_auth_needs_no_csrf_but_a_session_post_does(tool, activities):
    _credential, headers = tool
    learner = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    session_post = browser.post(
        URL,
        json.dumps(statement(actor=learner_actor(learner=learner))),
        content_type="application/json",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )

    assert session_post.status_code == 403
    assert (
        tool_post(
            headers, statement(actor={"mbox": "mailto:v@example.org"})
        ).status_code
        == 200
    )


def test_only_a_site_admin_creates_credentials(county):
    hr = scoped_user("hr", county.county).user
    with pytest.raises(Exception, match="site administrators"):
        credential_create(actor=hr, label="Mine", department=county.county)
    client = Client()
    client.force_login(hr)

    assert client.get("/admin/lrs_credentials/").status_code in (302, 403)
    assert client.get("/admin/lrs_credentials/new/").status_code in (302, 403)
    assert not LRSCredential.objects.exists()


def test_the_back_office_creates_a_credential_and_shows_the_secret_once(
    admin, county, activities
):
    client = admin_client(admin)
    assert client.get("/admin/lrs_credentials/").status_code == 200

    response = client.post(
        "/admin/lrs_credentials/new/",
        {
            "label": "County survey",
            "department": county.bureau_a.pk,
            "can_read": "on",
            "can_write": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    credential = LRSCredential.objects.get()
    assert credential.created_by == admin and credential.department == county.bureau_a
    page = response.content.decode()
    secret = page.split("<dt>Secret</dt><dd><code>")[1].split("</code>")[0]
    assert credential.key in page
    assert tool_get(basic(credential.key, secret)).status_code == 200
    # The list never shows it again.
    assert secret not in client.get("/admin/lrs_credentials/").content.decode()


def test_a_statement_id_of_a_tool_cannot_be_probed_by_a_learner(tool, activities):
    _credential, headers = tool
    given = str(uuid.uuid4())
    tool_post(headers, statement(id=given, actor={"mbox": "mailto:v@example.org"}))
    learner = UserFactory()
    client = Client()
    client.force_login(learner)

    response = client.get(
        URL, {"statementId": given}, HTTP_X_EXPERIENCE_API_VERSION="1.0.3"
    )

    assert response.status_code == 404
