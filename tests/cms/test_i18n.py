"""Every page renders in both languages, and the zh-Hans catalogues are complete."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from learning.models import RoleScope
from tests.conftest import service_missing
from tests.factories import scoped_user

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")) + sorted(
    ROOT.glob("cms/wagtail_locale/zh_Hans/LC_MESSAGES/*.po")
)

# (url, who, a string in English, the same string in Chinese)
PAGES = [
    ("/", None, "Sign in", "登录"),
    ("/accounts/login/", None, "Username or employee number", "用户名或工号"),
    ("/", "hr", "HR back office", "人事管理后台"),
    ("/me/", "hr", "My record", "我的档案"),
    ("/dashboard/", "hr", "Department dashboard", "部门看板"),
    ("/me/competencies/", "hr", "My competencies", "我的能力"),
    ("/team/", "hr", "People in your departments", "您所负责部门的人员"),
    ("/quizzes/", "hr", "Your answers are saved as you go", "答案会自动保存"),
    ("/no-such-page/", None, "Page not found", "页面不存在"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "who", "english", "chinese"), PAGES)
def test_page_renders_in_both_languages(client, county, url, who, english, chinese):
    if who == "hr":
        client.force_login(scoped_user(RoleScope.Role.HR, county.county).user)
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert chinese in zh and english not in zh
    assert english in en and chinese not in en
    assert '<html lang="zh-hans">' in zh and '<html lang="en">' in en


@pytest.mark.django_db
def test_default_language_is_chinese(client):
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_language_switch_is_remembered_for_the_learner(client, county):
    profile = scoped_user(RoleScope.Role.LEADER, county.bureau_a)
    client.force_login(profile.user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/me/"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.preferred_language == "en"
    assert "My record" in client.get("/me/").content.decode()

    # On a new device (no language cookie) the saved choice wins over the browser.
    other = client.__class__()
    other.force_login(profile.user)
    body = other.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "My record" in body


def po_entries(text: str) -> list[dict[str, str]]:
    """Each entry's msgid and msgstr (plural: msgstr[0]) with continuation lines."""
    entries, current, key = [], {}, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, None
            continue
        if line.startswith("#, ") and "fuzzy" in line:
            current["fuzzy"] = "yes"
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
        if match:
            key = match.group(1).replace("[0]", "")
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
    return entries


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_complete(po):
    entries = [e for e in po_entries(po.read_text(encoding="utf-8")) if e.get("msgid")]
    assert entries
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if e.get("fuzzy")]
    assert not untranslated, untranslated[:5]
    assert not fuzzy, fuzzy[:5]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_committed_mo_matches_po(po, tmp_path):
    if not shutil.which("msgfmt"):
        service_missing("GNU gettext (msgfmt) is not installed")
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(po)], check=True)
    assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), (
        f"{po.with_suffix('.mo')} is stale: run `make messages` and commit it"
    )
