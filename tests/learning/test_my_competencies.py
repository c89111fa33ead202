import pytest
from django.urls import reverse

from assessments.models import Competency, CompetencyLevel, Evidence
from assessments.services.evidence import evidence_record
from assessments.services.frameworks import framework_load_defaults
from learning.models import RoleScope
from learning.targets.services import target_set
from tests.factories import PositionFactory, person_in, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(county, client):
    framework_load_defaults()
    window = PositionFactory(code="CKRY", title="窗口工作人员")
    hr = scoped_user(RoleScope.Role.HR, county.county).user
    target_set(
        actor=hr,
        position=window,
        competency=Competency.objects.get(code="EG-1.1"),
        required_level=3,
    )
    person = person_in(county.section_a1, position=window)
    client.force_login(person.user)
    return person


def test_profile_shows_level_target_and_gap(client, learner):
    evidence_record(
        learner=learner.user,
        competency=Competency.objects.get(code="EG-1.1"),
        level=2,
        kind=Evidence.Kind.QUIZ,
        source_label="一网通办测验",
    )
    response = client.get(
        reverse("learning:my_competencies"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    rows = {
        c.profile.competency.code: c
        for area in response.context["areas"]
        for c in area.competences
    }
    assert (
        rows["EG-1.1"].profile.level,
        rows["EG-1.1"].target,
        rows["EG-1.1"].gap,
    ) == (
        2,
        3,
        1,
    )
    assert rows["DC22-4.2"].profile.level == 0 and rows["DC22-4.2"].target is None
    body = response.content.decode()
    assert "Gap 1" in body
    assert "一网通办测验" in body
    assert "European Union" in body  # the DigComp attribution is shown with it


def test_profile_page_query_count_does_not_grow_with_evidence(client, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("learning:my_competencies")).status_code == 200
        return len(captured)

    def add_evidence(codes):
        for code in codes:
            evidence_record(
                learner=learner.user,
                competency=Competency.objects.get(code=code),
                level=1,
                kind=Evidence.Kind.QUIZ,
            )

    add_evidence(["EG-1.1"])
    page_queries()  # the first request also touches the session and idle clock
    few = page_queries()
    add_evidence(["EG-2.1", "EG-3.1", "EG-4.1", "DC22-1.1", "DC22-2.1", "DC22-4.1"])
    assert page_queries() == few <= 16


def test_self_assessment_is_kept_apart_from_the_official_level(client, learner):
    competency = Competency.objects.get(code="EG-1.1")
    response = client.post(
        reverse("learning:self_assessment"), {"competency": competency.pk, "level": 4}
    )
    assert response.status_code == 302
    row = CompetencyLevel.objects.get(learner=learner.user, competency=competency)
    assert (row.level, row.self_level) == (0, 4)


def test_self_assessment_outside_the_scale_changes_nothing(client, learner):
    competency = Competency.objects.get(code="EG-1.1")  # levels 1-4
    response = client.post(
        reverse("learning:self_assessment"),
        {"competency": competency.pk, "level": 9},
        follow=True,
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not Evidence.objects.exists()


def test_competency_page_needs_sign_in(client):
    client.logout()
    response = client.get(reverse("learning:my_competencies"))
    assert response.status_code == 302
