"""One person, however the number is written: employee numbers are normalised (NFKC,
trimmed) and compared without case by every path that creates or finds a person — the
roster, HR's person form, the curricula's named individuals and sign-in — and the
database refuses a second spelling that bypasses them all."""

import csv
import io
from importlib import import_module

import pytest
from django.apps import apps as live_apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from learning.curricula.forms import CurriculumForm
from learning.models import LearnerProfile, RoleScope, RosterImport
from learning.organisation import rules
from learning.roster.apply import roster_apply
from learning.roster.services import roster_check
from tests.factories import PASSWORD, UserFactory, person_in, scoped_user

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = ["工号", "姓名", "部门", "状态"]


@pytest.fixture
def hr(county):
    return scoped_user(RoleScope.Role.HR, county.county).user


def roster(actor, rows, **options) -> RosterImport:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return roster_check(
        actor=actor, content=buffer.getvalue().encode(), file_name="r.csv", **options
    )


def errors_of(checked: RosterImport) -> list[str]:
    return [error for line in checked.report["lines"] for error in line[6]]


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("QX００２５３", "QX00253"),
        ("ｑｘ00253", "QX00253"),
        ("  qx00253\u3000", "QX00253"),
        ("ＱＸ－００２５３", "QX-00253"),
        ("００１２", "0012"),
    ],
)
def test_the_key_is_nfkc_trimmed_and_upper_case(typed, key):
    assert rules.employee_number_key(typed) == key


def test_a_stored_number_keeps_its_case_but_loses_its_width():
    assert rules.employee_number_clean(" ｑｘ００２５３ ") == "qx00253"
    assert rules.employee_number_clean("００１２") == "0012"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("李　忠", "李忠"),
        ("李 忠", "李忠"),
        ("欧阳  娜", "欧阳娜"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("Zhang  Wei", "Zhang Wei"),
        ("Ｚｈａｎｇ Ｗｅｉ", "Zhang Wei"),
        ("Anna 李", "Anna 李"),
        ("王䶮", "王䶮"),
    ],
)
def test_chinese_names_lose_their_aligning_spaces_latin_names_keep_theirs(
    typed, stored
):
    assert rules.full_name_clean(typed) == stored


@pytest.mark.parametrize("written", ["QX００２５３", "qx00253", " Qx００253 "])
def test_the_roster_finds_the_person_however_the_number_is_written(county, hr, written):
    known = person_in(county.section_a1, employee_number="QX00253", full_name="李忠")
    checked = roster(hr, [[written, "李　忠", "CTY-A-1", "在职"]])
    assert errors_of(checked) == []
    assert checked.report["counts"]["create"] == 0
    assert checked.report["counts"]["unchanged"] == 1
    roster_apply(roster_import=checked)
    people = LearnerProfile.objects.exclude(user=hr)
    assert list(people.values_list("pk", "full_name")) == [(known.pk, "李忠")]
    assert not User.objects.filter(username__iexact="qx00253").exclude(pk=known.user_id)


def test_two_spellings_of_one_number_in_a_file_are_one_person_twice(county, hr):
    checked = roster(
        hr,
        [
            ["QX00253", "李忠", "CTY-A-1", ""],
            ["ｑｘ００２５３", "李忠", "CTY-A-1", ""],
        ],
    )
    assert any("row 2" in error.lower() or "2" in error for error in errors_of(checked))
    assert checked.report["counts"]["errors"] == 1


def test_a_full_roster_keeps_a_person_written_in_another_width(county, hr):
    known = person_in(county.section_a1, employee_number="QX00253")
    hr_profile = LearnerProfile.objects.get(user=hr)
    checked = roster(
        hr,
        [
            ["ＱＸ００２５３", known.full_name, "CTY-A-1", ""],
            [hr_profile.employee_number.lower(), hr_profile.full_name, "CTY", ""],
        ],
        full_roster=True,
    )
    assert errors_of(checked) == []
    assert checked.report["counts"]["deactivate"] == 0


def test_a_new_persons_account_is_named_by_the_normalised_number(county, hr):
    roster_apply(roster_import=roster(hr, [["ｑｘ００１２", "钱新", "CTY-A-1", ""]]))
    created = LearnerProfile.objects.get(employee_number="qx0012")
    assert created.user.username == "qx0012"


