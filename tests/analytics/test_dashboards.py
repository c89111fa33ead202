"""Leaders' dashboards on a hand-computed county (tests/analytics/conftest.py):
the exact figures of every page and export, scope and small-cell rules, bad input,
live updates and query counts."""

from __future__ import annotations

import csv
import datetime
import io

import pandas as pd
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from analytics.gaps import gap_counts
from analytics.scope import dashboard_scope
from assessments.services.evidence import evidence_record
from learning.models import RoleScope
from tests import factories
from tests.analytics.conftest import TODAY, at

pytestmark = pytest.mark.django_db


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def get(user, name, language="en", **params):
    return client_for(user, language).get(reverse(f"analytics:{name}"), params)


def cells(response):
    """The heatmap as {(row label, competency code): cell text}."""
    heatmap = response.context["heatmap"]
    result = {}
    for row in heatmap.rows:
        label = row.department.name + (" (own)" if row.unit_only else "")
        for column, cell in row.pairs:
            result[(label, column.code)] = (
                "—" if cell.hidden else (cell.percent, cell.people, cell.shortfall)
            )
    return result


# The gap counts ---------------------------------------------------------------------


def test_gap_counts_match_the_hand_computed_table(dashboard_county, on_today):
    c = dashboard_county
    frame = gap_counts(c.tree.county, now=at(TODAY))
    by_unit = {
        (row.department_id, row.competency_id): (row.people, row.met, row.shortfall)
        for row in frame.itertuples()
    }
    t = c.tree
    assert by_unit == {
        (t.section_a1.pk, c.eg11.pk): (3, 1, 3),  # a1p2 short 1, a1p3 expired short 2
        (t.section_a1.pk, c.eg41.pk): (3, 1, 3),
        (t.section_a2.pk, c.eg11.pk): (2, 1, 2),  # moved meets A's override (2)
        (t.section_a2.pk, c.eg41.pk): (2, 1, 2),
        (t.section_b1.pk, c.eg11.pk): (2, 1, 1),  # county-wide target 3
        (t.section_b1.pk, c.eg41.pk): (2, 2, 0),
        (t.township_office.pk, c.eg11.pk): (1, 0, 3),
        (t.township_office.pk, c.eg41.pk): (1, 0, 2),
    }


def test_heatmap_for_county_hr_shows_every_unit_worst_first(dashboard_county, on_today):
    c = dashboard_county
    response = get(c.county_hr, "gaps", department=c.tree.county.pk)
    assert response.status_code == 200
    assert cells(response) == {
        ("行政审批服务局", "EG-1.1"): (40, 5, 5),
        ("行政审批服务局", "EG-4.1"): (40, 5, 5),
        ("财政局", "EG-1.1"): (50, 2, 1),
        ("财政局", "EG-4.1"): (100, 2, 0),
        ("青石镇", "EG-1.1"): (0, 1, 3),
        ("青石镇", "EG-4.1"): (0, 1, 2),
    }
    order = [row.department.name for row in response.context["heatmap"].rows]
    assert order == ["青石镇", "行政审批服务局", "财政局"]
    # Mean shortfall of those below: A's EG-1.1 is 5 levels over 3 people.
    row = response.context["heatmap"].rows[1]
    assert row.cells[0].mean_shortfall == pytest.approx(5 / 3)


