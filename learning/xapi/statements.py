"""xAPI 1.0.3 statements as the LRS checks them: the shape the specification gives
each object (statement, Agent, Group, Activity, StatementRef, SubStatement, result,
context, attachments), and what the store pulls out of a checked statement.

A problem raises StatementInvalid naming the statement's index in the request and
the path of the offending field ("statement 0, actor.mbox: …"). Nothing here reads
the database: who may write what, and what a statement counts for, is decided by
the services.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

XAPI_VERSION = "1.0.3"


MAX_BODY_BYTES = 1024 * 1024


MAX_STATEMENTS = 100


# Deeper JSON is refused before anything walks it (Python's JSON decoder and the
# database adapters recurse); no statement the specification describes comes close.
MAX_DEPTH = 32


DEFAULT_LIMIT = 50


MAX_LIMIT = 200


ADL_VERBS = "http://adlnet.gov/expapi/verbs/"


VOIDED_VERB = ADL_VERBS + "voided"


FINAL_VERBS = ("answered", "completed", "passed", "failed")


# Server-set parts of a stored statement, left out when comparing a replayed one.
_SERVER_KEYS = ("stored", "authority")


_VERSION = re.compile(r"^1\.0(\.\d+)?$")


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")


_DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)


_FOUR_PLACES = Decimal("0.0001")


_STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
_SUBSTATEMENT_KEYS = {
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
}
_AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
_IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_ACTIVITY_DEFINITION_KEYS = {
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
}
_INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
_INTERACTION_COMPONENTS = ("choices", "scale", "source", "target", "steps")
_RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
_CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}
_CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
_ATTACHMENT_KEYS = {
    "usageType",
    "display",
    "description",
    "contentType",
    "length",
    "sha2",
    "fileUrl",
}


class XAPIError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StatementInvalid(XAPIError):
    status = 400


class ActivityForbidden(XAPIError):
    status = 403


class StatementConflict(XAPIError):
    status = 409


class RequestTooLarge(XAPIError):
    status = 413


class TooManyRequests(XAPIError):
    status = 429

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        # Seconds until the limit lets the sender in again (the Retry-After header).
        self.retry_after = retry_after


def moment_parse(value) -> datetime.datetime | None:
    """An ISO 8601 date and time with a time zone, in UTC; None when the text is not
    one, names no time zone, uses the forbidden offset -00:00, or falls outside the
    years 1–9999 once in UTC (9999-12-31T23:59:59-23:59)."""
    if not isinstance(value, str) or "T" not in value.upper() or len(value) > 64:
        return None
    if value.endswith("-00:00") or value.endswith("-0000"):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        return None


def json_depth_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects nest deeper than `limit` (checked without
    recursion, so a hostile document cannot exhaust the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def agent_ifi(agent: dict) -> str:
    """The identifier an Agent or identified Group is known by ("" for an anonymous
    Group): the form the store keeps and the agent filter compares."""
    if not isinstance(agent, dict):
        return ""
    if isinstance(agent.get("mbox"), str):
        return "mbox:" + agent["mbox"].lower()
    if isinstance(agent.get("mbox_sha1sum"), str):
        return "mbox_sha1sum:" + agent["mbox_sha1sum"].lower()
    if isinstance(agent.get("openid"), str):
        return "openid:" + agent["openid"]
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return ""


def agent_ifis(agent) -> set[str]:
    """An Agent's or Group's identifier with those of a group's members."""
    ifis = {agent_ifi(agent)} - {""}
    if isinstance(agent, dict) and isinstance(agent.get("member"), list):
        ifis |= {agent_ifi(member) for member in agent["member"]} - {""}
    return ifis


def mbox_sha1sum(mbox: str) -> str:
    return hashlib.sha1(mbox.encode()).hexdigest()  # noqa: S324 (the spec's hash)