def test_hr_form_refuses_a_number_that_differs_only_in_case(county, client, hr):
    person_in(county.section_a1, employee_number="QX00253")
    client.force_login(hr)
    before = LearnerProfile.objects.count()
    response = client.post(
        reverse("people:add"),
        {
            "employee_number": "ｑｘ００２５３",
            "full_name": "李忠",
            "department": county.section_a1.pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "qx00253" in errors["employee_number"][0]
    assert "__all__" not in errors
    assert LearnerProfile.objects.count() == before


def test_the_database_refuses_a_second_spelling_written_past_the_rules(county):
    known = person_in(county.section_a1, employee_number="QX00253")
    for spelling in ("qx00253", "QX００２５３", "QX00253 "):
        with pytest.raises(IntegrityError), transaction.atomic():
            LearnerProfile.objects.create(
                user=UserFactory(),
                employee_number=spelling,
                full_name="复制",
                department=known.department,
            )
    assert LearnerProfile.objects.filter(department=known.department).count() == 1


def test_the_key_in_python_and_in_sql_agree(county):
    numbers = ["QX00253", "qx-7", "a.b@c+d_e", "清溪001", "Ab"]
    for number in numbers:
        person_in(county.section_a1, employee_number=number)
    for number in numbers:
        for typed in (number.lower(), number.upper(), f" {number} "):
            found = rules.with_employee_numbers(LearnerProfile.objects.all(), [typed])
            assert list(found.values_list("employee_number", flat=True)) == [number]


def test_curriculum_individuals_are_found_in_any_width(county):
    person = person_in(county.section_a1, employee_number="QX00253")
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    form = CurriculumForm(data={"individual_numbers": "ｑｘ００２５３"}, for_user=hr)
    form.cleaned_data = {"individual_numbers": ["ｑｘ００２５３", "QX00253"]}
    assert form._people("individual_numbers") == [person]


@pytest.mark.parametrize("typed", ["QX00253", "ｑｘ００２５３", " qx00253 "])
def test_a_person_signs_in_with_the_number_however_typed(county, client, typed):
    person = person_in(county.section_a1, employee_number="QX00253")
    person.user.username = "QX00253"
    person.user.set_password(PASSWORD)
    person.user.save()
    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == person.user_id


def test_an_exact_account_name_wins_over_a_number(county):
    person_in(county.section_a1, employee_number="QX1", user__username="QX1")
    other = UserFactory(username="qx1")
    assert rules.sign_in_name("qx1") == other.username
    assert rules.sign_in_name("ｑｘ1") == "QX1"
    assert rules.sign_in_name("nobody") == "nobody"


@pytest.mark.django_db(transaction=True)
def test_the_migration_normalises_existing_numbers_and_renumbers_clashes():
    """Rows written before the rule: normalised, accounts renamed with them, and a
    second spelling of a number kept (renumbered) rather than merged or lost."""
    before = [("learning", "0008_rosterimport_claim")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Department = old.get_model("learning", "Department")
    Profile = old.get_model("learning", "LearnerProfile")
    OldUser = old.get_model("auth", "User")
    unit = Department.objects.create(
        path="0001", depth=1, code="T", name="县", kind="county"
    )
    for number in ("QX00253", "ＱＸ００２５３", "Ｅ１ "):
        Profile.objects.create(
            user=OldUser.objects.create(username=number),
            employee_number=number,
            full_name="某人",
            department=unit,
        )
    module = import_module("learning.migrations.0009_employee_number_key")
    assert module.Migration.dependencies[0] == before[0]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("learning", "0009_employee_number_key")])
    new = (
        MigrationExecutor(connection)
        .loader.project_state([("learning", "0009_employee_number_key")])
        .apps
    )
    stored = dict(
        new.get_model("learning", "LearnerProfile").objects.values_list(
            "user__username", "employee_number"
        )
    )
    assert stored["QX00253"] == "QX00253"
    duplicate = stored["ＱＸ００２５３"]  # its account name is left as it was
    assert duplicate.startswith("QX00253-DUP")
    assert stored["E1"] == "E1"  # renamed with its account
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert live_apps.get_model("learning", "LearnerProfile")