def test_a_leader_above_a_small_unit_sees_a_dash(dashboard_county, on_today):
    c = dashboard_county
    county_view = cells(get(c.county_leader, "gaps", department=c.tree.county.pk))
    assert county_view[("财政局", "EG-1.1")] == "—"  # two people
    assert county_view[("青石镇", "EG-4.1")] == "—"  # one person
    assert county_view[("行政审批服务局", "EG-1.1")] == (40, 5, 5)
    # Bureau A's leader: section A2 has two people and its own leader is not them;
    # with A1 the only other unit, A1 is hidden too, or the bureau's total minus
    # A1 would give A2 away.
    a_response = get(c.leader_a, "gaps", department=c.tree.bureau_a.pk)
    a_view = cells(a_response)
    assert a_view[("审批管理科", "EG-1.1")] == "—"
    assert a_view[("窗口服务科", "EG-1.1")] == "—"
    assert all(row.total.hidden for row in a_response.context["heatmap"].rows)
    assert not a_response.context["heatmap"].total[0].hidden  # the bureau: 5
    # The bureau's leader is not the section's own leader; the section's is, and
    # county HR is.
    b_view = cells(get(c.leader_b, "gaps", department=c.tree.bureau_b.pk))
    assert b_view[("预算科", "EG-1.1")] == "—"
    head = factories.scoped_user(RoleScope.Role.LEADER, c.tree.section_b1).user
    own_view = cells(get(head, "gaps", department=c.tree.section_b1.pk))
    assert own_view[("预算科 (own)", "EG-1.1")] == (50, 2, 1)
    hr_view = cells(get(c.county_hr, "gaps", department=c.tree.bureau_b.pk))
    assert hr_view[("预算科", "EG-1.1")] == (50, 2, 1)


def test_area_columns_count_targets_in_the_area(dashboard_county, on_today):
    c = dashboard_county
    response = get(c.county_hr, "gaps", department=c.tree.county.pk, by="area")
    heatmap = response.context["heatmap"]
    assert len(heatmap.columns) == 2  # EG-1 and EG-4 areas
    total = {
        col.code: (cell.people, cell.met)
        for col, cell in zip(heatmap.columns, heatmap.total, strict=True)
    }
    assert sorted(total.values()) == [(8, 3), (8, 4)]


def test_drill_down_lists_the_people_below_target(dashboard_county, on_today):
    c = dashboard_county
    response = get(
        c.county_hr,
        "gap_people",
        department=c.tree.bureau_a.pk,
        cell=c.tree.section_a1.pk,
        competency=c.eg11.pk,
    )
    assert response.status_code == 200
    rows = [
        (g.profile.employee_number, g.level, g.target)
        for g in response.context["people"]
    ]
    assert rows == [("a1p3", 0, 2), ("a1p2", 1, 2)]
    assert "测试a1p3" in response.content.decode()


def test_recorded_evidence_shows_on_the_next_request(dashboard_county, on_today):
    c = dashboard_county
    before = cells(get(c.county_hr, "gaps", department=c.tree.county.pk))
    assert before[("青石镇", "EG-1.1")] == (0, 1, 3)
    evidence_record(
        learner=c.people["t1p1"].user, competency=c.eg11, level=3, kind="prior"
    )
    after = cells(get(c.county_hr, "gaps", department=c.tree.county.pk))
    assert after[("青石镇", "EG-1.1")] == (100, 1, 0)


# Overview and hours -----------------------------------------------------------------


def test_overview_headline_figures(dashboard_county, on_today):
    c = dashboard_county
    response = get(c.county_hr, "dashboard", department=c.tree.county.pk)
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.staff == 12  # 8 with targets + HR + 3 leaders
    hours = overview.hours.total
    assert hours.median == 0
    assert hours.on_pace == 1
    # Short of 50 with no pace to close it: all but a1p1 (May) and a1p3 (June).
    assert hours.at_risk == 10
    gaps = [(g.competency.code, g.cell.below) for g in overview.gaps]
    assert gaps == [("EG-1.1", 5), ("EG-4.1", 4)]


def test_hours_rows_per_unit(dashboard_county, on_today):
    c = dashboard_county
    response = get(c.county_hr, "hours", department=c.tree.bureau_a.pk)
    report = response.context["result"].report
    rows = {(r.department.name, r.unit_only): r for r in report.rows}
    a1 = rows[("窗口服务科", False)]
    assert (a1.people, a1.median, a1.on_pace, a1.at_risk) == (3, 20, 1, 1)
    assert a1.bands == [0, 2, 1, 0, 0]  # 20/50 twice (25–50 %), 30/50 (50–75 %)
    assert report.expected_now == pytest.approx(50 * 182 / 365)


# Exports ----------------------------------------------------------------------------


