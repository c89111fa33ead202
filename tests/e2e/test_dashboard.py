"""A county HR officer on a phone: the competency heatmap fits the screen (the
table scrolls inside its own region), a cell leads to the people below target and
on to the courses that close the gap, and the table downloads as an Excel file
with the page's numbers."""

import io

import pandas as pd
import pytest

from tests.analytics.conftest import _county
from tests.factories import PASSWORD

from .test_quiz import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_reads_the_heatmap_on_a_phone_and_drills_down(live_server, phone):
    county = _county()
    base = live_server.url
    page = phone
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", county.county_hr.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/dashboard/gaps/?department={county.tree.county.pk}")
    assert page.locator("h1").inner_text() == "能力差距：测试县"
    assert_fits(page)
    row = page.locator("table.heatmap tbody tr", has_text="青石镇")
    assert row.locator("td").first.inner_text().startswith("0%")

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel（XLSX）").first.click()
    frame = pd.read_excel(
        io.BytesIO(download.value.path().read_bytes()), engine="openpyxl"
    )
    assert "测试县 / 行政审批服务局" in list(frame.iloc[:, 0])

    page.locator("table.heatmap tbody tr", has_text="行政审批服务局").locator(
        "td a"
    ).first.click()
    page.wait_for_url("**/dashboard/gaps/people/**")
    assert "测试a1p3" in page.locator("main").inner_text()
    assert_fits(page)
    page.get_by_role("link", name="可弥补该差距的课程").click()
    page.wait_for_url("**/dashboard/gaps/action/**")
    assert "尚无课程覆盖的差距" in page.locator("main").inner_text()
    assert_fits(page)
