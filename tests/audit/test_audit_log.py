"""Issue #15, audit log: the actions an audit asks about are recorded with who, when,
from which address and what changed; the log cannot be changed (on PostgreSQL not
even with SQL); site admins read and export it, nobody else sees it."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, AuditLogImmutable
from audit.services import purge, record
from learning.models import RoleScope
from learning.people import services as people
from tests.factories import person_in, scoped_user, second_factor_passed

pytestmark = pytest.mark.django_db
ADDRESS = "198.51.100.7"


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def sign_in(client, username, password):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ADDRESS,
    )


def test_sign_ins_failures_and_lock_outs(county, client, password, settings):
    me = person_in(county.section_a1)
    sign_in(client, me.user.username, "wrong-password")
    (failed,) = entries("sign_in_failed")
    assert (failed.object_label, failed.address) == (me.user.username, ADDRESS)
    assert failed.actor is None

    assert sign_in(client, me.user.username, password).status_code == 302
    (signed_in,) = entries("sign_in")
    assert (signed_in.actor, signed_in.address) == (me.user, ADDRESS)

    other = person_in(county.section_a1)
    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(stranger, other.user.username, "wrong-password")
    (locked,) = entries("locked_out")
    assert (locked.object_label, locked.address) == (other.user.username, ADDRESS)


def test_hr_changes_to_a_person_are_recorded_before_and_after(county, client):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    someone = person_in(county.section_a1, full_name="李忠")
    client.force_login(hr.user)
    data = {
        "employee_number": someone.employee_number,
        "full_name": "李中",
        "department": county.section_a2.pk,
        "email": "",
        "phone": "",
    }
    response = client.post(
        reverse("people:edit", args=[someone.pk]), data, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 302
    (change,) = entries("learning.learnerprofile.change")
    assert change.actor == hr.user and change.address == ADDRESS
    assert change.object_id == str(someone.pk)
    assert change.changes["full_name"] == ["李忠", "李中"]
    assert change.changes["department_id"] == [
        county.section_a1.pk,
        county.section_a2.pk,
    ]


def test_roles_groups_deactivation_and_passwords(county):
    hr = scoped_user(RoleScope.Role.HR, county.county)
    someone = person_in(county.section_a1)

    people.role_scope_grant(
        actor=hr.user, user=someone.user, role="leader", department=county.section_a1
    )
    people.person_deactivate(actor=hr.user, profile=someone)
    someone.user.groups.add(Group.objects.get_or_create(name="Editors")[0])
    someone.user.set_password("Another-Secret-2026")
    someone.user.save()

    assert entries("learning.rolescope.create")[-1].changes["role"] == [None, "leader"]
    assert entries("auth.user.groups")[-1].changes == {"added": ["Editors"]}
    assert entries("learning.learnerprofile.change")[-1].changes["is_active"] == [
        True,
        False,
    ]
    assert entries("auth.user.change")[-1].changes["is_active"] == [True, False]
    password_change = entries("auth.user.password_change")[-1]
    assert password_change.object_id == str(someone.user.pk)
    assert password_change.changes == {}
    # No password, hash or secret is ever written to the log.
    for entry in AuditEntry.objects.all():
        assert "pbkdf2" not in str(entry.changes) and "md5$" not in str(entry.changes)


def test_signing_in_is_not_mistaken_for_a_password_change(county, client, password):
    me = person_in(county.section_a1)
    before = AuditEntry.objects.count()
    sign_in(client, me.user.username, password)
    assert AuditEntry.objects.count() > before
    new = AuditEntry.objects.order_by("pk")[before:]
    assert [entry.action for entry in new] == ["sign_in"]  # last_login is not watched


def test_entries_cannot_be_changed_or_deleted_through_the_orm(county):
    entry = record("test", object_label="x")
    entry.action = "changed"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"


def test_the_database_refuses_an_update_even_in_sql(county):
    entry = record("test", object_label="x")
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET action = 'forged' WHERE id = %s", [entry.pk]
            )
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
        assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_purge_deletes_only_what_is_past_retention(county, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    old = AuditEntry.objects.create(action="old", at=now - datetime.timedelta(days=181))
    kept = AuditEntry.objects.create(
        action="kept", at=now - datetime.timedelta(days=179)
    )
    assert purge(now=now) == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=kept.pk).exists()


def test_site_admins_read_and_export_the_log_nobody_else(county, client, admin_user):
    record("test", object_label="visible")
    hr = scoped_user(RoleScope.Role.HR, county.county)
    index = reverse("audit:index")

    client.force_login(hr.user)
    assert client.get(index).status_code in (302, 403)

    client.force_login(admin_user)
    second_factor_passed(client, admin_user)
    page = client.get(index)
    assert page.status_code == 200
    assert "visible" in page.content.decode()
    export = client.get(index + "?export=csv&action=test")
    assert export.status_code == 200
    assert (
        b"visible" in b"".join(export.streaming_content)
        if export.streaming
        else b"visible" in export.content
    )
    (exported,) = entries("export")
    assert exported.actor == admin_user
    assert exported.changes["format"] == "csv"


def test_a_dashboard_export_records_who_exported_which_scope(county, client):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    client.force_login(leader.user)
    url = f"/dashboard/gaps/?department={county.bureau_a.pk}&export=gaps&format=csv"
    response = client.get(url)
    assert response.status_code == 200
    (exported,) = entries("export")
    assert exported.actor == leader.user
    assert f"department={county.bureau_a.pk}" in exported.changes["url"]


def test_behind_a_proxy_the_clients_address_is_recorded(county, client, settings):
    me = person_in(county.section_a1)

    def failed_from(**meta):
        client.post(
            reverse("login"),
            {"username": me.user.username, "password": "wrong-password"},
            **meta,
        )
        return entries("sign_in_failed")[-1].address

    # No proxy configured: a forged X-Forwarded-For changes nothing.
    assert failed_from(REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR="1.2.3.4") == (
        "192.0.2.8"
    )
    # One proxy (REVERSE_PROXIES=1) that appends what it saw to what the client sent.
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    forged = "1.2.3.4, 203.0.113.50"
    assert failed_from(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged) == (
        "203.0.113.50"
    )