def test_heatmap_exports_open_in_pandas_with_the_page_numbers(
    dashboard_county, on_today
):
    c = dashboard_county
    client = client_for(c.county_hr, "zh-hans")
    url = reverse("analytics:gaps")
    params = {"department": c.tree.county.pk, "export": "gaps"}
    xlsx = client.get(url, params | {"format": "xlsx"})
    assert xlsx.status_code == 200
    frame = pd.read_excel(io.BytesIO(xlsx.content), engine="openpyxl")
    assert list(frame.iloc[:, 0]) == [
        "测试县 / 青石镇",
        "测试县 / 行政审批服务局",
        "测试县 / 财政局",
    ]
    assert frame.iloc[1, 1] == 40  # a number, not text
    csv_response = client.get(url, params | {"format": "csv"})
    body = b"".join(csv_response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[2][:2] == ["测试县 / 行政审批服务局", "40"]


def test_a_department_name_that_looks_like_a_formula_is_neutralised(
    dashboard_county, on_today
):
    c = dashboard_county
    c.tree.section_b1.name = '=HYPERLINK("http://x","y")'
    c.tree.section_b1.save()
    response = client_for(c.county_hr, "zh-hans").get(
        reverse("analytics:gaps"),
        {"department": c.tree.bureau_b.pk, "export": "gaps", "format": "xlsx"},
    )
    frame = pd.read_excel(io.BytesIO(response.content), engine="openpyxl")
    # Only a cell that starts with "=" runs; the path starts with the county.
    assert frame.iloc[0, 0] == '测试县 / 财政局 / =HYPERLINK("http://x","y")'
    c.tree.county.name = "=1+1"
    c.tree.county.save()
    response = client_for(c.county_hr, "zh-hans").get(
        reverse("analytics:gaps"),
        {"department": c.tree.bureau_b.pk, "export": "gaps", "format": "xlsx"},
    )
    workbook = load_workbook(io.BytesIO(response.content))
    cell = workbook.active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=1+1 / 财政局")


# Scope and bad input ----------------------------------------------------------------

PAGES = ["dashboard", "gaps", "compliance", "hours", "effect", "trends"]


@pytest.mark.parametrize("name", PAGES)
def test_a_department_outside_the_scope_is_404(dashboard_county, name):
    c = dashboard_county
    assert get(c.leader_a, name, department=c.tree.bureau_a.pk).status_code == 200
    assert get(c.leader_a, name, department=c.tree.bureau_b.pk).status_code == 404
    assert get(c.leader_a, name, department=c.tree.county.pk).status_code == 404
    export = {"export": "x", "format": "csv"}
    assert (
        get(c.leader_a, name, department=c.tree.bureau_b.pk, **export).status_code
        == 404
    )


@pytest.mark.parametrize(
    "params",
    [
        {"department": "abc"},
        {"department": "999999"},
        {"department": "１２"},
        {"department": ["1", "2"]},
        {"by": "nonsense"},
        {"export": "gaps", "format": "pdf"},
        {"export": "no-such-table"},
    ],
)
def test_bad_parameters_are_a_clear_404_never_a_500(dashboard_county, params):
    c = dashboard_county
    response = get(c.county_hr, "gaps", **params)
    assert response.status_code == 404


def test_drill_down_outside_the_chosen_department_is_404(dashboard_county):
    c = dashboard_county
    for cell, competency in [
        (c.tree.section_b1.pk, c.eg11.pk),
        (c.tree.section_a1.pk, 999999),
        ("x", c.eg11.pk),
    ]:
        response = get(
            c.leader_a,
            "gap_people",
            department=c.tree.bureau_a.pk,
            cell=cell,
            competency=competency,
        )
        assert response.status_code == 404


def test_learners_have_no_dashboard(dashboard_county):
    learner = dashboard_county.people["a1p1"].user
    assert get(learner, "dashboard").status_code in (403, 404)
    assert get(learner, "gaps").status_code in (403, 404)


def test_a_leader_of_two_bureaus_picks_either(dashboard_county):
    c = dashboard_county
    RoleScope.objects.create(
        user=c.leader_a, role=RoleScope.Role.LEADER, department=c.tree.bureau_b
    )
    response = get(c.leader_a, "dashboard")
    picker = [d.name for d in response.context["scope"].departments]
    assert "行政审批服务局" in picker and "财政局" in picker and "测试县" not in picker
    assert (
        get(c.leader_a, "dashboard", department=c.tree.bureau_b.pk).status_code == 200
    )


def test_pages_render_in_chinese(dashboard_county, on_today):
    c = dashboard_county
    for name in PAGES:
        response = get(
            c.county_hr, name, language="zh-hans", department=c.tree.county.pk
        )
        assert response.status_code == 200, name
        assert '<html lang="zh-hans"' in response.content.decode().lower()


# Query counts -----------------------------------------------------------------------


def _queries(user, name, **params) -> int:
    client = client_for(user)
    client.get(reverse(f"analytics:{name}"), params)  # warm caches (session, nav)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(f"analytics:{name}"), params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_queries_do_not_grow_with_departments_or_people(
    dashboard_county, name, on_today
):
    c = dashboard_county
    before = _queries(c.county_hr, name, department=c.tree.county.pk)
    for index in range(4):
        unit = factories.DepartmentFactory(
            parent=c.tree.township, name=f"新单位{index}"
        )
        for _person in range(3):
            person = factories.person_in(unit, position=c.position)
            evidence_record(
                learner=person.user, competency=c.eg41, level=2, kind="prior"
            )
    after = _queries(c.county_hr, name, department=c.tree.county.pk)
    assert after == before


