"""Screenshots for the README from a running demo site (`make run`).

    .venv/bin/python docs/take_screenshots.py [--base http://127.0.0.1:8000]

Needs Debian's chromium and a CJK font (fonts-wqy-microhei or fonts-noto-cjk).
"""

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

SHOTS = [
    # (file, user, path, viewport width, language)
    ("login-phone.png", None, "/accounts/login/", 360, "zh-CN"),
    ("home-learner-phone.png", "learner", "/", 360, "zh-CN"),
    ("me-learner.png", "learner", "/me/", 1100, "zh-CN"),
    ("dashboard-leader.png", "leader", "/dashboard/", 1100, "zh-CN"),
    ("heatmap-leader.png", "leader", "/dashboard/gaps/?by=area", 1100, "zh-CN"),
    ("heatmap-hr-phone.png", "hr", "/dashboard/gaps/", 360, "zh-CN"),
    ("trends-leader-en.png", "leader", "/dashboard/trends/", 1100, "en-GB"),
    ("effect-leader.png", "leader", "/dashboard/effect/", 1100, "zh-CN"),
    # The leadership report PDF's first page, rendered with poppler's pdftoppm.
    ("report-leader.png", "leader", "/dashboard/report.pdf", 1100, "zh-CN"),
    ("home-hr-en.png", "hr", "/", 1100, "en-GB"),
    ("admin-departments-hr.png", "hr", "/admin/departments/", 1280, "zh-CN"),
    ("competencies-learner.png", "learner", "/me/competencies/", 1100, "zh-CN"),
    ("team-member-leader-phone.png", "leader", "/team/", 360, "zh-CN"),
    ("quiz-overview.png", "learner", "/quizzes/QZ-EGOV-POST/", 1100, "zh-CN"),
    ("catalog-learner.png", "learner", "/courses/", 1100, "zh-CN"),
    ("course-learner.png", "learner", "/courses/security-awareness/", 1100, "zh-CN"),
    (
        "lesson-phone.png",
        "learner",
        "/courses/security-awareness/phishing-social-engineering/",
        360,
        "zh-CN",
    ),
    (
        "course-completed-en.png",
        "learner",
        "/courses/service-oriented-administration/",
        1100,
        "en-GB",
    ),
    # Starts (or resumes) an attempt at the data literacy quiz, then shows it.
    (
        "quiz-attempt-phone.png",
        "learner",
        "/quizzes/QZ-DATA-GRADED/#start",
        360,
        "zh-CN",
    ),
    (
        "admin-question-bank.png",
        "editor",
        "/admin/snippets/assessments/question/",
        1280,
        "zh-CN",
    ),
    # Mandatory curricula, the roster, compliance and notifications.
    ("me-assignments-phone.png", "learner", "/me/", 360, "zh-CN"),
    ("notifications-phone.png", "learner", "/me/notifications/", 360, "zh-CN"),
    ("admin-curricula-hr.png", "hr", "/admin/curricula/", 1280, "zh-CN"),
    ("admin-curriculum-edit-hr.png", "hr", "/admin/curricula/edit/1/", 1280, "zh-CN"),
    ("admin-roster-hr.png", "hr", "/admin/roster/", 1280, "zh-CN"),
    ("admin-compliance-hr.png", "hr", "/admin/compliance/people/", 1280, "zh-CN"),
    ("team-overdue-leader.png", "leader", "/team/?overdue=1", 1100, "zh-CN"),
]


def _pdf_first_page(pdf: bytes, name: str) -> None:
    """Save the first page of a PDF as OUT/name (needs poppler-utils)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "report.pdf"
        source.write_bytes(pdf)
        stem = OUT / Path(name).stem
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
            + [str(source), str(stem)],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    base = parser.parse_args().base
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=ARGS
        )
        for name, user, path, width, locale in SHOTS:
            context = browser.new_context(
                viewport={"width": width, "height": 800}, locale=locale
            )
            if locale.startswith("en"):
                # A saved language choice would otherwise win over the browser's.
                context.add_cookies(
                    [{"name": "django_language", "value": "en", "url": base}]
                )
            page = context.new_page()
            if user:
                page.goto(f"{base}/accounts/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", PASSWORD)
                page.click("#main button[type=submit]")
                page.wait_for_load_state()
            if path.endswith(".pdf"):
                _pdf_first_page(context.request.get(f"{base}{path}").body(), name)
                context.close()
                continue
            page.goto(f"{base}{path}")
            if path.endswith("#start"):
                page.click("#main form button[type=submit]")
                page.wait_for_load_state()
            if path == "/team/":
                page.click("table a")  # the first person in the list
                page.wait_for_load_state()
            page.screenshot(path=str(OUT / name), full_page=width < 1000)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
