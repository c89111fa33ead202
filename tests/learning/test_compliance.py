"""HR compliance screens: counts per status over current cycles, scoped by
learning.policy; the people list with remind/exempt for HR and read-only for
leaders; CSV/XLSX exports; a constant number of queries whatever the headcount."""

import csv
import datetime
import io
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from learning.curricula import compliance_admin
from learning.curricula.compliance import (
    compliance_people,
    compliance_summary,
)
from learning.curricula.services import assignment_exempt
from learning.curricula.status import COMPLIANCE_STATUSES
from learning.curricula.sync import assignments_sync
from learning.models import (
    Assignment,
    AssignmentReminder,
    Curriculum,
    Notification,
    RoleScope,
)
from tests import factories
from tests.learning.test_curricula import complete, keys, make_curriculum


def reminders():
    """The reminders (automatic or HR's), not the other notifications."""
    return Notification.objects.filter(kind__startswith="assignment_reminder")


pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
FORMULA_NAME = '=HYPERLINK("http://x","y")'


def assert_denied(response):
    """Wagtail's admin answers a PermissionDenied with a redirect to its dashboard."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home")


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def with_admin_access(profile):
    """Leaders have no back office by default; these tests give one the admin
    entry permission to show that the screens stay read-only for them."""
    profile.user.user_permissions.add(
        Permission.objects.get(
            codename="access_admin", content_type__app_label="wagtailadmin"
        )
    )
    return profile


@dataclass
class World:
    county: object
    curriculum: Curriculum
    hr_county: object
    hr_a: object
    leader_a: object
    overdue: object
    in_progress: object
    not_started: object
    completed: object
    exempt: object
    outsider: object
    township: object


@pytest.fixture
def world(county):
    """Bureau A: one person per status; bureau B and the township: one each."""
    hr_county = factories.scoped_user(RoleScope.Role.HR, county.county)
    hr_a = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    leader_a = with_admin_access(
        factories.scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    )
    overdue = factories.person_in(county.section_a1, full_name=FORMULA_NAME)
    in_progress = factories.person_in(county.section_a1, full_name="李进行")
    not_started = factories.person_in(county.section_a2, full_name="王未始")
    completed = factories.person_in(county.bureau_a, full_name="张完成")
    exempt = factories.person_in(county.bureau_a, full_name="赵豁免")
    outsider = factories.person_in(county.section_b1, full_name="钱局外")
    township = factories.person_in(county.township_office, full_name="孙镇上")
    curriculum = make_curriculum(
        county.county,
        courses=2,
        status=Curriculum.Status.ACTIVE,
        departments=[county.county],
        excluded_people=[hr_county, hr_a, leader_a],
    )
    assignments_sync()
    today = timezone.localdate()
    rows = Assignment.objects.filter(curriculum=curriculum)
    rows.filter(profile=in_progress).update(started_at=timezone.now())
    for key in keys(curriculum):
        complete(completed.user, key)
    assignments_sync()
    # Overdue by hand (the sync would put the rule's dates back).
    rows.filter(profile=overdue).update(due_on=today - 2 * DAY, overdue_on=today)
    assignment_exempt(
        actor=hr_county.user, assignment=rows.get(profile=exempt), reason="长期病假"
    )
    return World(
        county,
        curriculum,
        hr_county,
        hr_a,
        leader_a,
        overdue,
        in_progress,
        not_started,
        completed,
        exempt,
        outsider,
        township,
    )


def counts_of(row) -> dict:
    counts = row.counts
    return {
        "assigned": counts.assigned,
        "completed": counts.completed,
        "in_progress": counts.in_progress,
        "not_started": counts.not_started,
        "overdue": counts.overdue,
        "exempt": counts.exempt,
    }


def assignment_of(world, profile) -> Assignment:
    return Assignment.objects.get(curriculum=world.curriculum, profile=profile)


# Counts ---------------------------------------------------------------------------


def test_counts_per_status_drill_down_the_tree(world):
    today = timezone.localdate()
    county = world.county
    top = compliance_summary(user=world.hr_county.user, today=today)
    # One scope root: the table starts at its units.
    assert top.department == county.county
    # Units that need attention first: the bureau with someone overdue, then those
    # with people not started (tree order between equals), the county's own people
    # (nobody assigned) last.
    assert [(r.department, r.unit_only) for r in top.by_department] == [
        (county.bureau_a, False),
        (county.bureau_b, False),
        (county.township, False),
        (county.county, True),
    ]
    assert counts_of(top.by_department[0]) == {
        "assigned": 5,
        "completed": 1,
        "in_progress": 1,
        "not_started": 1,
        "overdue": 1,
        "exempt": 1,
    }
    assert top.by_department[3].counts.assigned == 0
    assert top.by_department[1].counts.not_started == 1
    assert [r.has_children for r in top.by_department] == [True, True, True, False]
    assert counts_of(top.by_curriculum[0]) == {
        "assigned": 7,
        "completed": 1,
        "in_progress": 1,
        "not_started": 3,
        "overdue": 1,
        "exempt": 1,
    }
    assert top.total.assigned == 7
    assert top.total.completion_percent == round(100 * 1 / 6)

    summary = compliance_summary(
        user=world.hr_county.user, today=today, department=county.bureau_a
    )
    rows = {
        (r.department.code, r.unit_only): counts_of(r) for r in summary.by_department
    }
    assert rows[("CTY-A", True)] == {
        "assigned": 2,
        "completed": 1,
        "in_progress": 0,
        "not_started": 0,
        "overdue": 0,
        "exempt": 1,
    }
    assert rows[("CTY-A-1", False)]["overdue"] == 1
    assert rows[("CTY-A-1", False)]["in_progress"] == 1
    assert rows[("CTY-A-2", False)]["not_started"] == 1
    assert summary.total.assigned == 5
    assert summary.by_curriculum[0].counts.assigned == 5
    # The summary's counts and the people list agree, status by status.
    for status in COMPLIANCE_STATUSES:
        listed = compliance_people(
            user=world.hr_county.user,
            today=today,
            department=county.bureau_a,
            status=status,
        ).count()
        assert listed == getattr(summary.total, status)


def test_overdue_starts_on_the_overdue_date(world):
    row = assignment_of(world, world.not_started)
    row.overdue_on = timezone.localdate() + DAY
    row.save(update_fields=["overdue_on"])
    user = world.hr_county.user
    today = timezone.localdate()
    assert compliance_summary(user=user, today=today).total.overdue == 1
    tomorrow = compliance_summary(user=user, today=today + DAY)
    assert tomorrow.total.overdue == 2


def test_only_the_current_cycle_counts(county):
    hr = factories.scoped_user(RoleScope.Role.HR, county.county)
    curriculum = make_curriculum(
        county.county, status=Curriculum.Status.ACTIVE, recurrence_months=12
    )
    today = timezone.localdate()
    people = [factories.person_in(county.section_a1) for _i in range(4)]

    def cycle(person, number, state, *, current=True, **fields):
        return Assignment.objects.create(
            curriculum=curriculum,
            learner=person.user,
            profile=person,
            cycle=number,
            state=state,
            starts_on=today - 400 * DAY,
            due_on=today + 30 * DAY,
            overdue_on=today + 31 * DAY,
            assigned_at=timezone.now(),
            is_current=current,  # as the sync keeps it: the latest cycle only
            **fields,
        )

    State = Assignment.State
    cycle(people[0], 1, State.EXPIRED, current=False)  # replaced, unfinished
    cycle(people[0], 2, State.OPEN)
    cycle(people[1], 1, State.COMPLETED, current=False)
    cycle(people[1], 2, State.OPEN, courses_done=1)
    cycle(people[2], 1, State.CLOSED)  # no longer assigned
    cycle(people[3], 1, State.COMPLETED, current=False)
    cycle(people[3], 2, State.CLOSED)  # left the audience: not counted any more
    summary = compliance_summary(user=hr.user, today=today)
    assert counts_of(summary.by_curriculum[0]) == {
        "assigned": 2,
        "completed": 0,
        "in_progress": 1,
        "not_started": 1,
        "overdue": 0,
        "exempt": 0,
    }
    listed = compliance_people(user=hr.user, today=today)
    assert sorted((r.profile_id, r.cycle) for r in listed) == sorted(
        [(people[0].pk, 2), (people[1].pk, 2)]
    )


def test_leavers_and_draft_curricula_do_not_count(world):
    world.township.is_active = False
    world.township.save(update_fields=["is_active"])
    make_curriculum(world.county.county, departments=[world.county.county])
    summary = compliance_summary(user=world.hr_county.user, today=timezone.localdate())
    assert summary.total.assigned == 6
    assert [r.curriculum for r in summary.by_curriculum] == [world.curriculum]


# Scope ----------------------------------------------------------------------------


def test_bureau_hr_sees_only_its_subtree(world):
    summary = compliance_summary(user=world.hr_a.user, today=timezone.localdate())
    # Attention first: the section with someone overdue, the one with someone not
    # started, then the bureau's own people (all done or exempt).
    assert [r.department for r in summary.by_department] == [
        world.county.section_a1,
        world.county.section_a2,
        world.county.bureau_a,
    ]
    assert summary.total.assigned == 5
    client = client_for(world.hr_a.user)
    body = client.get(reverse("compliance:people")).content.decode()
    assert "李进行" in body and "王未始" in body
    assert "钱局外" not in body and "孙镇上" not in body
    page = client.get(reverse("compliance:index")).content.decode()
    # Bureau B is neither a row nor a filter choice, in either language.
    assert world.county.section_a1.display_name in page
    assert world.county.bureau_b.display_name not in page
    assert "财政局" not in page


@pytest.mark.parametrize("name", ["compliance:index", "compliance:people"])
def test_an_out_of_scope_department_in_the_url_is_not_found(world, name):
    client = client_for(world.hr_a.user)
    url = reverse(name)
    response = client.get(url, {"department": world.county.bureau_b.pk})
    assert response.status_code == 404
    assert "钱局外" not in response.content.decode()
    assert client.get(url, {"department": "x"}).status_code == 404
    other = make_curriculum(world.county.bureau_b, status=Curriculum.Status.ACTIVE)
    assert client.get(url, {"curriculum": other.pk}).status_code == 404


def test_out_of_scope_exports_and_actions_are_refused(world):
    client = client_for(world.hr_a.user)
    export = reverse("compliance:export", args=["csv"])
    response = client.get(export, {"department": world.county.bureau_b.pk})
    assert response.status_code == 404
    outside = assignment_of(world, world.outsider)
    exempt = reverse("compliance:exempt", args=[outside.pk])
    assert client.post(exempt, {"reason": "x"}).status_code == 404
    remind = reverse("compliance:remind")
    assert client.post(remind, {"assignment": outside.pk}).status_code == 404
    outside.refresh_from_db()
    assert outside.state == Assignment.State.OPEN
    assert not reminders().filter(user=world.outsider.user).exists()


def test_a_learner_has_no_compliance_screens(world, county):
    learner = factories.person_in(county.section_a1)
    response = client_for(learner.user).get(reverse("compliance:index"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response.url
    # An editor reaches the admin but holds no role scope: refused, no menu entry.
    with_admin_access(learner)
    client = client_for(learner.user)
    assert_denied(client.get(reverse("compliance:index")))
    assert_denied(client.get(reverse("compliance:people")))
    assert_denied(client.get(reverse("compliance:export", args=["csv"])))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("compliance:index") not in home


def test_hr_sees_the_menu_entry(world):
    home = client_for(world.hr_a.user).get(reverse("wagtailadmin_home"))
    assert reverse("compliance:index") in home.content.decode()


def test_a_leader_reads_but_cannot_remind_or_exempt(world):
    client = client_for(world.leader_a.user)
    summary = client.get(reverse("compliance:index"))
    assert summary.status_code == 200
    people = client.get(reverse("compliance:people"))
    body = people.content.decode()
    assert people.status_code == 200 and "李进行" in body
    assert 'name="assignment"' not in body and 'name="reason"' not in body
    assert "Remind everyone" not in body and "Remove exemption" not in body
    row = assignment_of(world, world.in_progress)
    assert_denied(client.post(reverse("compliance:remind"), {"assignment": row.pk}))
    assert_denied(client.post(reverse("compliance:remind"), {"all": "1"}))
    assert_denied(client.get(reverse("compliance:remind")))
    assert_denied(
        client.post(reverse("compliance:exempt", args=[row.pk]), {"reason": "x"})
    )
    row.refresh_from_db()
    assert row.state == Assignment.State.OPEN
    assert not reminders().exists()
    assert client.get(reverse("compliance:export", args=["csv"])).status_code == 200


# Screens --------------------------------------------------------------------------


def test_the_summary_links_drill_down_and_open_the_filtered_list(world):
    client = client_for(world.hr_county.user)
    response = client.get(reverse("compliance:index"))
    assert response.status_code == 200
    county = world.county
    drill = f"?department={county.bureau_a.pk}"
    body = response.content.decode()
    assert f'href="{reverse("compliance:index")}{drill}"' in body
    assert "Up one level" not in body
    below = client.get(reverse("compliance:index") + drill).content.decode()
    assert county.section_a1.display_name in below
    assert county.section_a2.display_name in below
    assert "Up one level" in below
    overdue_link = (
        reverse("compliance:people")
        + f"?department={county.section_a1.pk}&amp;status=overdue"
    )
    assert overdue_link in below
    listed = client.get(
        reverse("compliance:people"),
        {"department": county.section_a1.pk, "status": "overdue"},
    ).content.decode()
    assert "HYPERLINK" in listed and "李进行" not in listed
    assert "compliance-overdue" in listed


def test_people_list_searches_and_filters_the_unit_itself(world):
    client = client_for(world.hr_county.user)
    url = reverse("compliance:people")
    by_name = client.get(url, {"q": "进行"}).content.decode()
    assert "李进行" in by_name and "王未始" not in by_name
    number = world.not_started.employee_number
    by_number = client.get(url, {"q": number}).content.decode()
    assert "王未始" in by_number and "李进行" not in by_number
    unit = client.get(
        url, {"department": world.county.bureau_a.pk, "unit": "1"}
    ).content.decode()
    assert "张完成" in unit and "李进行" not in unit


def test_people_list_paginates_by_fifty(world, county):
    for _i in range(55):
        factories.person_in(county.section_a2)
    assignments_sync()
    client = client_for(world.hr_county.user)
    first = client.get(reverse("compliance:people"))
    assert len(first.context["rows"]) == 50
    second = client.get(reverse("compliance:people"), {"page": 2})
    assert len(second.context["rows"]) == 62 - 50


# Remind now -----------------------------------------------------------------------


def test_remind_now_sends_once_a_day(world):
    client = client_for(world.hr_a.user)
    row = assignment_of(world, world.in_progress)
    url = reverse("compliance:remind")
    first = client.post(
        url, {"assignment": row.pk, "next": "/admin/compliance/people/"}
    )
    assert first.status_code == 302
    assert "Sent 1 reminder" in messages_of(first)
    assert reminders().filter(user=world.in_progress.user).count() == 1
    again = client.post(url, {"assignment": row.pk})
    assert "reminded today already" in messages_of(again)
    assert reminders().filter(user=world.in_progress.user).count() == 1
    reminder = AssignmentReminder.objects.get(assignment=row)
    assert reminder.sent_by == world.hr_a.user
    listed = client.get(reverse("compliance:people"), {"q": "李进行"})
    assert listed.context["rows"][0]["assignment"].last_reminded_at is not None
    with time_machine.travel(timezone.now() + DAY):
        client_for(world.hr_a.user).post(url, {"assignment": row.pk})
    assert reminders().filter(user=world.in_progress.user).count() == 2


def test_remind_the_filtered_list_reaches_only_that_list(world):
    client = client_for(world.hr_a.user)
    url = reverse("compliance:remind")
    confirm = client.get(url, {"status": "overdue"})
    assert confirm.status_code == 200
    assert confirm.context["to_send"] == 1
    assert "1 reminder" in confirm.content.decode()
    response = client.post(url, {"status": "overdue", "all": "1"})
    assert "Sent 1 reminder" in messages_of(response)
    assert set(reminders().values_list("user_id", flat=True)) == {
        world.overdue.user_id
    }
    # The whole bureau: the overdue person is skipped today, the others get one;
    # the completed and exempt ones and bureau B are never reminded.
    everyone = client.get(url)
    assert everyone.context["total"] == 3 and everyone.context["already"] == 1
    response = client.post(url, {"all": "1"})
    text = messages_of(response)
    assert "Sent 2 reminders" in text and "1 had been reminded today" in text
    assert set(reminders().values_list("user_id", flat=True)) == {
        world.overdue.user_id,
        world.in_progress.user_id,
        world.not_started.user_id,
    }


def test_hr_who_also_leads_elsewhere_reminds_only_the_people_they_manage(world):
    hr_b = factories.scoped_user(RoleScope.Role.HR, world.county.bureau_b)
    RoleScope.objects.create(
        user=hr_b.user, role=RoleScope.Role.LEADER, department=world.county.township
    )
    client = client_for(hr_b.user)
    response = client.post(reverse("compliance:remind"), {"all": "1"})
    assert "Sent 1 reminder" in messages_of(response)
    assert list(reminders().values_list("user_id", flat=True)) == [
        world.outsider.user_id
    ]


# Exempt ---------------------------------------------------------------------------


def test_exempt_needs_a_reason_and_can_be_removed(world):
    client = client_for(world.hr_a.user)
    row = assignment_of(world, world.not_started)
    url = reverse("compliance:exempt", args=[row.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 302
    assert "Say why the person is exempt" in messages_of(response)
    row.refresh_from_db()
    assert row.state == Assignment.State.OPEN and row.exempt_reason == ""

    response = client.post(url, {"reason": "借调省厅 / seconded"})
    assert "is exempt from" in messages_of(response)
    row.refresh_from_db()
    assert row.state == Assignment.State.EXEMPT
    assert row.exempted_by == world.hr_a.user
    listed = client.get(reverse("compliance:people"), {"status": "exempt"})
    assert "Remove exemption" in listed.content.decode()

    response = client.post(reverse("compliance:unexempt", args=[row.pk]))
    row.refresh_from_db()
    assert row.state == Assignment.State.OPEN
    assert "must complete" in messages_of(response)


def test_actions_go_back_to_the_list_but_never_off_site(world):
    client = client_for(world.hr_a.user)
    row = assignment_of(world, world.not_started)
    here = reverse("compliance:people") + "?status=not_started"
    response = client.post(
        reverse("compliance:exempt", args=[row.pk]), {"reason": "x", "next": here}
    )
    assert response.url == here
    response = client.post(
        reverse("compliance:unexempt", args=[row.pk]),
        {"next": "https://evil.example/"},
    )
    assert response.url == reverse("compliance:people")
    assert client.get(reverse("compliance:exempt", args=[row.pk])).status_code == 405


# Exports --------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_neutralises_formulas(world):
    client = client_for(world.hr_a.user)
    response = client.get(reverse("compliance:export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Employee number", "Department"]
    names = {row[0] for row in rows[1:]}
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    assert "李进行" in names
    assert "钱局外" not in names and "孙镇上" not in names
    assert len(rows) == 1 + 5
    overdue = next(row for row in rows if row[0].startswith("'="))
    assert overdue[7] == "Overdue"


def test_csv_export_follows_the_filters(world):
    client = client_for(world.hr_county.user)
    response = client.get(
        reverse("compliance:export", args=["csv"]), {"status": "exempt"}
    )
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    assert [row[0] for row in rows[1:]] == ["赵豁免"]


def test_xlsx_export_opens_and_neutralises_formulas(world):
    client = client_for(world.hr_a.user)
    response = client.get(reverse("compliance:export", args=["xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Name" and rows[0][-1] == "Last reminder sent"
    names = {row[0] for row in rows[1:]}
    assert "'" + FORMULA_NAME in names
    assert "钱局外" not in names
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s"  # text, never a formula
    assert client.get(reverse("compliance:export", args=["pdf"])).status_code == 404


def test_export_headers_follow_the_language(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.hr_a.user)
    response = client.get(reverse("compliance:export", args=["csv"]))
    data = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "李进行" in data  # Chinese names survive the round trip


# Query counts ---------------------------------------------------------------------


def grow(county, *, departments: int, people_each: int) -> None:
    """More sections under bureau A and more people in every one of them."""
    for n in range(departments):
        section = factories.DepartmentFactory(
            code=f"CTY-A-X{n}", kind="section", parent=county.bureau_a
        )
        for _i in range(people_each):
            factories.person_in(section)
    assignments_sync()


def count_queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


SUMMARY_MAX_QUERIES = 5
PEOPLE_PAGE_MAX_QUERIES = 5


def test_summary_and_list_take_a_fixed_number_of_queries(
    world, county, django_assert_max_num_queries
):
    today = timezone.localdate()

    def summary(department=None):
        user = type(world.hr_a.user).objects.get(pk=world.hr_a.user.pk)
        with django_assert_max_num_queries(SUMMARY_MAX_QUERIES):
            compliance_summary(user=user, today=today, department=department)

    def people_page():
        user = type(world.hr_a.user).objects.get(pk=world.hr_a.user.pk)
        with django_assert_max_num_queries(PEOPLE_PAGE_MAX_QUERIES):
            rows = compliance_people(user=user, today=today)
            rows.count()
            for row in rows[:50]:
                str(row.profile.department), str(row.profile.position), row.curriculum

    summary()
    summary(county.bureau_a)
    people_page()
    grow(county, departments=6, people_each=8)
    summary()
    summary(county.bureau_a)
    people_page()


@pytest.mark.parametrize(
    "name, params",
    [
        ("compliance:index", {}),
        ("compliance:index", {"department": "bureau_a"}),
        ("compliance:people", {}),
        ("compliance:remind", {}),
    ],
)
def test_screens_take_as_many_queries_for_many_people_as_for_few(
    world, county, django_assert_max_num_queries, name, params
):
    params = {k: getattr(county, v).pk for k, v in params.items()}
    client = client_for(world.hr_a.user)
    url = reverse(name)
    client.get(url, params)  # warm caches (menu, site, settings)
    few = count_queries(lambda: client.get(url, params))
    grow(county, departments=6, people_each=10)
    with django_assert_max_num_queries(few):
        response = client.get(url, params)
    assert response.status_code == 200


def test_csv_export_reads_in_chunks_not_per_person(
    world, county, django_assert_max_num_queries
):
    client = client_for(world.hr_a.user)
    url = reverse("compliance:export", args=["csv"])
    b"".join(client.get(url).streaming_content)
    few = count_queries(lambda: b"".join(client.get(url).streaming_content))
    grow(county, departments=3, people_each=10)
    with django_assert_max_num_queries(few):
        b"".join(client.get(url).streaming_content)


def test_a_large_filtered_remind_goes_to_a_task(
    world, monkeypatch, django_capture_on_commit_callbacks
):

    monkeypatch.setattr(compliance_admin, "REMIND_IN_REQUEST_MAX", 1)
    client = client_for(world.hr_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("compliance:remind"), {"all": "1"})
    assert "in the background" in messages_of(response)
    assert set(reminders().values_list("user_id", flat=True)) == {
        world.overdue.user_id,
        world.in_progress.user_id,
        world.not_started.user_id,
    }
    # Run again (a retried task): nobody is reminded twice today.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("compliance:remind"), {"all": "1"})
    assert reminders().count() == 3