def test_scope_resolves_the_first_root_by_default(dashboard_county, rf):
    c = dashboard_county
    request = rf.get("/dashboard/")
    scope = dashboard_scope(c.leader_a, request.GET)
    assert scope.department == c.tree.bureau_a
    assert [d.name for d in scope.children] == ["窗口服务科", "审批管理科"]
    assert scope.today <= datetime.date.today() + datetime.timedelta(days=1)


def test_a_past_moment_counts_the_evidence_of_then(dashboard_county, on_today):
    """A report on an earlier month: a1p3's level-4 evidence still counted a year
    ago (it expired since), and the evidence recorded 30 days ago did not yet."""
    c = dashboard_county
    then = at(TODAY) - datetime.timedelta(days=300)
    frame = gap_counts(c.tree.bureau_a, now=then, past=True)
    row = frame[
        (frame.department_id == c.tree.section_a1.pk)
        & (frame.competency_id == c.eg11.pk)
    ].iloc[0]
    # a1p3 met (4 ≥ 2); a1p1 and a1p2 had no evidence yet (short 2 each).
    assert (row.people, row.met, row.shortfall) == (3, 1, 4)
    now_row = gap_counts(c.tree.bureau_a, now=at(TODAY))
    now_row = now_row[
        (now_row.department_id == c.tree.section_a1.pk)
        & (now_row.competency_id == c.eg11.pk)
    ].iloc[0]
    assert (now_row.people, now_row.met, now_row.shortfall) == (3, 1, 3)


def test_a_hidden_cell_has_no_drill_down_for_a_leader_above(dashboard_county):
    c = dashboard_county
    params = {
        "department": c.tree.county.pk,
        "cell": c.tree.bureau_b.pk,
        "competency": c.eg11.pk,
    }
    for name in ("gap_people", "gap_action"):
        assert get(c.county_leader, name, **params).status_code == 404
        assert get(c.county_hr, name, **params).status_code == 200
    export = params | {"export": "people", "format": "csv"}
    assert get(c.county_leader, "gap_action", **export).status_code == 404


def test_an_area_holding_a_small_competency_cell_is_hidden(dashboard_county, on_today):
    """One person in the township has EG-1.1 and EG-4.1 targets; the county
    leader must not get EG-1's figure for the township from the area view."""
    c = dashboard_county
    response = get(c.county_leader, "gaps", department=c.tree.county.pk, by="area")
    township = next(
        row
        for row in response.context["heatmap"].rows
        if row.department.name == "青石镇"
    )
    assert all(cell.hidden for cell in township.cells if cell.people)
    assert township.total.hidden
