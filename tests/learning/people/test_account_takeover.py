"""Issue #15, escalation 2: an HR officer may not take over an account that holds
powers they do not hold over it. The attack that worked: a bureau HR officer edited
the county HR officer's e-mail address (the county officer works in the bureau), then
asked for a password reset at that address. Now a new address changes nothing until
its owner confirms it, and an account above the actor cannot be changed at all."""

import csv
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from learning.models import RoleScope
from learning.people import services
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bureau_hr(county):
    hr = scoped_user(RoleScope.Role.HR, county.bureau_a, user__email="hr-a@county.test")
    browser = Client()
    browser.force_login(hr.user)
    return browser


@pytest.fixture
def county_officer(county):
    """The county's HR officer, whose own record sits in bureau A (inside the bureau
    HR officer's scope)."""
    officer = scoped_user(
        RoleScope.Role.HR, county.county, user__email="county-hr@county.test"
    )
    officer.department = county.bureau_a
    officer.save(update_fields=["department"])
    return officer


@pytest.fixture
def edit(django_capture_on_commit_callbacks):
    """HR's edit form posted; what it schedules after commit (the e-mails) runs, as
    on a server."""

    def post(browser, profile, **changes):
        data = {
            "employee_number": profile.employee_number,
            "full_name": profile.full_name,
            "department": profile.department_id,
            "email": profile.user.email,
            "phone": profile.phone,
        } | changes
        with django_capture_on_commit_callbacks(execute=True):
            return browser.post(reverse("people:edit", args=[profile.pk]), data)

    return post


def link_in(message) -> str:
    return re.search(r"http://\S+", message.body).group(0)


def test_the_bureau_officer_cannot_point_the_county_officers_account_elsewhere(
    county, bureau_hr, county_officer, edit
):
    response = edit(bureau_hr, county_officer, email="attacker@evil.test")

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "测试县" in errors
    county_officer.user.refresh_from_db()
    assert county_officer.user.email == "county-hr@county.test"
    assert mail.outbox == []


def test_nor_renumber_deactivate_or_reactivate_it(
    county, bureau_hr, county_officer, edit
):
    response = edit(bureau_hr, county_officer, employee_number="X999")
    assert response.status_code == 200
    response = bureau_hr.post(reverse("people:delete", args=[county_officer.pk]))
    county_officer.refresh_from_db()
    county_officer.user.refresh_from_db()
    assert county_officer.employee_number != "X999"
    assert county_officer.is_active and county_officer.user.is_active

    services.person_deactivate(actor=None, profile=county_officer)
    response = bureau_hr.post(reverse("people:reactivate", args=[county_officer.pk]))
    county_officer.refresh_from_db()
    assert not county_officer.is_active


def test_a_name_may_still_be_corrected(county, bureau_hr, county_officer, edit):
    response = edit(bureau_hr, county_officer, full_name="王正名")
    assert response.status_code == 302
    county_officer.refresh_from_db()
    assert county_officer.full_name == "王正名"


@pytest.mark.parametrize("power", ["superuser", "group", "leader-above"])
def test_any_power_the_actor_lacks_protects_the_account(county, bureau_hr, power, edit):
    target = person_in(county.section_a1, user__email="a@county.test")
    if power == "superuser":
        target.user.is_superuser = True
        target.user.save()
    elif power == "group":
        target.user.groups.add(Group.objects.get_or_create(name="Editors")[0])
    else:
        RoleScope.objects.create(
            user=target.user, role=RoleScope.Role.LEADER, department=county.bureau_b
        )
    response = edit(bureau_hr, target, email="b@county.test")
    assert response.status_code == 200
    assert mail.outbox == []


def test_powers_within_the_actors_own_scope_do_not_protect(county, bureau_hr, edit):
    leader = scoped_user(
        RoleScope.Role.LEADER, county.section_a1, user__email="lead@county.test"
    )
    response = edit(bureau_hr, leader, email="lead.new@county.test")
    assert response.status_code == 302
    assert len(mail.outbox) == 2


def test_a_new_address_counts_only_once_its_owner_confirms_it(county, bureau_hr, edit):
    someone = person_in(county.section_a1, user__email="old@county.test")

    response = edit(bureau_hr, someone, email="new@county.test")

    assert response.status_code == 302
    someone.user.refresh_from_db()
    assert someone.user.email == "old@county.test"
    to_new, to_old = mail.outbox
    assert to_new.to == ["new@county.test"] and to_old.to == ["old@county.test"]
    assert "n***@county.test" in to_old.body
    assert "new@county.test" not in to_old.body
    link = link_in(to_new)

    visitor = Client()
    page = visitor.get(link)  # looking changes nothing
    assert page.status_code == 200
    someone.user.refresh_from_db()
    assert someone.user.email == "old@county.test"

    assert visitor.post(link).status_code == 200
    someone.user.refresh_from_db()
    assert someone.user.email == "new@county.test"
    # The link works once: the address it was sent from has changed.
    assert visitor.post(link).status_code == 400


