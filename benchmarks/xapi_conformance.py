"""Which xAPI 1.0.3 LRS requirements a live server meets: a check per requirement of
the Statement resource (the sections of the specification's Communication and Data
parts named beside each), run over HTTP with an LRS credential, as a tool would.

    python benchmarks/xapi_conformance.py --endpoint http://127.0.0.1:8000/xapi/ \
        --key lrs_… --secret …

Get a key and secret in the back office (Settings → LRS credentials; a site admin
creates them). Every statement the checks write names made-up actors
(mailto:conformance-<run>@example.org) and activities of another site, so they are
stored as learning records and count for nothing. Prints one line per requirement
and a summary; exits 1 when any requirement fails. Uses only the standard library.

Not covered (the LRS does not offer them): the Document resources (State, Activity
Profile, Agent Profile), the Agents and Activities resources, attachment data in
multipart requests, signed statements, and the filter rule that a statement
targeting another (StatementRef) matches when its target does, beyond one level.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import logging
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

VERSION = "1.0.3"
VERBS = "http://adlnet.gov/expapi/verbs/"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode())


@dataclass
class Lrs:
    endpoint: str  # ends with "/"
    key: str
    secret: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def call(
        self,
        method: str,
        resource: str,
        *,
        params: dict | None = None,
        body=None,
        headers: dict | None = None,
        auth: bool = True,
        version: str | None = VERSION,
    ) -> Answer:
        url = self.endpoint + resource
        if params:
            url += "?" + urllib.parse.urlencode(params)
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if version is not None:
            sent["X-Experience-API-Version"] = version
        if auth:
            token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
            sent["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    # Statements made for this run --------------------------------------------------

    def actor(self, name: str = "a") -> dict:
        return {
            "objectType": "Agent",
            "name": f"Conformance {name}",
            "mbox": f"mailto:conformance-{self.run}-{name}@example.org",
        }

    def activity(self, name: str = "a") -> str:
        return f"http://conformance.example.org/{self.run}/activities/{name}"

    def statement(self, **extra) -> dict:
        body = {
            "actor": self.actor(),
            "verb": {"id": VERBS + "experienced", "display": {"en-US": "experienced"}},
            "object": {"objectType": "Activity", "id": self.activity()},
        }
        body.update(extra)
        return body

    def post(self, statements) -> Answer:
        return self.call("POST", "statements", body=statements)

    def get(self, **params) -> Answer:
        return self.call("GET", "statements", params=params)


CHECKS: list[tuple[str, str, Callable[[Lrs], None]]] = []


def requirement(section: str, text: str):
    def register(function):
        CHECKS.append((section, text, function))
        return function

    return register


class Failed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def expect_status(answer: Answer, status: int) -> None:
    expect(
        answer.status == status,
        f"status {answer.status}, expected {status}: {answer.body[:200]!r}",
    )


# About and versioning -----------------------------------------------------------------


@requirement("Communication 2.8", "GET about lists the versions, 1.0.3 among them")
def _about(lrs: Lrs) -> None:
    answer = lrs.call("GET", "about", auth=False, version=None)
    expect_status(answer, 200)
    expect(VERSION in answer.json().get("version", []), "1.0.3 not listed")


@requirement("Communication 3.3", "a request without X-Experience-API-Version is 400")
def _no_version(lrs: Lrs) -> None:
    expect_status(lrs.call("GET", "statements", version=None), 400)


@requirement("Communication 3.3", "a request with version 0.95 or 2.0.0 is 400")
def _bad_version(lrs: Lrs) -> None:
    for version in ("0.95", "2.0.0"):
        expect_status(lrs.call("GET", "statements", version=version), 400)


@requirement("Communication 3.3", "every answer carries X-Experience-API-Version")
def _version_answered(lrs: Lrs) -> None:
    answer = lrs.get(limit=1)
    expect(
        answer.headers.get("X-Experience-API-Version", "").startswith("1.0"),
        "header missing",
    )


@requirement("Communication 4.0", "a request without credentials is 401")
def _no_credentials(lrs: Lrs) -> None:
    expect_status(lrs.call("GET", "statements", auth=False), 401)


@requirement("Communication 4.0", "a wrong secret is 401")
def _wrong_secret(lrs: Lrs) -> None:
    wrong = Lrs(lrs.endpoint, lrs.key, lrs.secret + "x", lrs.run)
    expect_status(wrong.get(), 401)


# Storing ------------------------------------------------------------------------------


@requirement("Communication 2.1.2", "POST of one statement answers its id")
def _post_one(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    answer = lrs.post(lrs.statement(id=given))
    expect_status(answer, 200)
    expect(answer.json() == [given], f"answered {answer.json()}")


@requirement("Communication 2.1.2", "POST of a list answers the ids in order")
def _post_list(lrs: Lrs) -> None:
    given = [str(uuid.uuid4()) for _ in range(3)]
    answer = lrs.post([lrs.statement(id=value) for value in given])
    expect_status(answer, 200)
    expect(answer.json() == given, "ids out of order")


@requirement("Communication 2.1.2", "POST without ids: the LRS makes UUIDs")
def _post_without_id(lrs: Lrs) -> None:
    answer = lrs.post([lrs.statement(), lrs.statement()])
    expect_status(answer, 200)
    ids = answer.json()
    expect(len(ids) == 2 and all(uuid.UUID(value) for value in ids), "no ids")


@requirement("Communication 2.1.1", "PUT with statementId stores it (204)")
def _put(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    answer = lrs.call(
        "PUT", "statements", params={"statementId": given}, body=lrs.statement()
    )
    expect_status(answer, 204)
    found = lrs.get(statementId=given)
    expect_status(found, 200)
    expect(found.json()["id"] == given, "stored under another id")


@requirement("Communication 2.1.1", "PUT without statementId is 400")
def _put_without_id(lrs: Lrs) -> None:
    expect_status(lrs.call("PUT", "statements", body=lrs.statement()), 400)


@requirement("Communication 2.1.1", "PUT whose body id differs from statementId is 400")
def _put_mismatch(lrs: Lrs) -> None:
    answer = lrs.call(
        "PUT",
        "statements",
        params={"statementId": str(uuid.uuid4())},
        body=lrs.statement(id=str(uuid.uuid4())),
    )
    expect_status(answer, 400)


@requirement("Communication 2.1.2", "the same id with another statement is 409")
def _conflict(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    expect_status(lrs.post(lrs.statement(id=given)), 200)
    other = lrs.statement(id=given, verb={"id": VERBS + "attended"})
    expect_status(lrs.post(other), 409)
    expect(
        lrs.get(statementId=given).json()["verb"]["id"].endswith("experienced"),
        "the stored statement changed",
    )


@requirement("Communication 2.1.2", "the same statement again changes nothing")
def _replay(lrs: Lrs) -> None:
    sent = lrs.statement(id=str(uuid.uuid4()), timestamp="2026-01-01T08:00:00Z")
    first = lrs.post(sent)
    expect_status(first, 200)
    stored = lrs.get(statementId=sent["id"]).json()["stored"]
    expect_status(lrs.post(sent), 200)
    expect(lrs.get(statementId=sent["id"]).json()["stored"] == stored, "stored again")


@requirement("Communication 2.1.2", "a batch with one id twice is 400")
def _duplicate_in_batch(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    answer = lrs.post([lrs.statement(id=given), lrs.statement(id=given)])
    expect_status(answer, 400)
    expect_status(lrs.get(statementId=given), 404)


@requirement("Data 2.4.7, 2.4.8, 2.4.9", "the LRS sets stored, authority and version")
def _lrs_sets(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    lrs.post(lrs.statement(id=given))
    found = lrs.get(statementId=given).json()
    expect("stored" in found, "no stored")
    expect(isinstance(found.get("authority"), dict), "no authority")
    expect(str(found.get("version", "")).startswith("1.0"), "no version")


# Validation ---------------------------------------------------------------------------


def _refused(lrs: Lrs, statement: dict, path: str) -> None:
    answer = lrs.post(statement)
    expect_status(answer, 400)
    expect(path in answer.body.decode(), f"the answer does not name {path}")


@requirement("Data 2.4.2.1", "an actor with two identifiers is 400 naming actor")
def _two_ifis(lrs: Lrs) -> None:
    actor = {**lrs.actor(), "openid": "http://openid.example.org/someone"}
    _refused(lrs, lrs.statement(actor=actor), "actor")


@requirement("Data 2.4.2.1", "an actor without an identifier is 400 naming actor")
def _no_ifi(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(actor={"objectType": "Agent", "name": "x"}), "actor")


@requirement("Data 2.4.2.3", "an mbox without mailto: is 400 naming actor.mbox")
def _bad_mbox(lrs: Lrs) -> None:
    actor = {"mbox": "someone@example.org"}
    _refused(lrs, lrs.statement(actor=actor), "actor.mbox")


@requirement("Data 2.4.2.2", "an anonymous Group without members is 400")
def _anonymous_group(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(actor={"objectType": "Group"}), "actor.member")


@requirement("Data 2.4.3", "a display that is not a language map is 400")
def _display(lrs: Lrs) -> None:
    verb = {"id": VERBS + "experienced", "display": "experienced"}
    _refused(lrs, lrs.statement(verb=verb), "verb.display")


@requirement("Data 2.4.3", "a verb id that is not an IRI is 400")
def _verb_iri(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(verb={"id": "experienced"}), "verb.id")


@requirement("Data 2.2", "an unknown top-level property is 400")
def _unknown_property(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(colour="blue"), "colour")


@requirement("Data 2.4.10", "a version other than 1.0.x is 400")
def _statement_version(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(version="2.0.0"), "version")


@requirement("Data 2.4.1", "an id that is not a UUID is 400")
def _statement_id(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(id="statement-1"), "id")


@requirement("Data 4.5", "a timestamp with offset -00:00 is 400")
def _negative_zero(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(timestamp="2026-01-01T08:00:00-00:00"), "timestamp")


@requirement("Data 4.5", "a timestamp past year 9999 in UTC is 400 (not a 500)")
def _overflow(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(timestamp="9999-12-31T23:59:59-23:59"), "timestamp")


@requirement("Data 2.4.4.3", "a SubStatement inside a SubStatement is 400")
def _nested_substatement(lrs: Lrs) -> None:
    inner = {"objectType": "SubStatement", **lrs.statement()}
    outer = {"objectType": "SubStatement", **lrs.statement(object=inner)}
    _refused(lrs, lrs.statement(object=outer), "object.object.objectType")


@requirement("Data 2.4.4.3", "a SubStatement with an id is 400")
def _substatement_id(lrs: Lrs) -> None:
    sub = {"objectType": "SubStatement", **lrs.statement(id=str(uuid.uuid4()))}
    _refused(lrs, lrs.statement(object=sub), "object.id")


@requirement("Data 2.4.6", "context.revision with an Agent object is 400")
def _revision_agent(lrs: Lrs) -> None:
    statement = lrs.statement(object=lrs.actor("b"), context={"revision": "2"})
    _refused(lrs, statement, "context.revision")


@requirement("Data 2.4.5", "a scaled score above 1 is 400")
def _scaled(lrs: Lrs) -> None:
    _refused(lrs, lrs.statement(result={"score": {"scaled": 1.5}}), "result.score")


@requirement("Security", "JSON nested 5,000 levels deep is 400 (not a 500)")
def _deep(lrs: Lrs) -> None:
    deep = b'{"actor":' + b"[" * 5000 + b"]" * 5000 + b"}"
    expect_status(lrs.post(deep), 400)


# Objects the specification allows -----------------------------------------------------


@requirement("Data 2.4.4.2", "an Agent and an identified Group as object are stored")
def _agent_object(lrs: Lrs) -> None:
    group = {"objectType": "Group", "name": "g", "mbox": "mailto:g@example.org"}
    for target in (lrs.actor("b"), group):
        expect_status(lrs.post(lrs.statement(object=target)), 200)


@requirement("Data 2.4.2.2", "an anonymous Group with members as actor is stored")
def _group_actor(lrs: Lrs) -> None:
    group = {"objectType": "Group", "member": [lrs.actor("b"), lrs.actor("c")]}
    expect_status(lrs.post(lrs.statement(actor=group)), 200)


@requirement("Data 2.4.4.3", "a StatementRef and a SubStatement as object are stored")
def _ref_and_sub(lrs: Lrs) -> None:
    (target,) = lrs.post(lrs.statement()).json()
    reference = {"objectType": "StatementRef", "id": target}
    sub = {"objectType": "SubStatement", **lrs.statement()}
    for obj in (reference, sub):
        expect_status(lrs.post(lrs.statement(object=obj)), 200)


@requirement("Data 2.4.6", "a context with instructor, team and activities is stored")
def _context(lrs: Lrs) -> None:
    context = {
        "registration": str(uuid.uuid4()),
        "instructor": lrs.actor("teacher"),
        "team": {"objectType": "Group", "member": [lrs.actor("b")]},
        "contextActivities": {"parent": {"id": lrs.activity("p")}},
        "revision": "1",
        "platform": "conformance",
        "language": "zh-Hans",
        "statement": {"objectType": "StatementRef", "id": str(uuid.uuid4())},
        "extensions": {"http://example.org/ext": {"any": ["json"]}},
    }
    expect_status(lrs.post(lrs.statement(context=context)), 200)


# Voiding ------------------------------------------------------------------------------


def _void(lrs: Lrs, target: str) -> Answer:
    return lrs.post(
        lrs.statement(
            verb={"id": VERBS + "voided", "display": {"en-US": "voided"}},
            object={"objectType": "StatementRef", "id": target},
        )
    )


@requirement(
    "Data 2.3.2, Communication 2.1.4", "a voided statement: only by voidedStatementId"
)
def _voided(lrs: Lrs) -> None:
    registration = str(uuid.uuid4())
    (target,) = lrs.post(lrs.statement(context={"registration": registration})).json()
    expect_status(_void(lrs, target), 200)
    expect_status(lrs.get(statementId=target), 404)
    found = lrs.get(voidedStatementId=target)
    expect_status(found, 200)
    expect(found.json()["id"] == target, "another statement")
    listed = lrs.get(registration=registration).json()["statements"]
    expect(target not in [s["id"] for s in listed], "voided statement listed")


@requirement("Data 2.3.2", "voiding a voiding statement is 400")
def _void_voiding(lrs: Lrs) -> None:
    (target,) = lrs.post(lrs.statement()).json()
    (voiding,) = _void(lrs, target).json()
    expect_status(_void(lrs, voiding), 400)


# Queries ------------------------------------------------------------------------------


def _ids(answer: Answer) -> list[str]:
    expect_status(answer, 200)
    return [s["id"] for s in answer.json()["statements"]]


@requirement("Communication 2.1.3", "answers carry X-Experience-API-Consistent-Through")
def _consistent(lrs: Lrs) -> None:
    header = lrs.get(limit=1).headers.get("X-Experience-API-Consistent-Through", "")
    expect(bool(header), "header missing")
    datetime.datetime.fromisoformat(header.replace("Z", "+00:00"))


@requirement("Communication 2.1.3", "agent, verb, activity and registration filter")
def _filters(lrs: Lrs) -> None:
    registration = str(uuid.uuid4())
    mine = lrs.statement(
        actor=lrs.actor("filter"),
        verb={"id": VERBS + "attended"},
        object={"id": lrs.activity("filter")},
        context={"registration": registration},
    )
    (wanted,) = lrs.post(mine).json()
    lrs.post(lrs.statement())
    expect(_ids(lrs.get(agent=json.dumps(lrs.actor("filter")))) == [wanted], "agent")
    expect(_ids(lrs.get(registration=registration)) == [wanted], "registration")
    expect(
        _ids(lrs.get(activity=lrs.activity("filter"), verb=VERBS + "attended"))
        == [wanted],
        "activity and verb",
    )


@requirement("Communication 2.1.3", "related_activities and related_agents")
def _related(lrs: Lrs) -> None:
    context = {
        "instructor": lrs.actor("related-teacher"),
        "contextActivities": {"grouping": [{"id": lrs.activity("related")}]},
    }
    (wanted,) = lrs.post(lrs.statement(context=context)).json()
    teacher = json.dumps(lrs.actor("related-teacher"))
    expect(_ids(lrs.get(agent=teacher)) == [], "agent matched the instructor")
    expect(
        _ids(lrs.get(agent=teacher, related_agents="true")) == [wanted],
        "related_agents",
    )
    expect(_ids(lrs.get(activity=lrs.activity("related"))) == [], "activity")
    expect(
        _ids(lrs.get(activity=lrs.activity("related"), related_activities="true"))
        == [wanted],
        "related_activities",
    )


@requirement("Communication 2.1.3", "since, until, ascending, limit and more")
def _time_and_order(lrs: Lrs) -> None:
    registration = str(uuid.uuid4())
    ids = []
    for _ in range(3):
        ids += lrs.post(lrs.statement(context={"registration": registration})).json()
        time.sleep(0.01)
    stored = [lrs.get(statementId=value).json()["stored"] for value in ids]
    expect(_ids(lrs.get(registration=registration)) == ids[::-1], "newest first")
    expect(
        _ids(lrs.get(registration=registration, ascending="true")) == ids,
        "ascending",
    )
    expect(
        _ids(lrs.get(registration=registration, since=stored[0])) == ids[:0:-1],
        "since (exclusive)",
    )
    expect(
        _ids(lrs.get(registration=registration, until=stored[1])) == ids[1::-1],
        "until (inclusive)",
    )
    page = lrs.get(registration=registration, limit=2).json()
    expect(len(page["statements"]) == 2 and page["more"], "limit and more")
    more = urllib.parse.urlsplit(page["more"])
    rest = lrs.call(
        "GET", "statements", params=dict(urllib.parse.parse_qsl(more.query))
    )
    expect(_ids(rest) == ids[:1], "the more link")


@requirement("Communication 2.1.3", "format=ids and format=canonical")
def _formats(lrs: Lrs) -> None:
    activity = {
        "id": lrs.activity("formats"),
        "definition": {"name": {"en-US": "Formats", "zh-Hans": "格式"}},
    }
    (given,) = lrs.post(lrs.statement(object=activity)).json()
    ids = lrs.get(statementId=given, format="ids").json()
    expect("name" not in ids["actor"], "actor name kept with ids")
    expect("definition" not in ids["object"], "definition kept with ids")
    canonical = lrs.call(
        "GET",
        "statements",
        params={"statementId": given, "format": "canonical"},
        headers={"Accept-Language": "zh-Hans"},
    ).json()
    expect(
        canonical["object"]["definition"]["name"] == {"zh-Hans": "格式"},
        "not one language",
    )
    expect_status(lrs.get(format="pretty"), 400)


@requirement("Communication 2.1.3", "attachments=true is multipart, false is JSON")
def _attachments(lrs: Lrs) -> None:
    plain = lrs.get(limit=1, attachments="false")
    expect(plain.headers.get("Content-Type", "").startswith("application/json"), "json")
    parts = lrs.get(limit=1, attachments="true")
    expect(
        parts.headers.get("Content-Type", "").startswith("multipart/mixed"),
        "multipart",
    )


@requirement("Communication 2.1.3", "statementId with another filter is 400")
def _single_with_filter(lrs: Lrs) -> None:
    given = str(uuid.uuid4())
    expect_status(lrs.get(statementId=given, verb=VERBS + "experienced"), 400)
    expect_status(lrs.get(statementId=given, voidedStatementId=given), 400)


@requirement("Communication 2.1.3", "an unknown query parameter is 400")
def _unknown_parameter(lrs: Lrs) -> None:
    expect_status(lrs.get(colour="blue"), 400)


@requirement("Communication 2.1.3", "since past year 9999 in UTC is 400")
def _since_overflow(lrs: Lrs) -> None:
    expect_status(lrs.get(since="9999-12-31T23:59:59-23:59"), 400)


@requirement("Communication 2.1.3", "no match still answers 200 with an empty list")
def _empty(lrs: Lrs) -> None:
    answer = lrs.get(registration=str(uuid.uuid4()))
    expect_status(answer, 200)
    expect(answer.json() == {"statements": [], "more": ""}, "not empty")


def run(endpoint: str, key: str, secret: str) -> list[tuple[str, str, str]]:
    """Run every check; returns (section, requirement, "" or the failure)."""
    lrs = Lrs(endpoint.rstrip("/") + "/", key, secret)
    results = []
    for section, text, check in CHECKS:
        try:
            check(lrs)
            problem = ""
        except Failed as failure:
            problem = str(failure) or "failed"
        except Exception as error:  # a crash is a failed requirement, reported
            problem = f"{type(error).__name__}: {error}"
        results.append((section, text, problem))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="e.g. http://host/xapi/")
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args(argv)
    results = run(args.endpoint, args.key, args.secret)
    # The report on stdout through a logger of its own (Django's logging settings,
    # when run inside the test suite, leave it alone).
    log = logging.getLogger("benchmarks.xapi_conformance")
    log.propagate = False
    log.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    try:
        for section, text, problem in results:
            mark = "PASS" if not problem else "FAIL"
            line = f"{mark}  {section:<32} {text}"
            log.info(line if not problem else f"{line}\n      {problem}")
        passed = sum(1 for *_rest, problem in results if not problem)
        log.info("\n%s of %s requirements pass", passed, len(results))
    finally:
        log.removeHandler(handler)
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
