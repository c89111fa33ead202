"""Learners of the demo county on a training day, for `make loadtest` (Locust,
driven by benchmarks/loadtest.py, which writes the plan this reads and reads the
record this writes; see benchmarks/README.md).

Each simulated learner, signed in through the real form just before the run
(loadtest.sign_in_all, with the password the setup gave them), browses the
catalog and the course, reads the first lesson (its page's heartbeats), plays its
H5P activity (state saves and one xAPI statement batch), starts the course's timed
graded quiz, autosaves answers and submits at its moment inside one clock minute
shared by everyone, then reads another lesson until the run ends. Only
127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from collections import defaultdict
from http.cookiejar import Cookie, DefaultCookiePolicy
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
RECORD = os.environ["LOADTEST_RECORD"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/[^"]+)"')
SHOWN = re.compile(r'name="shown" value="(\d+)"')
FIELDSET = re.compile(
    r'data-question="(\d+)" data-type="(\w+)"(.*?)</fieldset>', re.DOTALL
)
OPTION = re.compile(r'name="q-\d+" value="(\d+)"')
H5P_CONFIG = re.compile(
    r'<script id="h5p-config" type="application/json">(.*?)</script>', re.DOTALL
)
H5P_NODE = re.compile(
    r'data-h5p-id="([^"]+)" data-h5p-iri="([^"]+)" data-h5p-registration="([^"]*)"'
)
HEARTBEAT = re.compile(r'data-heartbeat-url="([^"]+)" data-heartbeat-seconds="(\d+)"')
# The page's proof that the server rendered it: its beats count only with it.
LESSON_VIEW = re.compile(r'data-lesson-view="([^"]+)"')
RESULT_URL = re.compile(r"/quizzes/attempt/(\d+)/result/$")
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
VERBS = "http://adlnet.gov/expapi/verbs/"

# What the run did, written at the end for the reconciliation.
latencies: dict[str, list[float]] = defaultdict(list)
failures: dict[str, list[str]] = defaultdict(list)
submitted: list[dict] = []
statements_accepted: list[str] = []
learners = iter(PLAN["learners"])
run_started = time.monotonic()


class InsecureTransportPolicy(DefaultCookiePolicy):
    """The site runs with production settings (Secure cookies) but the benchmark
    talks plain HTTP on loopback: send Secure cookies anyway."""

    def return_ok_secure(self, cookie, request):
        return True


@events.request.add_listener
def _record(request_type, name, response_time, exception, **kwargs):
    latencies[name].append(response_time)
    if exception is not None:
        failures[name].append(str(exception)[:200])


@events.test_start.add_listener
def _started(environment, **kwargs):
    global run_started
    run_started = time.monotonic()


@events.quitting.add_listener
def _write_record(environment, **kwargs):
    with open(RECORD, "w", encoding="utf-8") as out:
        json.dump(
            {
                "latencies_ms": latencies,
                "failures": failures,
                "submitted": submitted,
                "statements_accepted": statements_accepted,
            },
            out,
        )


def session_cookie(name: str, value: str) -> Cookie:
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain="127.0.0.1",  # the only host this talks to
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


class Learner(FastHttpUser):
    # Requests wait in gunicorn's queue rather than time out on a loaded machine.
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        self.client.cookiejar.set_policy(InsecureTransportPolicy())
        try:
            self.me = next(learners)
        except StopIteration:
            raise StopUser() from None
        # Signed in through the real form before the run (loadtest.sign_in_all).
        for name, value in self.me["cookies"].items():
            self.client.cookiejar.set_cookie(session_cookie(name, value))
        self.csrf = ""

    # Helpers --------------------------------------------------------------------

    def page(self, path: str, name: str, expect: str = "") -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            body = response.text or ""
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif expect and expect not in body:
                response.failure(f"page without {expect!r}")
            else:
                response.success()
        stylesheet = STYLESHEET.search(body)
        if stylesheet:
            # The site's stylesheet from whitenoise: the floor of this run.
            self.client.get(stylesheet[1], name="static_floor")
        return body

    def post(
        self, path, name, *, data=None, body=None, headers=None, expect=200, to=None
    ):
        """POST a form (`data`: a dict or pairs) or a `body`; a failure unless the
        status is `expect` (and, for a redirect, its Location matches `to`)."""
        sent = {"X-CSRFToken": self.csrf, "Referer": self.host + path}
        if body is None:
            body = urlencode(data or {})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.post(
            path,
            name=name,
            data=body,
            headers=sent | (headers or {}),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = (response.headers or {}).get("Location") or ""
            if response.status_code != expect:
                response.failure(
                    f"HTTP {response.status_code}: {(response.text or '')[:200]}"
                )
            elif to is not None and not to.search(urlsplit(location).path):
                response.failure(f"redirected to {location}")
            else:
                response.success()
            return response

    def remember_csrf(self, body: str) -> None:
        token = CSRF.search(body)
        if token:
            self.csrf = token[1]

    def wait_until(self, moment: float) -> None:
        gevent.sleep(max(0.0, moment - (time.monotonic() - run_started)))

    # The journey ------------------------------------------------------------------

    @task
    def training_day(self):
        """The day, once: a journey cut short by an exception is an error, and the
        learner does not start the day again."""
        try:
            self.journey()
        except Exception as error:  # noqa: BLE001 - counted, then this learner stops
            failures["journey"].append(f"{type(error).__name__}: {error}"[:200])
        raise StopUser()

    def journey(self) -> None:
        course = PLAN["course"]
        self.page("/", "home", "/accounts/logout/")
        self.page("/courses/", "catalog", course["title"])
        body = self.page(course["url"], "course_page", course["title"])
        self.remember_csrf(body)
        if course["enroll_url"] in body:
            self.post(course["enroll_url"], "enroll", data={}, expect=302)
        lesson = self.read_lesson(course["h5p_lesson_url"])
        self.play_h5p(lesson)
        self.take_quiz()
        self.read_lesson(course["second_lesson_url"], until=PLAN["run_seconds"])

    def read_lesson(self, url: str, until: float | None = None) -> str:
        body = self.page(url, "lesson_page", "lesson-body")
        self.remember_csrf(body)
        beat = HEARTBEAT.search(body)
        if beat:
            self.heartbeat_url, self.heartbeat_seconds = beat[1], int(beat[2])
            view = LESSON_VIEW.search(body)
            self.lesson_view = view[1] if view else ""
            self.post(
                self.heartbeat_url,
                "heartbeat",
                data={"open": "1", "view": self.lesson_view},
            )
            self.last_beat = time.monotonic()
        while until is not None and time.monotonic() - run_started < until - 1:
            gevent.sleep(1)
            self.beat_if_due()
        return body

    def beat_if_due(self) -> None:
        if time.monotonic() - self.last_beat >= self.heartbeat_seconds:
            self.last_beat = time.monotonic()
            self.post(
                self.heartbeat_url,
                "heartbeat",
                data={"seconds": str(self.heartbeat_seconds), "view": self.lesson_view},
            )

    def play_h5p(self, lesson: str) -> None:
        config_match, node = H5P_CONFIG.search(lesson), H5P_NODE.search(lesson)
        if not config_match or not node:
            failures["h5p_missing"].append(self.me["username"])
            return
        config = json.loads(config_match[1])
        block_id, iri, registration = node[1], node[2], node[3]
        frame = re.search(r'src="(/h5p/frame/[^"]+)"', lesson)
        if frame:
            self.client.get(frame[1], name="h5p_frame")
        # The player saves its state every 5 s while the learner works; the final
        # answer only counts after the launch's minimum time (XAPI_MIN_ATTEMPT_SECONDS).
        for step in range(3):
            gevent.sleep(PLAN["xapi_min_attempt_seconds"] / 2 + random.random())  # noqa: S311
            self.post(
                f"{config['stateUrl']}{block_id}/",
                "h5p_state",
                body=json.dumps({"state": json.dumps({"answers": [step]})}),
                headers={"Content-Type": "application/json"},
            )
            self.beat_if_due()
        actor = config["actor"]

        def statement(verb, **extra):
            value = {
                "id": str(uuid.uuid4()),
                "actor": actor,
                "verb": {"id": VERBS + verb},
                "object": {"id": iri, "objectType": "Activity"},
                "context": {"registration": registration},
            }
            value.update(extra)
            return value

        batch = [
            statement("attempted"),
            statement("interacted"),
            statement(
                "answered",
                result={
                    "score": {"scaled": 1.0, "raw": 1, "min": 0, "max": 1},
                    "completion": True,
                    "success": True,
                },
            ),
        ]
        response = self.post(
            config["xapiUrl"],
            "xapi_batch",
            body=json.dumps(batch),
            headers=XAPI_HEADERS,
        )
        if response.status_code == 200:
            statements_accepted.extend(item["id"] for item in batch)

    def take_quiz(self) -> None:
        quiz = PLAN["quiz"]
        body = self.page(quiz["url"], "quiz_detail", quiz["code"])
        self.remember_csrf(body)
        response = self.post(quiz["start_url"], "quiz_start", data={}, expect=302)
        location = (response.headers or {}).get("Location") or ""
        if response.status_code != 302 or "/attempt/" not in location:
            return
        attempt_path = urlsplit(location).path
        body = self.page(attempt_path, "quiz_attempt", 'name="shown"')
        self.remember_csrf(body)
        answers = {}
        for question, kind, fields in FIELDSET.findall(body):
            options = OPTION.findall(fields)
            if kind == "numeric":
                answers[question] = {"value": "1"}
            elif kind == "short":
                answers[question] = {"text": "一次性告知"}
            else:
                answers[question] = {"option_ids": options[:1]}
        submit_at = PLAN["submit_from"] + random.uniform(0, PLAN["submit_window"])  # noqa: S311
        # Autosave one answer every few seconds, as a learner works down the page.
        for question, response_value in answers.items():
            if time.monotonic() - run_started > submit_at - 3:
                break
            gevent.sleep(random.uniform(2, 5))  # noqa: S311
            self.post(
                attempt_path + "answer/",
                "quiz_autosave",
                body=json.dumps(
                    {"question_id": int(question), "response": response_value}
                ),
                headers={"Content-Type": "application/json"},
            )
        self.wait_until(submit_at)
        form = [("csrfmiddlewaretoken", self.csrf)]
        for question in SHOWN.findall(body):
            form.append(("shown", question))
            value = answers.get(question, {})
            for option in value.get("option_ids", []):
                form.append((f"q-{question}", option))
            for key in ("value", "text"):
                if key in value:
                    form.append((f"q-{question}", value[key]))
        response = self.post(
            attempt_path + "submit/",
            "quiz_submit",
            data=form,
            expect=302,
            to=RESULT_URL,
        )
        location = urlsplit((response.headers or {}).get("Location") or "").path
        result = RESULT_URL.search(location)
        if response.status_code == 302 and result:
            submitted.append(
                {"username": self.me["username"], "attempt": int(result[1])}
            )
            self.page(location, "quiz_result")