def test_a_link_that_was_altered_or_is_too_old_changes_nothing(county, bureau_hr, edit):
    someone = person_in(county.section_a1, user__email="old@county.test")
    edit(bureau_hr, someone, email="new@county.test")
    link = link_in(mail.outbox[0])
    visitor = Client()

    tampered = link[:-3] + ("AAA" if not link.endswith("AAA/") else "BBB") + "/"
    assert visitor.post(tampered).status_code == 400
    with time_machine.travel("2099-01-01"):
        assert visitor.post(link).status_code == 400
    someone.user.refresh_from_db()
    assert someone.user.email == "old@county.test"


def test_a_stale_link_cannot_undo_a_later_change(county, bureau_hr, edit):
    someone = person_in(county.section_a1, user__email="first@county.test")
    edit(bureau_hr, someone, email="second@county.test")
    first_link = link_in(mail.outbox[0])
    Client().post(first_link)
    someone.user.refresh_from_db()
    edit(bureau_hr, someone, email="third@county.test")
    Client().post(link_in(mail.outbox[2]))
    someone.user.refresh_from_db()
    assert someone.user.email == "third@county.test"
    # Replaying the first link would set "second" again: refused.
    assert Client().post(first_link).status_code == 400


def test_the_back_office_password_reset_is_not_offered(client):
    assert client.get("/admin/password_reset/").status_code == 404


def test_the_batch_rule_agrees_with_the_single_one(county):
    """accounts_above (what a roster import uses) and account_powers_missing (the
    person screens) are one rule: they agree on every kind of account."""
    from learning import policy

    hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    plain = person_in(county.section_a1).user
    leader_inside = scoped_user(RoleScope.Role.LEADER, county.section_a1).user
    hr_above = scoped_user(RoleScope.Role.HR, county.county).user
    admin = person_in(county.section_a1).user
    admin.is_superuser = True
    admin.save()
    editor = person_in(county.section_a1).user
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    peer = scoped_user(RoleScope.Role.HR, county.section_a2).user
    everyone = [hr, plain, leader_inside, hr_above, admin, editor, peer]

    above = policy.accounts_above(hr, [user.pk for user in everyone])

    assert above == {hr_above.pk, admin.pk, editor.pk}
    for user in everyone:
        assert (user.pk in above) == bool(policy.account_powers_missing(hr, user))


# The same rule through a roster import ----------------------------------------------


def roster_of(rows):
    from learning.roster.services import roster_check  # noqa: PLC0415

    def checked(actor, *, full_roster=False):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["工号", "姓名", "部门", "邮箱"])
        writer.writerows(rows)
        return roster_check(
            actor=actor,
            content=buffer.getvalue().encode(),
            file_name="r.csv",
            full_roster=full_roster,
        )

    return checked


def test_a_roster_cannot_repoint_or_drop_the_county_officer(county, county_officer):
    bureau_hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    check = roster_of(
        [
            [
                county_officer.employee_number,
                county_officer.full_name,
                county.bureau_a.code,
                "attacker@evil.test",
            ],
            [bureau_hr.learner_profile.employee_number, "HR", county.bureau_a.code, ""],
        ]
    )
    checked = check(bureau_hr)
    errors = [line for line in checked.report["lines"] if line[4] == "error"]
    assert len(errors) == 1 and errors[0][1] == county_officer.employee_number

    # Left out of a full roster: not recorded as a leaver either.
    full = roster_of(
        [[bureau_hr.learner_profile.employee_number, "HR", county.bureau_a.code, ""]]
    )(bureau_hr, full_roster=True)
    numbers = {line[1]: line[4] for line in full.report["lines"]}
    assert numbers[county_officer.employee_number] == "error"


def test_a_roster_email_for_a_colleague_waits_for_their_confirmation(
    county, django_capture_on_commit_callbacks
):
    from learning.roster.apply import roster_apply  # noqa: PLC0415

    bureau_hr = scoped_user(RoleScope.Role.HR, county.bureau_a).user
    colleague = person_in(county.section_a1, user__email="old@county.test")
    checked = roster_of(
        [
            [
                colleague.employee_number,
                colleague.full_name,
                county.section_a1.code,
                "new@county.test",
            ]
        ]
    )(bureau_hr)
    with django_capture_on_commit_callbacks(execute=True):
        roster_apply(roster_import=checked)
    colleague.user.refresh_from_db()
    assert colleague.user.email == "old@county.test"
    assert [message.to for message in mail.outbox] == [
        ["new@county.test"],
        ["old@county.test"],
    ]