@dataclass
class CheckedStatement:
    """One statement that passed the checks, ready to store."""

    statement_id: uuid.UUID
    body: dict  # as the client sent it, with id, timestamp and version filled in
    actor: dict
    actor_ifi: str
    verb: str
    object_type: str
    activity_iri: str  # the object's id when it is an Activity, else ""
    statement_ref: uuid.UUID | None  # the target when the object is a StatementRef
    registration: uuid.UUID | None
    timestamp: datetime.datetime
    timestamp_given: bool
    scaled: Decimal | None
    success: bool | None
    completion: bool | None
    is_final: bool
    agents: set[str] = field(default_factory=set)
    related_activities: set[str] = field(default_factory=set)
    related_agents: set[str] = field(default_factory=set)

    @property
    def voids(self) -> uuid.UUID | None:
        """The statement this one voids, if it is a voiding statement."""
        return self.statement_ref if self.verb == VOIDED_VERB else None


class _Checker:
    """Walks one statement, raising StatementInvalid at the first problem."""

    def __init__(self, index: int | None):
        self.index = index
        self.activities: set[str] = set()
        self.agents: set[str] = set()

    def fail(self, path: str, problem: str) -> StatementInvalid:
        if self.index is None:  # a query parameter, not a statement
            return StatementInvalid(
                _("%(field)s: %(problem)s") % {"field": path, "problem": problem}
            )
        return StatementInvalid(
            _("Statement %(index)s, %(field)s: %(problem)s")
            % {"index": self.index, "field": path, "problem": problem}
        )

    # Basic values ---------------------------------------------------------------

    def object(self, value, path: str, allowed: set[str] | None = None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, _("must be a JSON object."))
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    raise self.fail(
                        f"{path}.{key}" if path else key,
                        _("is not a property the xAPI specification allows here."),
                    )
        return value

    def string(self, value, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, _("must be a string."))
        return value

    def iri(self, value, path: str, *, max_length: int = 2048) -> str:
        if value is None:
            raise self.fail(path, _("this field is required."))
        if not isinstance(value, str) or not _IRI.match(value):
            raise self.fail(path, _("must be an IRI."))
        if len(value) > max_length:
            raise self.fail(
                path, _("must be at most %(max)s characters.") % {"max": max_length}
            )
        return value

    def uuid(self, value, path: str) -> uuid.UUID:
        if not isinstance(value, str) or not _UUID.match(value):
            raise self.fail(path, _("must be a UUID."))
        return uuid.UUID(value)

    def number(self, value, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, _("must be a number."))
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(path, _("must be a finite number."))
        return number

    def boolean(self, value, path: str) -> bool | None:
        if value is not None and not isinstance(value, bool):
            raise self.fail(path, _("must be true or false."))
        return value

    def language_map(self, value, path: str) -> None:
        value = self.object(value, path)
        for tag, text in value.items():
            if not _LANGUAGE_TAG.match(tag):
                raise self.fail(
                    f"{path}.{tag}", _("must be keyed by a language tag (RFC 5646).")
                )
            if not isinstance(text, str):
                raise self.fail(f"{path}.{tag}", _("must be a string."))

    def extensions(self, value, path: str) -> None:
        value = self.object(value, path)
        for key in value:
            if not _IRI.match(key):
                raise self.fail(f"{path}.{key}", _("an extension key must be an IRI."))

    def moment(self, value, path: str) -> datetime.datetime:
        moment = moment_parse(value)
        if moment is None:
            raise self.fail(
                path,
                _(
                    "must be an ISO 8601 date and time with a time zone, "
                    "between the years 1 and 9999."
                ),
            )
        return moment

    # Agents and groups ----------------------------------------------------------

    def agent(self, value, path: str, *, group_allowed: bool = True) -> dict:
        value = self.object(value, path)
        kind = value.get("objectType", "Agent")
        if kind == "Group" and group_allowed:
            return self.group(value, path)
        if kind != "Agent":
            raise self.fail(
                f"{path}.objectType",
                _("must be Agent or Group.") if group_allowed else _("must be Agent."),
            )
        self.object(value, path, _AGENT_KEYS)
        if self.ifis(value, path) != 1:
            raise self.fail(
                path,
                _(
                    "an Agent needs exactly one identifier (mbox, mbox_sha1sum, "
                    "openid or account)."
                ),
            )
        self.agents.add(agent_ifi(value))
        return value

    def group(self, value, path: str) -> dict:
        self.object(value, path, {*_AGENT_KEYS, "member"})
        count = self.ifis(value, path)
        if count > 1:
            raise self.fail(path, _("a Group has at most one identifier."))
        members = value.get("member")
        if count == 0 and members is None:
            raise self.fail(
                f"{path}.member", _("an anonymous Group must list its members.")
            )
        if members is not None:
            if not isinstance(members, list):
                raise self.fail(f"{path}.member", _("must be a list of Agents."))
            for position, member in enumerate(members):
                self.agent(member, f"{path}.member[{position}]", group_allowed=False)
        if count:
            self.agents.add(agent_ifi(value))
        return value

    def ifis(self, value: dict, path: str) -> int:
        if value.get("name") is not None:
            self.string(value["name"], f"{path}.name")
        count = 0
        for key in _IFI_KEYS:
            if key not in value:
                continue
            count += 1
            item = value[key]
            where = f"{path}.{key}"
            if key == "mbox":
                if not (
                    isinstance(item, str)
                    and item.startswith("mailto:")
                    and "@" in item[7:]
                ):
                    raise self.fail(where, _("must be a mailto: IRI."))
            elif key == "mbox_sha1sum":
                if not (isinstance(item, str) and _SHA1.match(item)):
                    raise self.fail(where, _("must be a SHA-1 hash in hexadecimal."))
            elif key == "openid":
                self.iri(item, where)
            else:
                account = self.object(item, where, {"homePage", "name"})
                self.iri(account.get("homePage"), f"{where}.homePage")
                if not isinstance(account.get("name"), str) or not account["name"]:
                    raise self.fail(f"{where}.name", _("must be a non-empty string."))
        return count

    # Objects ---------------------------------------------------------------------

    def activity(self, value, path: str) -> str:
        value = self.object(value, path, {"objectType", "id", "definition"})
        if value.get("objectType", "Activity") != "Activity":
            raise self.fail(f"{path}.objectType", _("must be Activity."))
        iri = self.iri(value.get("id"), f"{path}.id", max_length=500)
        if value.get("definition") is not None:
            self.definition(value["definition"], f"{path}.definition")
        self.activities.add(iri)
        return iri

    def definition(self, value, path: str) -> None:
        value = self.object(value, path, _ACTIVITY_DEFINITION_KEYS)
        for key in ("name", "description"):
            if value.get(key) is not None:
                self.language_map(value[key], f"{path}.{key}")
        if value.get("type") is not None:
            self.iri(value["type"], f"{path}.type")
        if value.get("moreInfo") is not None:
            self.iri(value["moreInfo"], f"{path}.moreInfo")
        if value.get("extensions") is not None:
            self.extensions(value["extensions"], f"{path}.extensions")
        kind = value.get("interactionType")
        if kind is not None and kind not in _INTERACTION_TYPES:
            raise self.fail(
                f"{path}.interactionType", _("is not an xAPI interaction type.")
            )
        pattern = value.get("correctResponsesPattern")
        if pattern is not None and not (
            isinstance(pattern, list) and all(isinstance(p, str) for p in pattern)
        ):
            raise self.fail(
                f"{path}.correctResponsesPattern", _("must be a list of strings.")
            )
        for key in _INTERACTION_COMPONENTS:
            components = value.get(key)
            if components is None:
                continue
            if not isinstance(components, list):
                raise self.fail(f"{path}.{key}", _("must be a list."))
            for position, component in enumerate(components):
                where = f"{path}.{key}[{position}]"
                component = self.object(component, where, {"id", "description"})
                self.string(component.get("id"), f"{where}.id")
                if component.get("description") is not None:
                    self.language_map(component["description"], f"{where}.description")

    def statement_ref(self, value, path: str) -> uuid.UUID:
        value = self.object(value, path, {"objectType", "id"})
        return self.uuid(value.get("id"), f"{path}.id")

    def verb(self, value, path: str) -> str:
        value = self.object(value, path, {"id", "display"})
        verb = self.iri(value.get("id"), f"{path}.id", max_length=255)
        if value.get("display") is not None:
            self.language_map(value["display"], f"{path}.display")
        return verb

    def target(self, value, path: str, *, sub: bool) -> tuple[str, str, str | None]:
        """The statement's object: (objectType, activity IRI or "", StatementRef
        target or None)."""
        value = self.object(value, path)
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            return kind, self.activity(value, path), None
        if kind in ("Agent", "Group"):
            self.agent(value, path)
            return kind, "", None
        if kind == "StatementRef":
            return kind, "", str(self.statement_ref(value, path))
        if kind == "SubStatement" and not sub:
            self.substatement(value, path)
            return kind, "", None
        raise self.fail(
            f"{path}.objectType",
            _("must be Activity, Agent, Group or StatementRef.")
            if sub
            else _("must be Activity, Agent, Group, StatementRef or SubStatement."),
        )

    def substatement(self, value, path: str) -> None:
        self.object(value, path, _SUBSTATEMENT_KEYS)
        if "actor" not in value:
            raise self.fail(f"{path}.actor", _("this field is required."))
        self.agent(value["actor"], f"{path}.actor")
        self.verb(value.get("verb"), f"{path}.verb")
        kind, _iri, _ref = self.target(value.get("object"), f"{path}.object", sub=True)
        if value.get("result") is not None:
            self.result(value["result"], f"{path}.result")
        if value.get("context") is not None:
            self.context(value["context"], f"{path}.context", object_type=kind)
        if value.get("timestamp") is not None:
            self.moment(value["timestamp"], f"{path}.timestamp")
        if value.get("attachments") is not None:
            self.attachments(value["attachments"], f"{path}.attachments")

    # Result, context, attachments --------------------------------------------------

    def result(
        self, value, path: str
    ) -> tuple[Decimal | None, bool | None, bool | None]:
        value = self.object(value, path, _RESULT_KEYS)
        scaled = None
        if value.get("score") is not None:
            scaled = self.score(value["score"], f"{path}.score")
        success = self.boolean(value.get("success"), f"{path}.success")
        completion = self.boolean(value.get("completion"), f"{path}.completion")
        if value.get("response") is not None:
            self.string(value["response"], f"{path}.response")
        duration = value.get("duration")
        if duration is not None and not (
            isinstance(duration, str) and _DURATION.match(duration)
        ):
            raise self.fail(f"{path}.duration", _("must be an ISO 8601 duration."))
        if value.get("extensions") is not None:
            self.extensions(value["extensions"], f"{path}.extensions")
        return scaled, success, completion

    def score(self, value, path: str) -> Decimal | None:
        """Check result.score; return the scaled score (raw / max when not given)."""
        score = self.object(value, path, {"scaled", "raw", "min", "max"})
        numbers = {}
        for key in ("scaled", "raw", "min", "max"):
            if score.get(key) is not None:
                numbers[key] = self.number(score[key], f"{path}.{key}")
        scaled, raw = numbers.get("scaled"), numbers.get("raw")
        low, high = numbers.get("min"), numbers.get("max")
        if scaled is not None and not -1 <= scaled <= 1:
            raise self.fail(f"{path}.scaled", _("must be between -1 and 1."))
        if low is not None and high is not None and not low < high:
            raise self.fail(f"{path}.min", _("must be less than max."))
        if raw is not None and low is not None and raw < low:
            raise self.fail(f"{path}.raw", _("must not be less than min."))
        if raw is not None and high is not None and raw > high:
            raise self.fail(f"{path}.raw", _("must not be more than max."))
        if scaled is not None:
            return _scaled(scaled)
        if raw is not None and high is not None and high > 0:
            return _scaled(raw / high)
        return None

    def context(
        self, value, path: str, *, object_type: str
    ) -> tuple[uuid.UUID | None, bool]:
        """Check a context; return its registration and whether it names a parent
        activity (a question inside an activity)."""
        value = self.object(value, path, _CONTEXT_KEYS)
        registration = None
        if value.get("registration") is not None:
            registration = self.uuid(value["registration"], f"{path}.registration")
        if value.get("instructor") is not None:
            self.agent(value["instructor"], f"{path}.instructor")
        if value.get("team") is not None:
            team = self.object(value["team"], f"{path}.team")
            if team.get("objectType") != "Group":
                raise self.fail(f"{path}.team.objectType", _("must be Group."))
            self.group(team, f"{path}.team")
        for key in ("revision", "platform"):
            if value.get(key) is not None:
                self.string(value[key], f"{path}.{key}")
                if object_type != "Activity":
                    raise self.fail(
                        f"{path}.{key}",
                        _("is allowed only when the object is an Activity."),
                    )
        if value.get("language") is not None and not (
            isinstance(value["language"], str)
            and _LANGUAGE_TAG.match(value["language"])
        ):
            raise self.fail(f"{path}.language", _("must be a language tag (RFC 5646)."))
        if value.get("statement") is not None:
            reference = self.object(value["statement"], f"{path}.statement")
            if reference.get("objectType") != "StatementRef":
                raise self.fail(
                    f"{path}.statement.objectType", _("must be StatementRef.")
                )
            self.statement_ref(reference, f"{path}.statement")
        if value.get("extensions") is not None:
            self.extensions(value["extensions"], f"{path}.extensions")
        has_parent = False
        if value.get("contextActivities") is not None:
            where = f"{path}.contextActivities"
            activities = self.object(
                value["contextActivities"], where, set(_CONTEXT_ACTIVITY_KEYS)
            )
            for key in _CONTEXT_ACTIVITY_KEYS:
                items = activities.get(key)
                if items is None:
                    continue
                if isinstance(items, dict):
                    self.activity(items, f"{where}.{key}")
                    items = [items]
                elif isinstance(items, list):
                    for position, item in enumerate(items):
                        self.activity(item, f"{where}.{key}[{position}]")
                else:
                    raise self.fail(
                        f"{where}.{key}", _("must be an Activity or a list of them.")
                    )
                if key == "parent" and items:
                    has_parent = True
        return registration, has_parent

    def attachments(self, value, path: str) -> None:
        if not isinstance(value, list):
            raise self.fail(path, _("must be a list."))
        for position, item in enumerate(value):
            where = f"{path}[{position}]"
            item = self.object(item, where, _ATTACHMENT_KEYS)
            self.iri(item.get("usageType"), f"{where}.usageType")
            if item.get("display") is None:
                raise self.fail(f"{where}.display", _("this field is required."))
            self.language_map(item["display"], f"{where}.display")
            if item.get("description") is not None:
                self.language_map(item["description"], f"{where}.description")
            self.string(item.get("contentType"), f"{where}.contentType")
            length = item.get("length")
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise self.fail(f"{where}.length", _("must be a whole number."))
            self.string(item.get("sha2"), f"{where}.sha2")
            if item.get("fileUrl") is not None:
                self.iri(item["fileUrl"], f"{where}.fileUrl")


