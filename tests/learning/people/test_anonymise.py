"""PIPL (issue #15): a site admin anonymises a person who left. Name, number, phone,
account name and e-mail are gone (also from their xAPI statements and the audit
entry of the act itself); their records stay, so department figures are the same
before and after."""

import json
import uuid

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from learning.models import LearnerProfile, Notification, RoleScope, XAPIStatement
from learning.people import services
from learning.xapi.services import learner_actor
from tests.factories import person_in, scoped_user, second_factor_passed

pytestmark = pytest.mark.django_db


def figures(client, department) -> bytes:
    """The department's dashboard tables as their CSV exports."""
    out = b""
    for page, table in (("", "overview"), ("gaps/", "gaps")):
        response = client.get(
            f"/dashboard/{page}?department={department.pk}&export={table}&format=csv"
        )
        assert response.status_code == 200
        out += b"".join(response.streaming_content)
    return out


def a_statement(client, user):
    client.force_login(user)
    body = {
        "id": str(uuid.uuid4()),
        "actor": learner_actor(learner=user),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://elsewhere.example/activity/1"},
    }
    response = client.post(
        "/xapi/statements",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert response.status_code == 200, response.content


def test_a_leaver_is_anonymised_and_the_figures_do_not_move(county, client, admin_user):
    leaver = person_in(
        county.section_a1,
        full_name="张秘密",
        employee_number="QX77777",
        phone="13800000000",
        user__username="QX77777",
        user__email="zhang@county.test",
    )
    a_statement(client, leaver.user)
    Notification.objects.create(user=leaver.user, subject="张秘密，您好", body="")
    services.person_deactivate(actor=None, profile=leaver)
    client.force_login(admin_user)
    before = figures(client, county.county)
    second_factor_passed(client, admin_user)
    last_entry = AuditEntry.objects.order_by("pk").last().pk

    response = client.post(reverse("people:anonymise", args=[leaver.pk]))

    assert response.status_code == 302
    leaver.refresh_from_db()
    leaver.user.refresh_from_db()
    assert leaver.full_name == f"#{leaver.pk}"
    assert leaver.employee_number == f"ANON-{leaver.pk}" and leaver.phone == ""
    assert leaver.user.username == f"anon-{leaver.pk}" and leaver.user.email == ""
    assert not leaver.user.has_usable_password()
    assert not Notification.objects.filter(user=leaver.user).exists()
    statement = XAPIStatement.objects.get(learner=leaver.user)
    assert "QX77777" not in json.dumps(statement.body) + statement.actor_ifi
    assert figures(client, county.county) == before
    # The log of the act itself copies none of what it removed.
    everything = " ".join(
        f"{entry.object_label} {json.dumps(entry.changes, ensure_ascii=False)}"
        for entry in AuditEntry.objects.filter(pk__gt=last_entry)
    )
    assert "张秘密" not in everything and "zhang@county.test" not in everything
    assert AuditEntry.objects.filter(action__endswith=".anonymise").exists()


def test_only_site_admins_and_only_leavers(county, client, admin_user):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    leaver = person_in(county.section_a1)
    services.person_deactivate(actor=None, profile=leaver)
    client.force_login(hr.user)
    response = client.post(reverse("people:anonymise", args=[leaver.pk]))
    assert response.status_code in (302, 403)  # Wagtail sends it back to the start

    staying = person_in(county.section_a1, full_name="李在职")
    client.force_login(admin_user)
    second_factor_passed(client, admin_user)
    client.post(reverse("people:anonymise", args=[staying.pk]))
    assert LearnerProfile.objects.get(pk=staying.pk).full_name == "李在职"
    assert LearnerProfile.objects.get(pk=leaver.pk).full_name != f"#{leaver.pk}"
