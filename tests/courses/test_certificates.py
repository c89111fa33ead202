"""Certificates: the PDF for its holder, the public verification page that shows
name, course, date and validity and nothing more, and /me/ listing them."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from learning.models import Certificate
from tests.factories import county_tree, person_in, second_factor_passed

from .builders import course_tree, publish
from .test_journey import finish

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(django_capture_on_commit_callbacks):
    tree = course_tree()
    tree.course.certificate_validity_months = 12
    publish(tree.course)
    county = county_tree()
    learner = person_in(county.county, full_name="周晓雯").user
    learner.county = county
    finish(tree, learner, django_capture_on_commit_callbacks)
    return tree, learner, Certificate.objects.get(learner=learner)


def test_codes_are_unguessable_and_unique(completed):
    _tree, _learner, certificate = completed
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}", certificate.code)


def test_the_verify_page_shows_only_what_it_should(completed, client):
    _tree, learner, certificate = completed
    response = client.get(
        reverse("learning:certificate_verify", args=[certificate.code])
    )
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    page = response.content.decode()
    assert "周晓雯" in page
    assert "一次办好" in page and "One trip at most" in page
    assert certificate.valid_until.strftime("%Y-%m-%d") in page
    assert learner.username not in page
    assert learner.learner_profile.employee_number not in page
    assert "测试县" not in page  # no department
    # Lower case and surrounding spaces are forgiven.
    lower = client.get(f"/certificates/{certificate.code.lower()}/")
    assert lower.status_code == 200


def test_an_unknown_code_gets_a_friendly_page_with_a_404(completed, client):
    _tree, _learner, certificate = completed
    near_miss = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")
    # A NUL is refused before any view with a 400 (cms/input_checks.py).
    assert client.get("/certificates/%00/").status_code == 400
    for code in (near_miss, "X" * 30, "' OR 1=1 --", "<b>x</b>"):
        response = client.get(f"/certificates/{code}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 404
        page = response.content.decode()
        assert certificate.code not in page
        if code in (near_miss, "X" * 30):
            assert "没有使用此验证码的证书" in page
        assert 'class="site-footer"' in page  # the site's own page, not a bare 404
        assert "<b>x</b>" not in page
    response = client.get(f"/certificates/{near_miss}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "No certificate has this verification code." in response.content.decode()
    assert near_miss in response.content.decode()


def test_an_expired_certificate_says_so(completed, client):
    _tree, _learner, certificate = completed
    later = datetime.datetime.combine(
        certificate.valid_until + datetime.timedelta(days=2), datetime.time(12)
    )
    with time_machine.travel(later.replace(tzinfo=datetime.UTC), tick=False):
        response = client.get(f"/certificates/{certificate.code}/")
    assert response.context["status"] == "expired"


def test_the_pdf_is_for_its_holder(completed, client):
    _tree, learner, certificate = completed
    url = reverse("learning:certificate_pdf", args=[certificate.code])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(person_in(learner.county.bureau_b).user)
    assert client.get(url).status_code == 404
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-")
    assert len(body) < 150_000  # the font is a subset of the glyphs used


def test_me_lists_progress_and_certificates(completed, client):
    tree, learner, certificate = completed
    client.force_login(learner)
    response = client.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    courses = response.context["courses"]
    assert [row.title for row in courses["completed"]] == ["一次办好"]
    assert courses["completed"][0].certificate == certificate
    page = response.content.decode()
    assert reverse("learning:certificate_verify", args=[certificate.code]) in page
    assert "2.5" in page  # the hours this year


def test_me_summarises_targets_cheaply(completed, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learning.models import CompetencyTarget
    from tests.factories import PositionFactory

    tree, learner, _certificate = completed
    profile = learner.learner_profile
    profile.position = PositionFactory()
    profile.save()
    for competency, level in ((tree.framework.c1, 2), (tree.framework.c3, 3)):
        CompetencyTarget.objects.create(
            position=profile.position, competency=competency, required_level=level
        )
    client.force_login(learner)
    client.get("/me/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/me/")
    summary = response.context["competency_summary"]
    assert (summary.targets, summary.targets_met) == (2, 1)  # c1 from the course
    assert [(gap.competency.code, gap.level, gap.target) for gap in summary.below] == [
        ("T-1.3", 0, 3)
    ]
    assert len(queries) <= 20


def test_an_admin_withdraws_a_certificate_and_the_verify_page_says_so(
    completed, client
):
    from tests.factories import UserFactory

    _tree, learner, certificate = completed
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    second_factor_passed(client, admin)
    listing = client.get("/admin/certificates/", {"q": certificate.code})
    assert certificate.learner_name in listing.content.decode()
    assert client.get("/admin/certificates/new/").status_code in (302, 403)
    response = client.post(
        reverse("certificates:withdraw", args=[certificate.pk]),
        {"reason": "Issued in error"},
    )
    assert response.status_code == 302
    assert Certificate.objects.filter(pk=certificate.pk).exists()
    client.logout()
    verify = client.get(f"/certificates/{certificate.code}/")
    assert verify.context["status"] == "revoked"
    client.force_login(learner)
    assert client.get(f"/certificates/{certificate.code}/pdf/").status_code == 404
    # Learners do not reach the list at all.
    assert client.get("/admin/certificates/").status_code in (302, 403)