def agent_parameter(text: str) -> str:
    """The identifier the `agent` query parameter names (an Agent or an identified
    Group as JSON); StatementInvalid naming the problem otherwise."""
    check = _Checker(None)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise check.fail("agent", _("must be an Agent as JSON.")) from None
    if json_depth_exceeds(value):
        raise check.fail("agent", _("must be an Agent as JSON."))
    agent = check.agent(value, "agent")
    ifi = agent_ifi(agent)
    if not ifi:
        raise check.fail("agent", _("an anonymous Group cannot be a filter."))
    return ifi


def _scaled(value: float) -> Decimal:
    clamped = min(max(value, -1.0), 1.0)
    return Decimal(str(clamped)).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def verb_is_final(verb: str) -> bool:
    """An answered/completed/passed/failed verb (the ADL ones H5P sends)."""
    return any(verb.endswith("/" + name) for name in FINAL_VERBS)


def statement_check(*, raw, index: int, now: datetime.datetime) -> CheckedStatement:
    """Check one statement as the client sent it (xAPI 1.0.3, Data 2.4); raise
    StatementInvalid naming the statement's index and the path of the field at
    fault. The returned body is the client's, with the id, timestamp and version
    the LRS fills in when they are missing."""
    check = _Checker(index)
    check.object(raw, "statement")
    body = copy.deepcopy(raw)
    check.object(body, "", _STATEMENT_KEYS)
    body.pop("stored", None)  # set by the LRS
    body.pop("authority", None)  # set by the LRS from the credentials used

    if body.get("id") is None:
        statement_id = uuid.uuid4()
    else:
        statement_id = check.uuid(body["id"], "id")
    body["id"] = str(statement_id)

    if body.get("version") is None:
        body["version"] = "1.0.0"
    elif not (isinstance(body["version"], str) and _VERSION.match(body["version"])):
        raise check.fail("version", _("must be a 1.0.x version, such as 1.0.3."))

    if "actor" not in body:
        raise check.fail("actor", _("this field is required."))
    actor = check.agent(body["actor"], "actor")
    actor_ifi = agent_ifi(actor)

    verb = check.verb(body.get("verb"), "verb")
    if body.get("object") is None:
        raise check.fail("object", _("this field is required."))
    object_type, activity_iri, ref = check.target(body["object"], "object", sub=False)
    if verb == VOIDED_VERB and object_type != "StatementRef":
        raise check.fail(
            "object.objectType",
            _("a voiding statement's object must be a StatementRef."),
        )

    scaled = success = completion = None
    if body.get("result") is not None:
        scaled, success, completion = check.result(body["result"], "result")

    registration, has_parent = None, False
    if body.get("context") is not None:
        registration, has_parent = check.context(
            body["context"], "context", object_type=object_type
        )

    timestamp_given = body.get("timestamp") is not None
    if timestamp_given:
        timestamp = check.moment(body["timestamp"], "timestamp")
    else:
        timestamp = now
        body["timestamp"] = now.isoformat()

    if body.get("attachments") is not None:
        check.attachments(body["attachments"], "attachments")

    return CheckedStatement(
        statement_id=statement_id,
        body=body,
        actor=actor,
        actor_ifi=actor_ifi,
        verb=verb,
        object_type=object_type,
        activity_iri=activity_iri,
        statement_ref=uuid.UUID(ref) if ref else None,
        registration=registration,
        timestamp=timestamp,
        timestamp_given=timestamp_given,
        scaled=scaled,
        success=success,
        completion=completion,
        is_final=(object_type == "Activity" and not has_parent and verb_is_final(verb)),
        agents=agent_ifis(actor)
        | (agent_ifis(body["object"]) if object_type in ("Agent", "Group") else set()),
        related_activities=check.activities,
        related_agents=check.agents,
    )


