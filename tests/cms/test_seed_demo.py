import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from assessments.models import Attempt, CompetencyLevel, Evidence, Question, Quiz
from learning.demo import history
from learning.models import (
    CompetencyTarget,
    Department,
    LearnerProfile,
    Position,
    Rank,
    RoleScope,
)

pytestmark = pytest.mark.django_db
DEMO_USERS = ("learner", "hr", "leader", "editor", "admin")


@pytest.fixture
def smaller_history_sample(monkeypatch):
    """Nearly all of seed_demo's time is the year of quiz history: ~2,900 attempts,
    each through the real quiz services. The county and its ~3,000 people, everyone
    in the leader's bureau and the demo learner stay whole; only the sample of other
    units' staff who take quizzes shrinks from 12% to 2%. Every check is unchanged."""
    assert history.SAMPLE_SHARE > 0.02, "the demo's sample is small: drop this"
    monkeypatch.setattr(history, "SAMPLE_SHARE", 0.02)


def counts():
    return {
        "departments": Department.objects.count(),
        "people": LearnerProfile.objects.count(),
        "users": get_user_model().objects.count(),
        "positions": Position.objects.count(),
        "ranks": Rank.objects.count(),
        "scopes": RoleScope.objects.count(),
        "questions": Question.objects.count(),
        "quizzes": Quiz.objects.count(),
        "targets": CompetencyTarget.objects.count(),
        "attempts": Attempt.objects.count(),
        "evidence": Evidence.objects.count(),
        "levels": CompetencyLevel.objects.count(),
        "names": list(
            LearnerProfile.objects.order_by("employee_number").values_list(
                "employee_number", "full_name", "department__code"
            )[:50]
        ),
    }


def test_seed_demo_builds_the_county_and_is_idempotent(
    settings, client, smaller_history_sample
):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first

    county = Department.objects.get(code="QX")
    assert county.get_children().filter(kind__in=["bureau", "office"]).count() >= 38
    assert county.get_children().filter(kind="township").count() == 19
    assert 2900 <= first["people"] <= 3100
    assert first["questions"] >= 120 and first["quizzes"] >= 12
    assert first["attempts"] > 500 and first["targets"] > 20

    # The demo learner has a history that shows real levels on their profile.
    learner_levels = CompetencyLevel.objects.filter(
        learner__username="learner", level__gt=0
    )
    assert learner_levels.count() >= 5
    assert Evidence.objects.filter(learner__username="learner", kind="manager").exists()

    # The leader heads the administrative approval bureau; HR covers the county.
    leader_scope = RoleScope.objects.get(user__username="leader")
    assert (leader_scope.role, leader_scope.department.code) == ("leader", "QX-XZSP")
    hr_scope = RoleScope.objects.get(user__username="hr")
    assert (hr_scope.role, hr_scope.department.code) == ("hr", "QX")

    for username in DEMO_USERS:
        response = client.post(
            "/accounts/login/",
            {"username": username, "password": settings.DEMO_PASSWORD},
        )
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200
        client.logout()


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.filter(username__in=DEMO_USERS).exists()
    assert not Department.objects.exists()
