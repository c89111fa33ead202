"""The leadership report PDF and the monthly report e-mail (issue 12, items 8 and 9).

A small organisation with known levels and targets: bureau A (行政审批服务局) has
seven window clerks with target 3 in EG-1.1, one of them at level 3, one at level
2 and five without evidence; so "7 people, 6 below target" is the largest gap.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pytest
from django.core import mail
from django.urls import include, path
from django.utils import timezone, translation

from analytics import urls as analytics_urls
from analytics.report import first_record_on, month_start, previous_month
from analytics.report_mail import REPORT_KIND, monthly_reports_send
from analytics.report_views import report_pdf
from analytics.snapshots import snapshot_day
from assessments.models import Competency, Evidence
from assessments.services.evidence import evidence_record
from assessments.services.frameworks import framework_load_defaults
from cms import urls as site_urls
from learning.curricula.models import DigestLog
from learning.models import RoleScope
from learning.notifications.models import Notification
from learning.pdf_fonts import fonts_available
from learning.targets.services import target_set
from tests.conftest import service_missing
from tests.factories import DepartmentFactory, PositionFactory, person_in, scoped_user

pytestmark = pytest.mark.django_db

# Until the lead wires /dashboard/report.pdf into analytics/urls.py, these tests
# serve it through this URLconf: the site's, with the analytics namespace carrying
# the report too (the first "analytics" namespace wins when reversing).
urlpatterns = [
    path(
        "",
        include(
            (
                [
                    path("dashboard/report.pdf", report_pdf, name="report_pdf"),
                    *analytics_urls.urlpatterns,
                ],
                "analytics",
            )
        ),
    ),
    *site_urls.urlpatterns,
]
URL = "/dashboard/report.pdf"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        service_missing(f"{name} is not installed (apt-get install poppler-utils)")
    return found or name


def _pdf_text(pdf: bytes, tmp_path) -> str:
    target = tmp_path / "report.pdf"
    target.write_bytes(pdf)
    out = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", str(target), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.sub(r"\s+", "", out)  # pdftotext breaks lines where the page does


@pytest.fixture(autouse=True)
def _report_font():
    if not fonts_available():
        service_missing("the report font is not installed (run `make setup`)")


@pytest.fixture
def org(county):
    framework_load_defaults()
    window = PositionFactory(code="CKRY", title="窗口工作人员", title_en="Clerk")
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    eg = Competency.objects.get(code="EG-1.1")
    target_set(actor=hr, position=window, competency=eg, required_level=3)
    a1 = [person_in(county.section_a1, position=window) for _ in range(4)]
    a2 = [person_in(county.section_a2, position=window) for _ in range(3)]
    b1 = [person_in(county.section_b1, position=window) for _ in range(3)]
    for person, level in ((a1[0], 3), (a2[0], 2), (b1[0], 3), (b1[1], 3)):
        evidence_record(
            learner=person.user, competency=eg, level=level, kind=Evidence.Kind.QUIZ
        )
    leader_a = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    leader_a.user.email = "leader-a@example.org"
    leader_a.user.save(update_fields=["email"])
    county.hr = hr
    county.eg = eg
    county.leader_a = leader_a.user
    return county


def _this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


@pytest.mark.urls(__name__)
def test_pdf_names_units_in_chinese_and_says_the_largest_gap(client, org, tmp_path):
    client.force_login(org.leader_a)
    response = client.get(
        URL,
        {"department": org.bureau_a.pk, "month": _this_month()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="leadership-report-CTY-A-{_this_month()}.pdf"'
    )
    text = _pdf_text(response.content, tmp_path)
    for name in ("行政审批服务局", "窗口服务科", "审批管理科"):
        assert name in text
    assert "财政局" not in text  # another bureau: outside this report
    sentence = f"行政审批服务局在‘{org.eg.name_zh}’上差距最大：7人中6人未达标"
    assert sentence in text
    assert "7" in text and "14%" in text  # 1 of 7 at target in the bureau


@pytest.mark.urls(__name__)
def test_pdf_shows_the_months_trend_from_the_daily_snapshots(client, org, tmp_path):
    today = timezone.localdate()
    last_month_end = month_start(today) - datetime.timedelta(days=1)
    # The evidence is recorded today: at the end of last month nobody met a target.
    snapshot_day(last_month_end)
    snapshot_day(today)
    client.force_login(org.leader_a)
    response = client.get(
        URL,
        {"department": org.bureau_a.pk, "month": _this_month()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert "近12个月趋势" in text
    assert f"自{last_month_end:%Y-%m}以来：能力目标达标率0%→14.3%" in text


@pytest.mark.urls(__name__)
def test_pdf_speaks_english_to_an_english_reader(client, org, tmp_path):
    client.force_login(org.leader_a)
    response = client.get(
        URL,
        {"department": org.bureau_a.pk, "month": _this_month()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert re.sub(r"\s+", "", "6 of 7 people are below target.") in text
    assert re.sub(r"\s+", "", org.eg.name) in text


@pytest.mark.urls(__name__)
def test_every_font_in_the_pdf_is_embedded(client, org, tmp_path):
    today = timezone.localdate()
    snapshot_day(month_start(today) - datetime.timedelta(days=1))
    snapshot_day(today)  # two points: the trend chart is drawn too
    client.force_login(org.leader_a)
    response = client.get(URL, {"month": _this_month()})
    assert response.status_code == 200
    target = tmp_path / "report.pdf"
    target.write_bytes(response.content)
    listing = subprocess.run(
        [_tool("pdffonts"), str(target)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    fonts = listing[2:]  # after the header and its rule
    assert fonts, listing
    for line in fonts:
        # name type encoding emb sub uni object ID: emb and sub are "yes"
        columns = line.split()
        assert columns[-5:-3] == ["yes", "yes"], line
        assert "NotoSansSC" in columns[0], line


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("department", ["bureau_b", "county", "999999", "abc", "-1"])
def test_leader_of_a_gets_404_for_b(client, org, department):
    client.force_login(org.leader_a)
    value = getattr(org, department).pk if hasattr(org, department) else department
    response = client.get(URL, {"department": value, "month": _this_month()})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls(__name__)
def test_report_queries_do_not_grow_with_the_organisation(client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.leader_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"month": _this_month()})
            assert response.status_code == 200
        return len(captured)

    queries()  # warm the caches (the first record, the site's root)
    before = queries()
    section = DepartmentFactory(code="CTY-A-3", name="政务公开科", parent=org.bureau_a)
    window = org.section_a1.members.first().position
    for _ in range(4):
        person = person_in(section, position=window)
        evidence_record(
            learner=person.user, competency=org.eg, level=1, kind=Evidence.Kind.QUIZ
        )
    assert queries() == before


@pytest.mark.urls(__name__)
def test_a_learner_has_no_report(client, org):
    learner = person_in(org.section_a1)
    client.force_login(learner.user)
    assert client.get(URL).status_code == 403


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "month, says",
    [
        ("2999-01", "2999-01 has not begun yet"),
        ("2001-05", "2001-05 is before the first learning record"),
        ("2026-13", "is not a month"),
        ("last", "is not a month"),
    ],
)
def test_a_month_out_of_range_gets_a_clear_answer(client, org, month, says):
    client.force_login(org.leader_a)
    response = client.get(URL, {"month": month}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert says in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_bad_month_is_refused_in_chinese_too(client, org):
    client.force_login(org.leader_a)
    response = client.get(URL, {"month": "2999-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert "2999-01 尚未开始" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_repeated_month_is_refused(client, org):
    client.force_login(org.leader_a)
    response = client.get(f"{URL}?month={_this_month()}&month=2001-01")
    assert response.status_code == 404


@pytest.mark.urls(__name__)
def test_a_department_without_people_gets_a_clear_answer(client, org):
    empty = DepartmentFactory(
        code="CTY-E", name="统计局", name_en="Statistics Bureau", parent=org.county
    )
    client.force_login(org.hr)
    response = client.get(
        URL,
        {"department": empty.pk, "month": _this_month()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Statistics Bureau has no active staff" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_unit_of_two_is_not_reported_to_a_leader_above_it(client, org):
    person_in(org.township_office)
    person_in(org.township_office)
    county_leader = scoped_user(RoleScope.Role.LEADER, org.county).user
    client.force_login(county_leader)
    params = {"department": org.township_office.pk, "month": _this_month()}
    response = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert "便民服务中心人数不足 3 人" in response.content.decode()
    # Its own leader sees it.
    client.force_login(scoped_user(RoleScope.Role.LEADER, org.township_office).user)
    assert client.get(URL, params).status_code == 200


@pytest.mark.urls(__name__)
def test_monthly_report_goes_once_per_leader_and_month(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = first_record_on()
    assert first is not None
    # On the 2nd of the next month, the report for the month with the records.
    following = month_start(first) + datetime.timedelta(days=32)
    now = timezone.make_aware(
        datetime.datetime.combine(following.replace(day=2), datetime.time(7, 0))
    )
    assert previous_month(timezone.localdate(now)) == month_start(first)
    with translation.override("en"):
        assert monthly_reports_send(now=now) == 1
        assert monthly_reports_send(now=now) == 0
        assert monthly_reports_send(now=now + datetime.timedelta(days=3)) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leader-a@example.org"]
    label = month_start(first).strftime("%Y-%m")
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (
        f"leadership-report-CTY-A-{label}.pdf",
        "application/pdf",
    )
    assert content.startswith(b"%PDF")
    assert f"/dashboard/report.pdf?department={org.bureau_a.pk}&month={label}" in (
        message.body
    )
    assert "行政审批服务局在‘" in message.body  # the leader reads Chinese (default)
    ((html, html_type),) = message.alternatives
    assert html_type == "text/html"
    assert "打开报告（PDF）" in html and f"month={label}" in html
    assert (
        DigestLog.objects.filter(
            user=org.leader_a, kind=REPORT_KIND, period=label
        ).count()
        == 1
    )
    assert Notification.objects.filter(user=org.leader_a, kind=REPORT_KIND).count() == 1


@pytest.mark.urls(__name__)
def test_monthly_report_skips_leaders_without_email_and_waits_for_records(
    org, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org.leader_a.email = ""
    org.leader_a.save(update_fields=["email"])
    first = first_record_on()
    next_month = month_start(first) + datetime.timedelta(days=32)
    now = timezone.make_aware(
        datetime.datetime.combine(next_month.replace(day=1), datetime.time(1, 0))
    )
    assert monthly_reports_send(now=now) == 0
    # The month before the first record has nothing to report.
    scoped_user(RoleScope.Role.LEADER, org.bureau_b).user.save()
    assert monthly_reports_send(now=timezone.now()) == 0
    assert mail.outbox == []