def statements_check(*, payload, now: datetime.datetime) -> list[CheckedStatement]:
    """Check a request's statements (one object or a list of them). Two statements
    with one id in a request are refused (400), as the specification asks."""
    raws = payload if isinstance(payload, list) else [payload]
    if not raws:
        raise StatementInvalid(_("Send at least one statement."))
    if len(raws) > MAX_STATEMENTS:
        raise RequestTooLarge(
            _("Send at most %(max)s statements per request.") % {"max": MAX_STATEMENTS}
        )
    if json_depth_exceeds(raws):
        raise StatementInvalid(
            _("The statements nest deeper than %(max)s levels.") % {"max": MAX_DEPTH}
        )
    checked = [
        statement_check(raw=raw, index=index, now=now) for index, raw in enumerate(raws)
    ]
    seen: set[uuid.UUID] = set()
    for index, statement in enumerate(checked):
        if statement.statement_id in seen:
            raise StatementInvalid(
                _("Statement %(index)s: id %(id)s is used twice in this request.")
                % {"index": index, "id": statement.statement_id}
            )
        seen.add(statement.statement_id)
    return checked


def statement_comparable(body: dict) -> dict:
    """A statement without what the LRS sets, to tell a replay from a conflict."""
    return {key: value for key, value in body.items() if key not in _SERVER_KEYS}


