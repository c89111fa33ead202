"""Compliance by unit, the gap-to-action page and HR's draft curriculum, and the
training-effect statistics, on the hand-computed county (conftest.py)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics.effect import MIN_GAIN_PAIRS, MeanInterval, t95
from courses.models import CourseCompetency, CoursePage, Topic
from learning.curricula.services import assignment_exempt
from learning.curricula.sync import assignments_sync
from learning.models import Assignment, Curriculum, RoleScope
from tests import factories
from tests.analytics.conftest import TODAY
from tests.courses.builders import catalog, publish
from tests.learning.test_curricula import complete, keys, make_curriculum

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


# Compliance ---------------------------------------------------------------------------


@pytest.fixture
def curriculum(dashboard_county, on_today):
    """All eight people with the position: a1p1 on time, a1p2 late, a1p3 exempt,
    a2p1 overdue; the others not started."""
    c = dashboard_county
    curriculum = make_curriculum(
        c.tree.county,
        status=Curriculum.Status.ACTIVE,
        departments=[c.tree.county],
        positions=[c.position],
    )
    assignments_sync()
    for name in ("a1p1", "a1p2"):
        for key in keys(curriculum):
            complete(c.people[name].user, key)
    assignments_sync()
    rows = Assignment.objects.filter(curriculum=curriculum)
    rows.filter(profile=c.people["a1p2"]).update(due_on=TODAY - 5 * DAY)
    rows.filter(profile=c.people["a2p1"]).update(
        due_on=TODAY - 2 * DAY, overdue_on=TODAY
    )
    assignment_exempt(
        actor=c.county_hr,
        assignment=rows.get(profile=c.people["a1p3"]),
        reason="借调外单位",
    )
    return curriculum


def test_compliance_by_unit_counts_late_overdue_and_exempt(
    dashboard_county, curriculum
):
    c = dashboard_county
    response = client_for(c.county_hr).get(
        reverse("analytics:compliance"), {"department": c.tree.county.pk}
    )
    result = response.context["result"]
    total = result.summary.total
    assert (total.assigned, total.completed, total.completed_late) == (8, 2, 1)
    assert (total.overdue, total.exempt, total.completion_percent) == (1, 1, 29)
    rows = {row.department.name: row for row in result.rows}
    a = rows["行政审批服务局"].counts
    assert (a.assigned, a.completed_on_time, a.completed_late, a.overdue) == (
        5,
        1,
        1,
        1,
    )
    assert a.completion_percent == 50  # 2 of the 4 who must complete
    assert rows["行政审批服务局"].rank == 1
    # Slowest first: B and the township complete nothing.
    assert [r.department.name for r in result.rows][-1] == "行政审批服务局"


def test_compliance_export_has_the_page_numbers(dashboard_county, curriculum):
    c = dashboard_county
    response = client_for(c.county_hr, "zh-hans").get(
        reverse("analytics:compliance"),
        {"department": c.tree.county.pk, "export": "units", "format": "xlsx"},
    )
    frame = pd.read_excel(io.BytesIO(response.content), engine="openpyxl")
    a = frame[frame.iloc[:, 1] == "测试县 / 行政审批服务局"].iloc[0]
    # assigned, on time, late, in progress, not started, overdue, exempt, rate
    assert list(a.iloc[2:]) == [5, 1, 1, 0, 1, 1, 1, 50]


def test_compliance_small_unit_is_a_dash_for_the_county_leader(
    dashboard_county, curriculum
):
    c = dashboard_county
    small = client_for(c.county_leader).get(
        reverse("analytics:compliance"),
        {"department": c.tree.bureau_b.pk, "export": "by_curriculum", "format": "csv"},
    )
    rows = b"".join(small.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[1].split(",")[1:] == ["—"] * 8  # two people in bureau B
    page = client_for(c.county_leader).get(
        reverse("analytics:compliance"), {"department": c.tree.bureau_b.pk}
    )
    assert page.context["result"].hidden
    response = client_for(c.county_leader).get(
        reverse("analytics:compliance"), {"department": c.tree.county.pk}
    )
    rows = {row.department.name: row for row in response.context["result"].rows}
    assert rows["青石镇"].hidden and rows["财政局"].hidden
    assert not rows["行政审批服务局"].hidden


def test_unknown_or_foreign_curriculum_is_404(dashboard_county, curriculum):
    c = dashboard_county
    client = client_for(c.leader_a)
    url = reverse("analytics:compliance")
    own = {"department": c.tree.bureau_a.pk}
    assert client.get(url, own | {"curriculum": curriculum.pk}).status_code == 200
    assert client.get(url, own | {"curriculum": 999999}).status_code == 404
    other = make_curriculum(c.tree.bureau_b, status=Curriculum.Status.ACTIVE)
    assert client.get(url, own | {"curriculum": other.pk}).status_code == 404


# From gap to action -------------------------------------------------------------------


def _course(slug: str, competency, level: int) -> CoursePage:
    index, _index_en = catalog()
    topic, _created = Topic.objects.get_or_create(
        code="sec", defaults={"name": "Security", "name_zh": "安全"}
    )
    course = CoursePage(
        title=f"课程{slug}",
        slug=slug,
        topic=topic,
        summary="x",
        credit_hours=Decimal("2"),
    )
    course.competencies = [CourseCompetency(competency=competency, level=level)]
    index.add_child(instance=course)
    return publish(course)


def test_gap_action_offers_courses_at_the_level_needed(dashboard_county, on_today):
    c = dashboard_county
    good = _course("good", c.eg11, 3)
    _course("too-low", c.eg11, 1)  # below every target in bureau A (2)
    # The section's own leader (a bureau leader sees A1 as "—": see test_dashboards).
    head = factories.scoped_user(RoleScope.Role.LEADER, c.tree.section_a1).user
    params = {
        "department": c.tree.section_a1.pk,
        "cell": c.tree.section_a1.pk,
        "competency": c.eg11.pk,
        "unit": "1",
    }
    response = client_for(head).get(reverse("analytics:gap_action"), params)
    plan = response.context["plan"]
    assert [o.course.pk for o in plan.courses] == [good.pk]
    assert [p.profile.employee_number for p in plan.people] == ["a1p3", "a1p2"]
    assert not response.context["can_assign"]  # a leader, not HR
    # A leader's POST changes nothing.
    client_for(head).post(
        reverse("analytics:gap_action") + "?" + response.context["query"],
        {"course": [good.pk]},
    )
    assert not Curriculum.objects.exists()


def test_hr_turns_the_gap_into_a_draft_curriculum_for_those_people(
    dashboard_county, on_today
):
    c = dashboard_county
    good = _course("good", c.eg11, 3)
    url = reverse("analytics:gap_action") + (
        f"?department={c.tree.county.pk}&cell={c.tree.section_a1.pk}"
        f"&competency={c.eg11.pk}"
    )
    client = client_for(c.county_hr)
    for bad in (["12345"], ["²"], ["-1"], ["1" * 40]):
        refused = client.post(url, {"course": bad})
        assert refused.status_code == 200 and not Curriculum.objects.exists(), bad
    response = client.post(url, {"course": [str(good.pk)]})
    curriculum = Curriculum.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("curricula:edit", args=[curriculum.pk])
    assert curriculum.status == Curriculum.Status.DRAFT
    assert curriculum.owner_department == c.tree.section_a1
    assert set(curriculum.individuals.values_list("employee_number", flat=True)) == {
        "a1p2",
        "a1p3",
    }
    assert list(curriculum.items.values_list("course_key", flat=True)) == [
        good.translation_key
    ]
    assert not Assignment.objects.exists()  # a draft assigns nobody yet


def test_a_gap_no_course_covers_is_listed_for_editors(dashboard_county, on_today):
    c = dashboard_county
    response = client_for(c.county_hr).get(
        reverse("analytics:gap_action"),
        {"department": c.tree.county.pk, "competency": c.eg41.pk},
    )
    assert [x.code for x in response.context["plan"].uncovered] == ["EG-4.1"]


# Training effect ----------------------------------------------------------------------


def test_gain_interval_uses_students_t_and_needs_five_pairs():
    assert MeanInterval.of([0.5] * (MIN_GAIN_PAIRS - 1)).mean is None
    interval = MeanInterval.of([0.2, 0.4, 0.6, 0.8, 1.0])
    assert interval.mean == pytest.approx(0.6)
    # sd = 0.3162, t(4) = 2.776: half width 2.776 × 0.3162 / √5 = 0.3926
    assert interval.low == pytest.approx(0.6 - 0.3926, abs=1e-3)
    assert interval.high == pytest.approx(0.6 + 0.3926, abs=1e-3)
    assert t95(200) == 1.96
    with pytest.raises(ValueError):
        t95(0)


def test_effect_counts_enrolments_completions_and_feedback(dashboard_county, on_today):
    from learning.journey.models import CourseFeedback

    c = dashboard_county
    course = _course("effect", c.eg11, 3)
    for name, rating in (("a1p1", 5), ("a1p2", 4), ("b1p1", 2)):
        certificate = complete(
            c.people[name].user,
            course.translation_key,
            when=timezone.now() - 3 * DAY,
        )
        CourseFeedback.objects.create(
            certificate=certificate,
            learner=c.people[name].user,
            course_key=course.translation_key,
            rating=rating,
        )
    response = client_for(c.leader_a).get(
        reverse("analytics:effect"), {"department": c.tree.bureau_a.pk}
    )
    effect = next(e for e in response.context["result"].courses if e.course == course)
    assert (effect.enrolled, effect.completed) == (2, 2)  # B's person is not in scope
    assert effect.ratings == [0, 0, 0, 1, 1] and effect.satisfaction == 4.5
    assert effect.median_days == pytest.approx(1.0)


def test_the_monthly_report_task_is_scheduled_and_runs_the_engine(dashboard_county):
    from django.conf import settings

    from analytics.tasks import monthly_reports_send_task

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"analytics.monthly_reports_send", "analytics.snapshot_daily"} <= names
    assert monthly_reports_send_task.apply().get() >= 0


def test_the_heatmap_lists_gaps_no_course_covers(dashboard_county, on_today):
    c = dashboard_county
    _course("covers-eg11", c.eg11, 3)
    response = client_for(c.county_hr).get(
        reverse("analytics:gaps"), {"department": c.tree.county.pk, "by": "area"}
    )
    uncovered = [
        (g.competency.code, g.cell.below) for g in response.context["uncovered"]
    ]
    assert uncovered == [("EG-4.1", 4)]
