import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from learning.models import RoleScope
from tests.factories import person_in, scoped_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_and_out(county, client, password):
    me = person_in(county.section_a1)
    response = sign_in(client, me.user.username, password)
    assert response.status_code == 302
    assert client.get(reverse("learning:me")).status_code == 200

    client.post(reverse("logout"))
    response = client.get(reverse("learning:me"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_wrong_password_gets_a_clear_message(county, client):
    me = person_in(county.section_a1)
    response = sign_in(client, me.user.username, "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_lock_out_after_repeated_failures(county, client, password, settings):
    me = person_in(county.section_a1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, me.user.username, "wrong-password-0000")
    # Even the right password is refused while locked out.
    response = sign_in(client, me.user.username, password)
    assert response.status_code == 429
    assert (
        "locked" in response.content.decode().lower()
        or "锁定" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_idle_session_signs_out(county, client, password, settings):
    me = person_in(county.section_a1)
    client.force_login(me.user)
    assert client.get(reverse("learning:me")).status_code == 200

    session = client.session
    session["_civicskills_last_seen"] = int(time.time()) - (
        settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 + 5
    )
    session.save()
    response = client.get(reverse("learning:me"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_deactivated_learner_cannot_sign_in(county, client, password):
    from learning.people.services import person_deactivate

    me = person_in(county.section_a1)
    person_deactivate(actor=None, profile=me)
    response = sign_in(client, me.user.username, password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_home_page_fits_each_role(county, client):
    learner = person_in(county.section_a1)
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    hr = scoped_user(RoleScope.Role.HR, county.county)

    client.force_login(learner.user)
    keys = {s.key for s in client.get("/").context["sections"]}
    assert keys == {"learn", "catalog"}

    client.force_login(leader.user)
    keys = {s.key for s in client.get("/").context["sections"]}
    assert keys == {"learn", "catalog", "dashboard"}

    client.force_login(hr.user)
    keys = {s.key for s in client.get("/").context["sections"]}
    assert keys == {"learn", "catalog", "dashboard", "hr"}

    client.logout()
    response = client.get("/")
    assert response.context["sections"] == []
    assert reverse("login") in response.content.decode()


def test_dashboard_is_scoped(county, client):
    leader = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    person_in(county.section_a1)
    person_in(county.section_b1)
    client.force_login(leader.user)
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    scope = response.context["scope"]
    assert scope.department.name == "行政审批服务局"
    assert [d.name for d in scope.children] == ["窗口服务科", "审批管理科"]
    assert response.context["overview"].staff == 2  # the leader and one person in A1

    learner = person_in(county.section_a1)
    client.force_login(learner.user)
    assert client.get(reverse("analytics:dashboard")).status_code == 403


def _run_settings(env_overrides):
    dropped = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "cms.settings.base"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "k3y-" + "Zq8#pW2!xR7$" * 6,
            "ALLOWED_HOSTS": "lms.example.gov.cn",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
