"""The hostile corpus: inputs an attack pass sent (issue #15, "Bad input"), each
with the acting role and the answer it must get. URLs name the world's objects by
placeholder ({attempt}, {quiz}, … see tests/hostile/world.py); files live in
tests/hostile/files/. tests/hostile/test_corpus.py sends each one and checks that
nothing was written and no server error happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    role: str
    method: str
    url: str
    status: int
    data: dict = field(default_factory=dict)  # form fields or GET parameters
    body: Any = None  # JSON value, or raw str/bytes (with content_type)
    content_type: str = ""
    file: tuple[str, str] | None = None  # (form field, file under files/)
    headers: dict = field(default_factory=dict)
    says: str = ""  # text the answer must contain


XAPI = {"X-Experience-API-Version": "1.0.3"}
ADL = "http://adlnet.gov/expapi/verbs/"
SUPERSCRIPT_TWO = "\u00b2"
FULL_WIDTH_12 = "\uff11\uff12"
ARABIC_INDIC_7 = "\u0667"
HUGE = "9" * 5000
ABOVE_BIGINT = str(2**63)
FAR_ABOVE_BIGINT = str(2**64 + 7)
NUL = "a\x00b"
LONE_SURROGATE_JSON = '"a\\ud800b"'  # a JSON string holding a lone surrogate
OVERFLOWING_TIME = "9999-12-31T23:59:59-23:59"

# Numbers a quiz id, an option id or a page id must not be read as.
BAD_NUMBERS = {
    "superscript": SUPERSCRIPT_TWO,
    "fullwidth": FULL_WIDTH_12,
    "arabic_indic": ARABIC_INDIC_7,
    "5000_digits": HUGE,
    "above_2_63": ABOVE_BIGINT,
    "above_2_64": FAR_ABOVE_BIGINT,
    "negative": "-1",
}
# Numbers as they may stand in a URL path (an int converter accepts ASCII digits).
BIG_PATH_IDS = {"above_2_63": ABOVE_BIGINT, "above_2_64": FAR_ABOVE_BIGINT}


def _raw(template: str, value: str) -> str:
    """A raw JSON body: `template` with HOLE replaced by `value` as it stands."""
    return template.replace("HOLE", value)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _statement(**extra) -> dict:
    body = {
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.org"},
        "verb": {"id": ADL + "answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": "http://testserver/h5p/activity/unknown",
        },
    }
    body.update(extra)
    return body


def _quiz_id_cases() -> list[Case]:
    cases = []
    for name, value in BAD_NUMBERS.items():
        cases += [
            Case(f"quiz_page_{name}", "learner", "GET", f"/quizzes/{value}/", 404),
            Case(
                f"quiz_start_{name}", "learner", "POST", f"/quizzes/{value}/start/", 404
            ),
            Case(
                f"autosave_json_question_{name}",
                "learner",
                "POST",
                "/quizzes/attempt/{attempt}/answer/",
                400,
                body={"question_id": value, "response": {"option_ids": []}},
            ),
            Case(
                f"autosave_json_option_{name}",
                "learner",
                "POST",
                "/quizzes/attempt/{attempt}/answer/",
                400,
                body={"question_id": "{question}", "response": {"option_ids": [value]}},
            ),
            Case(
                f"autosave_form_question_{name}",
                "learner",
                "POST",
                "/quizzes/attempt/{attempt}/answer/",
                400,
                data={"question_id": value, "option_ids": ["1"]},
            ),
            Case(
                f"autosave_form_option_{name}",
                "learner",
                "POST",
                "/quizzes/attempt/{attempt}/answer/",
                400,
                data={"question_id": "{question}", "option_ids": [value]},
            ),
            Case(
                f"submit_form_field_{name}",
                "learner",
                "POST",
                "/quizzes/attempt/{attempt}/submit/",
                400,
                data={"shown": [value], f"q_{value}": ["1"]},
            ),
        ]
    cases += [
        Case(
            "autosave_json_question_5000_digit_number",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            body=_raw('{"question_id": HOLE, "response": {}}', HUGE),
        ),
        Case(
            "autosave_json_question_2_64_number",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            body={"question_id": 2**64, "response": {"option_ids": []}},
        ),
        Case(
            "autosave_json_option_5000_digit_number",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            body=_raw(
                '{"question_id": "{question}", "response": {"option_ids": [HOLE]}}',
                HUGE,
            ),
        ),
    ]
    return cases


def _big_id_cases() -> list[Case]:
    cases = []
    for name, value in BIG_PATH_IDS.items():
        cases += [
            Case(
                f"attempt_page_{name}",
                "learner",
                "GET",
                f"/quizzes/attempt/{value}/",
                404,
            ),
            Case(
                f"attempt_answer_{name}",
                "learner",
                "POST",
                f"/quizzes/attempt/{value}/answer/",
                404,
                body={"question_id": 1, "response": {}},
            ),
            Case(
                f"team_member_{name}", "leader_in_scope", "GET", f"/team/{value}/", 404
            ),
            Case(
                f"team_rate_{name}",
                "leader_in_scope",
                "POST",
                f"/team/{value}/rate/",
                404,
                data={"competency": "1", "level": "1"},
            ),
            Case(
                f"enroll_{name}",
                "learner",
                "POST",
                f"/learn/courses/{value}/enroll/",
                404,
                data={"x": "1"},
            ),
            Case(
                f"heartbeat_{name}",
                "learner",
                "POST",
                f"/learn/lessons/{value}/heartbeat/",
                404,
                data={"seconds": "30"},
            ),
            Case(
                f"admin_person_edit_{name}",
                "hr_in_scope",
                "GET",
                f"/admin/people/edit/{value}/",
                404,
            ),
            Case(
                f"admin_curriculum_edit_{name}",
                "admin",
                "GET",
                f"/admin/curricula/edit/{value}/",
                404,
            ),
            Case(
                f"admin_exempt_{name}",
                "hr_in_scope",
                "POST",
                f"/admin/compliance/assignments/{value}/exempt/",
                404,
                data={"reason": "x"},
            ),
            Case(
                f"admin_roster_report_{name}",
                "hr_in_scope",
                "GET",
                f"/admin/roster/{value}/",
                404,
            ),
            Case(
                f"remind_assignment_{name}",
                "hr_in_scope",
                "POST",
                "/admin/compliance/people/remind/",
                404,
                data={"assignment": value},
            ),
            # 20 digits and more are no id at all: the centre says so.
            Case(
                f"notification_read_{name}",
                "learner",
                "POST",
                "/me/notifications/read/",
                404 if len(value) <= 19 else 302,
                data={"id": value},
            ),
            Case(
                f"dashboard_department_{name}",
                "hr_in_scope",
                "GET",
                "/dashboard/",
                404,
                data={"department": value},
            ),
            Case(
                f"document_{name}",
                "learner",
                "GET",
                f"/documents/{value}/x.pdf",
                404,
            ),
            Case(
                f"admin_page_edit_{name}",
                "editor",
                "GET",
                f"/admin/pages/{value}/edit/",
                404,
            ),
            Case(
                f"h5p_package_snippet_{name}",
                "editor",
                "GET",
                f"/admin/snippets/courses/h5ppackage/edit/{value}/",
                404,
            ),
        ]
    return cases


def _text_cases() -> list[Case]:
    """NUL bytes and lone surrogates in text: forms, JSON, query strings, headers."""
    return [
        Case("query_nul_quiz_code", "learner", "GET", "/quizzes/a%00b/", 400),
        Case(
            "query_nul_catalog_search",
            "learner",
            "GET",
            "/courses/",
            400,
            data={"q": NUL},
        ),
        Case(
            "query_nul_admin_people_search",
            "hr_in_scope",
            "GET",
            "/admin/people/",
            400,
            data={"q": NUL},
        ),
        Case(
            "query_nul_dashboard",
            "hr_in_scope",
            "GET",
            "/dashboard/compliance/",
            400,
            data={"curriculum": NUL},
        ),
        Case(
            "query_nul_certificate_code",
            "anonymous",
            "GET",
            "/certificates/AB%00CD/",
            400,
        ),
        Case(
            "query_nul_xapi_activity",
            "learner",
            "GET",
            "/xapi/statements",
            400,
            data={"activity": NUL},
            headers=XAPI,
        ),
        Case(
            "form_nul_sign_in",
            "anonymous",
            "POST",
            "/accounts/login/",
            400,
            data={"username": NUL, "password": "x"},
        ),
        Case(
            "form_nul_feedback",
            "learner",
            "POST",
            "/learn/feedback/{quiz}/",
            400,
            data={"rating": "5", "comment": NUL},
        ),
        Case(
            "form_nul_autosave_text",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            data={"question_id": "{question}", "text": NUL},
        ),
        Case(
            "form_nul_curriculum_name",
            "admin",
            "POST",
            "/admin/curricula/new/",
            400,
            data={"name": NUL, "name_en": "x"},
        ),
        Case(
            "form_nul_department_name",
            "admin",
            "POST",
            "/admin/departments/new/",
            400,
            data={"name": NUL, "code": "X1"},
        ),
        Case(
            "json_nul_autosave",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            body={"question_id": "{question}", "response": {"text": NUL}},
        ),
        Case(
            "json_surrogate_autosave",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            body=_raw(
                '{"question_id": "{question}", "response": {"text": HOLE}}',
                LONE_SURROGATE_JSON,
            ),
        ),
        Case(
            "json_nul_h5p_state",
            "learner",
            "POST",
            "/h5p/state/{lesson_key}/{block}/",
            400,
            body={"state": NUL},
        ),
        Case(
            "json_surrogate_h5p_state",
            "learner",
            "POST",
            "/h5p/state/{lesson_key}/{block}/",
            400,
            body=_raw('{"state": HOLE}', LONE_SURROGATE_JSON),
        ),
        Case(
            "json_surrogate_key_h5p_state",
            "learner",
            "POST",
            "/h5p/state/{lesson_key}/{block}/",
            400,
            body=_raw('{"state": "{}", HOLE: 1}', LONE_SURROGATE_JSON),
        ),
        Case(
            "json_nul_xapi_statement",
            "learner",
            "POST",
            "/xapi/statements",
            400,
            body=_statement(result={"response": NUL}),
            headers=XAPI,
        ),
        Case(
            "json_surrogate_xapi_statement",
            "learner",
            "POST",
            "/xapi/statements",
            400,
            body=_raw(
                '{"actor": {"mbox": "mailto:a@example.org"}, '
                f'"verb": {{"id": "{ADL}answered"}}, '
                '"object": {"id": "http://x/y"}, "result": {"response": HOLE}}',
                LONE_SURROGATE_JSON,
            ),
            headers=XAPI,
        ),
        Case("path_nul_page", "anonymous", "GET", "/courses/a%00b/", 400),
        Case(
            "query_nul_in_a_name",
            "leader_in_scope",
            "GET",
            "/team/",
            400,
            data={"q\x00": "x"},
        ),
        Case(
            "form_nul_team_rating",
            "leader_in_scope",
            "POST",
            "/team/{learner_profile}/rate/",
            400,
            data={"competency": "1", "level": "2", "note": NUL},
        ),
        Case(
            "form_nul_self_assessment",
            "learner",
            "POST",
            "/me/competencies/self/",
            400,
            data={"competency": "1", "level": "2", "note": NUL},
        ),
        Case(
            "json_nul_xapi_put_statement_id",
            "learner",
            "PUT",
            "/xapi/statements?statementId=a%00b",
            400,
            body=_statement(),
            headers=XAPI,
        ),
        Case(
            "raw_text_body_nul_h5p_state",
            "learner",
            "POST",
            "/h5p/state/{lesson_key}/{block}/",
            400,
            body='{"state": "a\\u0000b"}',
            content_type="text/plain",
        ),
        Case(
            "header_nul_user_agent_sign_in",
            "anonymous",
            "POST",
            "/accounts/login/",
            400,
            data={"username": "nobody", "password": "x"},
            headers={"User-Agent": "agent\x00"},
        ),
        Case(
            "header_nul_xapi_version",
            "learner",
            "GET",
            "/xapi/statements",
            400,
            headers={"X-Experience-API-Version": "1.0.3\x00"},
        ),
    ]


def _nesting_and_time_cases() -> list[Case]:
    """Fixed last session; kept here so that they stay fixed."""
    deep = _nested(100_000)
    return [
        Case(
            "deep_json_xapi",
            "learner",
            "POST",
            "/xapi/statements",
            400,
            body=deep,
            headers=XAPI,
        ),
        Case(
            "deep_json_autosave",
            "learner",
            "POST",
            "/quizzes/attempt/{attempt}/answer/",
            400,
            body=_raw('{"question_id": "{question}", "response": HOLE}', deep),
        ),
        Case(
            "deep_json_h5p_state",
            "learner",
            "POST",
            "/h5p/state/{lesson_key}/{block}/",
            400,
            body=_raw('{"state": HOLE}', deep),
        ),
        Case(
            "overflowing_timestamp_xapi_statement",
            "learner",
            "POST",
            "/xapi/statements",
            400,
            body=_statement(timestamp=OVERFLOWING_TIME),
            headers=XAPI,
        ),
        Case(
            "overflowing_since_xapi",
            "learner",
            "GET",
            "/xapi/statements",
            400,
            data={"since": OVERFLOWING_TIME},
            headers=XAPI,
        ),
        Case(
            "overflowing_until_xapi",
            "learner",
            "GET",
            "/xapi/statements",
            400,
            data={"until": OVERFLOWING_TIME},
            headers=XAPI,
        ),
        Case(
            "garbage_cursor_xapi",
            "learner",
            "GET",
            "/xapi/statements",
            400,
            data={"cursor": "9" * 5000},
            headers=XAPI,
        ),
    ]


def _case_import_cases() -> list[Case]:
    # A CASE JSON package nested 100,000 levels deep (deep_case.json).
    return [
        Case(
            "deep_json_case_import",
            "admin",
            "POST",
            "/admin/competence_io/frameworks/import/",
            400,
            file=("file", "deep_case.json"),
            says="nested",
        )
    ]


def _spreadsheet_cases() -> list[Case]:
    cases = []
    for name in ("chartsheet_only.xlsx", "no_sheets.xlsx"):
        stem = name.removesuffix(".xlsx")
        cases += [
            Case(
                f"roster_upload_{stem}",
                "hr_in_scope",
                "POST",
                "/admin/roster/",
                200,
                data={"mode": "partial"},
                file=("file", name),
                says="worksheet",
            ),
            Case(
                f"question_import_{stem}",
                "admin",
                "POST",
                "/admin/competence_io/questions/import/",
                200,
                data={"dry_run": "on"},
                file=("file", name),
                says="worksheet",
            ),
            # Frameworks come as Moodle CSV or CASE JSON: a workbook is not text.
            Case(
                f"framework_import_{stem}",
                "admin",
                "POST",
                "/admin/competence_io/frameworks/import/",
                400,
                file=("file", name),
                says="CSV UTF-8",
            ),
        ]
    return cases


def _more_number_cases() -> list[Case]:
    return [
        # A form posted where JSON is read: the view reads the body after the
        # form was parsed (RawPostDataException was a 500).
        Case(
            "form_posted_to_h5p_state",
            "learner",
            "POST",
            "/h5p/state/{lesson_key}/{block}/",
            400,
            data={"state": "{}"},
        ),
        Case(
            "form_posted_to_xapi",
            "learner",
            "POST",
            "/xapi/statements",
            400,
            data={"statement": "{}"},
            headers=XAPI,
        ),
        Case(
            "notification_read_5000_digits",
            "learner",
            "POST",
            "/me/notifications/read/",
            302,
            data={"id": HUGE},
        ),
        Case(
            "question_import_unicode_digits_in_correct",
            "admin",
            "POST",
            "/admin/competence_io/questions/import/",
            200,
            file=("file", "questions_unicode_digits.csv"),
            says="column correct",
        ),
    ]


CASES: list[Case] = [
    *_quiz_id_cases(),
    *_big_id_cases(),
    *_text_cases(),
    *_nesting_and_time_cases(),
    *_spreadsheet_cases(),
    *_case_import_cases(),
    *_more_number_cases(),
]