def _language_pick(value: dict, languages: list[str]) -> dict:
    if not isinstance(value, dict) or len(value) <= 1:
        return value
    lowered = {tag.lower(): tag for tag in value}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted in lowered:
            tag = lowered[wanted]
            return {tag: value[tag]}
        for low, tag in lowered.items():
            if low.split("-")[0] == wanted.split("-")[0]:
                return {tag: value[tag]}
    tag = next(iter(value))
    return {tag: value[tag]}


def _agent_ids(agent) -> dict:
    if not isinstance(agent, dict):
        return agent
    kept = {key: agent[key] for key in ("objectType", *_IFI_KEYS) if key in agent}
    if agent.get("objectType") == "Group" and not any(k in agent for k in _IFI_KEYS):
        kept["member"] = [_agent_ids(m) for m in agent.get("member") or []]
    return kept


def statement_formatted(body: dict, *, format: str, languages: list[str]) -> dict:
    """A stored statement in the query's format: "exact" as stored; "ids" with
    Agents, Groups, Activities and Verbs reduced to what identifies them;
    "canonical" with one language per language map, chosen by Accept-Language."""
    if format == "exact":
        return body
    body = copy.deepcopy(body)

    def activity(value):
        if not isinstance(value, dict):
            return value
        if format == "ids":
            return {k: value[k] for k in ("objectType", "id") if k in value}
        definition = value.get("definition")
        if isinstance(definition, dict):
            for key in ("name", "description"):
                if key in definition:
                    definition[key] = _language_pick(definition[key], languages)
            for key in _INTERACTION_COMPONENTS:
                for component in definition.get(key) or []:
                    if isinstance(component, dict) and "description" in component:
                        component["description"] = _language_pick(
                            component["description"], languages
                        )
        return value

    def walk(statement: dict) -> None:
        if format == "ids":
            for key in ("actor", "authority"):
                if key in statement:
                    statement[key] = _agent_ids(statement[key])
            if isinstance(statement.get("verb"), dict):
                statement["verb"] = {"id": statement["verb"].get("id")}
        elif isinstance(statement.get("verb"), dict) and "display" in statement["verb"]:
            statement["verb"]["display"] = _language_pick(
                statement["verb"]["display"], languages
            )
        target = statement.get("object")
        if isinstance(target, dict):
            kind = target.get("objectType", "Activity")
            if kind == "Activity":
                statement["object"] = activity(target)
            elif kind in ("Agent", "Group") and format == "ids":
                statement["object"] = _agent_ids(target)
            elif kind == "SubStatement":
                walk(target)
        context = statement.get("context")
        if isinstance(context, dict):
            if format == "ids":
                for key in ("instructor", "team"):
                    if key in context:
                        context[key] = _agent_ids(context[key])
            groups = context.get("contextActivities")
            if isinstance(groups, dict):
                for key, items in groups.items():
                    if isinstance(items, list):
                        groups[key] = [activity(item) for item in items]
                    else:
                        groups[key] = activity(items)

    walk(body)
    return body
