"""The permission matrix (issue #15): every URL pattern of the project, as Django's
resolver lists them (Wagtail's admin included), is requested as each role of
tests/hostile/world.py and the outcome compared with its row in MATRIX
(tests/hostile/matrix.txt). A pattern without a row fails, naming the row to add.

Outcomes: o = 2xx; r = a redirect elsewhere (a form's "done"); s = sent to sign in
(the site's or the back office's sign-in page); d = refused (403, 404, or the back
office's home with "no permission"); b = 400; m = 405; . = not asserted beyond
"no server error" (Wagtail's own screens with arguments, for roles that reach the
back office, are not requested: Wagtail's object permissions, with placeholder
ids); - = not requested (Wagtail's error-test screen, a deliberate 500).

Rows name objects of the world (see ARGS); patterns not in ARGS get placeholder
arguments (an id no row has), which the access check answers before any lookup.
Back-office rules: anonymous visitors, learners and leaders never get a 2xx from
any admin pattern. Set RECORD_MATRIX=path to write the observed table instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.hostile.urlpatterns import Pattern, placeholder_kwargs, project_patterns
from tests.hostile.world import ROLES

pytestmark = pytest.mark.django_db

MATRIX_FILE = Path(__file__).resolve().parent / "matrix.txt"
SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/")
NO_BACK_OFFICE = ("anonymous", "learner", "learner_other_unit")
NEVER_IN_ADMIN = (*NO_BACK_OFFICE, "leader_in_scope", "leader_out_of_scope")
PATTERNS = [p for p in project_patterns() if not p.shadowed]
# Back-office files anyone may load: its JavaScript catalogue and icon sprite.
PUBLIC_ADMIN = ("wagtailadmin_javascript_catalog", "wagtailadmin_sprite")


# Patterns written as regular expressions, which reverse() cannot fill here.
FIXED_URLS = {
    "wagtailadmin_pages:revisions_compare": (
        "/admin/pages/999999/revisions/compare/earliest...latest/"
    ),
    "admin/^.*/$": "/admin/no-such-screen/",
    **{
        f"wagtailsnippets_assessments_{model}:revisions_compare": (
            f"/admin/snippets/assessments/{model}/history/999999/revisions/"
            "compare/earliest...latest/"
        )
        for model in ("quiz", "question")
    },
}


def _args(world) -> dict:
    """Pattern key -> (method, kwargs or positional args, query) from real objects."""
    v = world.values
    obj = world.objects
    token = world.values["h5p_token"]
    return {
        "learning:my_data": ("GET", {"fmt": "json"}, {}),
        "learning:team_member": ("GET", {"pk": v["learner_profile"]}, {}),
        "learning:team_rate": ("POST", {"pk": v["learner_profile"]}, {}),
        "learning:email_confirm": ("GET", {"token": "x"}, {}),
        "learning:course_enroll": ("POST", {"page_id": v["course"]}, {}),
        "learning:course_retake": ("POST", {"page_id": v["course"]}, {}),
        "learning:course_finish": ("POST", {"page_id": v["course"]}, {}),
        "learning:lesson_heartbeat": ("POST", {"page_id": v["lesson"]}, {}),
        "learning:lesson_complete": ("POST", {"page_id": v["lesson"]}, {}),
        "learning:course_feedback": ("GET", {"code": v["certificate"]}, {}),
        "learning:h5p_state": (
            "POST",
            {"lesson_key": v["lesson_key"], "block_id": v["block"]},
            {},
        ),
        "learning:certificate_verify": ("GET", {"code": v["certificate"]}, {}),
        "learning:certificate_pdf": ("GET", {"code": v["certificate"]}, {}),
        "learning:notification_read": ("POST", {}, {}),
        "learning:self_assessment": ("POST", {}, {}),
        "learning:xapi_statements": ("GET", {}, {}),
        "courses:h5p_frame": ("GET", {"token": token}, {}),
        "courses:h5p_file": ("GET", {"token": token, "path": "h5p.json"}, {}),
        "assessments:attempt": ("GET", {"attempt_id": v["attempt"]}, {}),
        "assessments:attempt_answer": ("POST", {"attempt_id": v["attempt"]}, {}),
        "assessments:attempt_submit": ("POST", {"attempt_id": v["attempt"]}, {}),
        "assessments:attempt_result": ("GET", {"attempt_id": v["attempt"]}, {}),
        "assessments:quiz_detail": ("GET", {"code": v["quiz"]}, {}),
        "assessments:quiz_start": ("POST", {"code": v["quiz"]}, {}),
        "wagtaildocs_serve": ("GET", [999_999, "x.pdf"], {}),
        "wagtail_serve": ("GET", [""], {}),
        "analytics:gap_people": (
            "GET",
            {},
            {"department": v["department"], "competency": v["competency"]},
        ),
        "analytics:gap_action": (
            "GET",
            {},
            {"department": v["department"], "competency": v["competency"]},
        ),
        "accounts:password_reset_confirm": (
            "GET",
            {"uidb64": "x", "token": "y"},
            {},
        ),
        # The back office on the world's objects.
        **{
            f"{ns}:{view}": ("GET", {"pk": pk}, {})
            for ns, pk in (
                ("curricula", v["curriculum"]),
                ("departments", v["department"]),
                ("people", v["learner_profile"]),
                ("role_scopes", obj["role_scope"]),
                ("targets", obj["target"]),
            )
            for view in ("edit", "delete", "history", "history_results", "usage")
        },
        "people:reactivate": ("GET", {"pk": v["learner_profile"]}, {}),
        "people:anonymise": ("GET", {"pk": v["learner_profile"]}, {}),
        "certificates:inspect": ("GET", {"pk": obj["certificate"]}, {}),
        "certificates:withdraw": ("GET", {"pk": obj["certificate"]}, {}),
        "compliance:export": ("GET", {"fmt": "csv"}, {}),
        "compliance:exempt": ("POST", {"pk": v["assignment"]}, {}),
        "compliance:unexempt": ("POST", {"pk": v["assignment"]}, {}),
        **{
            f"roster_import:{view}": ("GET", {"pk": obj["roster_import"]}, {})
            for view in ("report", "download", "progress", "status")
        },
        "roster_import:apply": ("POST", {"pk": obj["roster_import"]}, {}),
        "roster_import:template": ("GET", {"fmt": "xlsx"}, {}),
        "competence_io:framework_export": (
            "GET",
            {"pk": obj["framework"], "fmt": "csv"},
            {},
        ),
        "competence_io:question_export": ("GET", {"fmt": "csv"}, {}),
        "frameworks:inspect": ("GET", {"pk": obj["framework"]}, {}),
        "competencies:inspect": ("GET", {"pk": obj["competency"]}, {}),
        **{
            f"wagtailsnippets_{model}:{view}": ("GET", {"pk": pk}, {})
            for model, pk in (
                ("assessments_quiz", obj["quiz"]),
                ("assessments_question", obj["question"]),
                ("assessments_questioncategory", obj["category"]),
                ("courses_topic", obj["topic"]),
                ("courses_h5ppackage", v["package"]),
            )
            for view in (
                "edit",
                "delete",
                "usage",
                "history",
                "history_results",
                "copy",
            )
        },
    }


def _request(client, pattern: Pattern, args: dict):
    method, arguments, query = args.get(pattern.key, ("GET", None, {}))
    if arguments is None:
        arguments = placeholder_kwargs(pattern)
    if pattern.key in FIXED_URLS:
        url = FIXED_URLS[pattern.key]
    elif pattern.key == pattern.route:  # no name: the route is the URL
        url = "/" + pattern.route
    elif isinstance(arguments, list):
        url = reverse(pattern.key, args=arguments)
    else:
        url = reverse(pattern.key, kwargs=arguments)
    if method == "POST":
        return client.post(url, query)
    return client.get(url, query)


def outcome(response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return "o"
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith(SIGN_IN_PATHS) or "/login/" in location:
            return "s"
        if location.split("?")[0] in ("/admin/", "/admin"):
            return "d"  # Wagtail: "Sorry, you do not have permission…"
        return "r"
    return {400: "b", 403: "d", 404: "d", 405: "m"}.get(status, str(status))


def _matrix() -> dict[str, list[str]]:
    rows = {}
    for line in MATRIX_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, *codes = line.split()
            rows[key] = codes
    return rows


def _row_for(pattern: Pattern, matrix: dict[str, list[str]]) -> list[str] | None:
    if pattern.key in matrix:
        return matrix[pattern.key]
    # Wagtail's own screens: one row per admin section ("admin/users/*").
    if pattern.is_admin:
        section = pattern.route.removeprefix("admin/").split("/", 1)[0]
        return matrix.get(f"admin/{section}/*")
    return None


def test_every_pattern_has_a_row():
    matrix = _matrix()
    missing = [p for p in PATTERNS if _row_for(p, matrix) is None]
    assert not missing, "URL patterns without a row in tests/hostile/matrix.txt:\n" + (
        "\n".join(
            f"  {p.key}  ({p.route}, {p.module}): add a row "
            f"'{p.key} {' '.join('?' * len(ROLES))}'"
            for p in missing
        )
    )


def test_back_office_is_closed_to_learners_and_leaders():
    matrix = _matrix()
    for pattern in PATTERNS:
        row = _row_for(pattern, matrix) or []
        assert not row or len(row) == len(ROLES), f"{pattern.key}: {len(row)} codes"
        if pattern.is_admin and row:
            for role, code in zip(ROLES, row, strict=True):
                if role in NEVER_IN_ADMIN and pattern.key not in PUBLIC_ADMIN:
                    assert code in ("s", "d"), f"{pattern.key}: {role} must be refused"


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key or p.route for p in PATTERNS])
def test_each_role_gets_its_outcome(world, matrix_clients, pattern):
    matrix = _matrix()
    row = _row_for(pattern, matrix)
    record = os.environ.get("RECORD_MATRIX")
    if row is None and not record:
        pytest.fail(f"no row for {pattern.key}: see test_every_pattern_has_a_row")
    args = _args(world)
    observed = []
    for index, role in enumerate(ROLES):
        expected = row[index] if row else "?"
        if expected == "-" or (
            expected == "." and pattern.is_admin and pattern.converters
        ):
            observed.append(expected)
            continue
        response = _request(matrix_clients[role], pattern, args)
        assert response.status_code < 500, f"{pattern.key} as {role}: server error"
        got = outcome(response)
        observed.append(got)
        if not record and expected != ".":
            assert got == expected, (
                f"{pattern.key} ({pattern.route}) as {role}: got {got} "
                f"({response.status_code}), expected {expected}"
            )
    if record:
        with open(record, "a") as out:
            out.write(f"{pattern.key} {' '.join(observed)}\n")
