"""The LRS's writes: storing statements (from a learner's own player or from a tool
with LRS credentials), voiding, the launches the server issues for H5P activities,
and turning final statements of a real attempt into H5P results, evidence and
lesson progress.

A result counts only when all of this holds (else the statement is stored with the
reason it did not, see Credit):
- the statement is a top-level final statement (answered/completed/passed/failed)
  about an activity of this site (its configured base URL), one that exists;
- its actor is a person of this site, and its context.registration is a launch the
  server issued when it rendered that activity to that person, who was enrolled in
  the course then and still is;
- the launch is recent (XAPI_LAUNCH_VALID_HOURS) and at least
  XAPI_MIN_ATTEMPT_SECONDS old when the statement arrives (no answer sooner than
  the activity can be answered).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from assessments.models import Competency, Evidence
from assessments.services.evidence import evidence_record, evidence_revoke
from audit.limits import XAPI_POSTS, Limited, limit_hit
from audit.services import record
from courses.h5p.activities import ActivityInfo, is_site_iri, site_base_url
from courses.selectors import activities_for_iris
from learning import policy
from learning.journey.models import Enrollment, H5PResult
from learning.journey.services import lesson_activity_done
from learning.xapi.models import (
    Credit,
    LaunchRegistration,
    LRSCredential,
    XAPIStatement,
)
from learning.xapi.selectors import h5p_evidence_unbacked
from learning.xapi.statements import (
    VOIDED_VERB,
    ActivityForbidden,
    CheckedStatement,
    StatementConflict,
    StatementInvalid,
    TooManyRequests,
    agent_ifi,
    mbox_sha1sum,
    statement_comparable,
    statements_check,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Writer:
    """Who is sending statements: a signed-in learner (their own player) or a tool
    with LRS credentials."""

    learner: Any = None
    credential: LRSCredential | None = None

    @property
    def key(self) -> str:
        if self.credential is not None:
            return f"credential:{self.credential.pk}"
        return f"user:{getattr(self.learner, 'pk', '')}"


def learner_actor(*, learner) -> dict:
    """The xAPI actor that stands for a person of this site: an account on the
    site's configured base URL named by the username."""
    return {
        "objectType": "Agent",
        "name": learner.get_full_name() or learner.get_username(),
        "account": {"homePage": site_base_url(), "name": learner.get_username()},
    }


def learner_ifis(learner) -> set[str]:
    """The identifiers an actor may use to be this person: the site account, and
    the person's e-mail address (plain or hashed) when they have one."""
    ifis = {agent_ifi(learner_actor(learner=learner))}
    if learner.email:
        mbox = "mailto:" + learner.email
        ifis.add("mbox:" + mbox.lower())
        ifis.add("mbox_sha1sum:" + mbox_sha1sum(mbox))
    return ifis


def _account_usernames(checked: list[CheckedStatement]) -> dict[str, str]:
    """actor IFI -> username, for actors that are accounts on this site."""
    base = site_base_url()
    names = {}
    for statement in checked:
        account = statement.actor.get("account")
        if (
            statement.actor.get("objectType", "Agent") == "Agent"
            and isinstance(account, dict)
            and str(account.get("homePage", "")).rstrip("/") == base
        ):
            names[statement.actor_ifi] = account["name"]
    return names


def _learners_of(
    *, writer: Writer, checked: list[CheckedStatement]
) -> list[Any]:
    """The site person each statement is about (None for nobody of this site);
    ActivityForbidden when the writer may not write about that actor."""
    if writer.learner is not None:
        own = learner_ifis(writer.learner)
        for index, statement in enumerate(checked):
            if statement.actor_ifi not in own:
                raise ActivityForbidden(
                    _(
                        "Statement %(index)s, actor: you may record statements "
                        "only about yourself."
                    )
                    % {"index": index}
                )
        return [writer.learner] * len(checked)
    credential = writer.credential
    assert credential is not None
    usernames = _account_usernames(checked)
    people = {
        user.get_username(): user
        for user in get_user_model()
        .objects.filter(username__in=set(usernames.values()))
        .select_related("learner_profile__department")
    }
    learners = []
    for index, statement in enumerate(checked):
        person = people.get(usernames.get(statement.actor_ifi, ""))
        if person is not None and not _in_scope(person, credential):
            raise ActivityForbidden(
                _(
                    "Statement %(index)s, actor: this credential may not record "
                    "statements about people outside its department."
                )
                % {"index": index}
            )
        learners.append(person)
    return learners


def _in_scope(person, credential: LRSCredential) -> bool:
    profile = getattr(person, "learner_profile", None)
    department = getattr(profile, "department", None)
    return department is not None and department.path.startswith(
        credential.department.path
    )


def _existing(checked: list[CheckedStatement]) -> set[uuid.UUID]:
    """The ids of the request already stored (replays, left alone);
    StatementConflict when an id is stored with another statement (one query)."""
    stored = dict(
        XAPIStatement.objects.filter(
            statement_id__in=[s.statement_id for s in checked]
        ).values_list("statement_id", "body")
    )
    known = set()
    for index, statement in enumerate(checked):
        body = stored.get(statement.statement_id)
        if body is None:
            continue
        compare = dict(statement.body)
        if not statement.timestamp_given:  # the LRS filled it in, both times
            compare["timestamp"] = body.get("timestamp")
        if statement_comparable(body) != statement_comparable(compare):
            raise StatementConflict(
                _("Statement %(index)s: id %(id)s is already in use.")
                % {"index": index, "id": statement.statement_id}
            )
        known.add(statement.statement_id)
    return known


def _voiding_check(*, writer: Writer, checked: list[CheckedStatement]) -> None:
    """A voiding statement may not target a voiding statement (400) nor someone
    else's statement (403). A target the LRS does not hold is no reason to refuse."""
    batch = {s.statement_id: s for s in checked}
    rows = {
        row.statement_id: row
        for row in XAPIStatement.objects.filter(
            statement_id__in=[s.voids for s in checked if s.voids]
        ).only("statement_id", "verb", "learner_id", "credential_id")
    }
    for index, statement in enumerate(checked):
        target = statement.voids
        if target is None:
            continue
        in_batch = batch.get(target)
        row = rows.get(target)
        verb = in_batch.verb if in_batch else (row.verb if row else "")
        if verb == statement.verb:
            raise StatementInvalid(
                _(
                    "Statement %(index)s, object.id: a voiding statement cannot be "
                    "voided."
                )
                % {"index": index}
            )
        if row is not None and not _may_change(writer, row):
            raise ActivityForbidden(
                _("Statement %(index)s, object.id: you may not void %(id)s.")
                % {"index": index, "id": target}
            )


def _may_change(writer: Writer, row: XAPIStatement) -> bool:
    if writer.learner is not None:
        return row.learner_id == writer.learner.pk
    assert writer.credential is not None
    return row.credential_id == writer.credential.pk or (
        row.learner_id is not None
        and XAPIStatement.objects.filter(
            pk=row.pk,
            learner__learner_profile__department__path__startswith=(
                writer.credential.department.path
            ),
        ).exists()
    )


def _size(statement: CheckedStatement) -> int:
    return len(json.dumps(statement.body, ensure_ascii=False).encode())


def _quota_check(*, writer: Writer, new: list[CheckedStatement], now) -> list[int]:
    """The size of each new statement; TooManyRequests when they would take the
    writer past the bytes a learner (or a tool) may store per day."""
    sizes = [_size(s) for s in new]
    limit = settings.XAPI_DAILY_BYTES
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = XAPIStatement.objects.filter(stored__gte=start, stored__lte=now)
    if writer.credential is not None:
        rows = rows.filter(credential=writer.credential)
    else:
        rows = rows.filter(learner=writer.learner, credential=None)
    used = rows.aggregate(total=Sum("size"))["total"] or 0
    if used + sum(sizes) > limit:
        tomorrow = start + datetime.timedelta(days=1)
        raise TooManyRequests(
            _(
                "You have stored %(used)s of the %(limit)s bytes of statements "
                "allowed per day; try again tomorrow."
            )
            % {"used": used, "limit": limit},
            retry_after=int((tomorrow - now).total_seconds()) + 1,
        )
    return sizes


def post_rate_check(*, writer: Writer, address: str | None) -> None:
    """Count one statement request for the writer and for the address it came from;
    TooManyRequests past XAPI_POSTS_PER_MINUTE (per person or tool) or
    XAPI_POSTS_PER_MINUTE_PER_ADDRESS within the current minute."""
    try:
        limit_hit(XAPI_POSTS, user_key=writer.key, address=address)
    except Limited as limited:
        raise TooManyRequests(
            _("Too many statements sent in a minute; wait a minute and send again."),
            retry_after=limited.retry_after,
        ) from None


def _activity_of(iri: str) -> str:
    # The player names a question inside an activity "<activity>?subContentId=…".
    return iri.split("?", 1)[0]


def launch_registration(
    *, learner_id: int, activity_iri: str, issued: int
) -> uuid.UUID:
    """The registration of a launch of `activity_iri` to a person at `issued`
    (seconds since 1970): the time in the first 32 bits, then an HMAC (keyed by
    SECRET_KEY) of person, activity and time, as a UUID. Nobody without the key
    can make one, and checking one needs no stored row."""
    mac = salted_hmac(
        "learning.xapi.launch",
        f"{learner_id}|{activity_iri}|{issued}",
        algorithm="sha256",
    ).digest()
    value = ((issued & 0xFFFFFFFF) << 96) | int.from_bytes(mac[:12], "big")
    return uuid.UUID(int=value, version=4)


def launches_issue(
    *, learner, activity_iris: list[str], now: datetime.datetime | None = None
) -> dict[str, uuid.UUID]:
    """A launch registration for each activity the server renders to a learner
    (the caller checks the enrollment): activity IRI -> registration. Writes
    nothing; the player puts it in every statement's context.registration."""
    issued = int((now or timezone.now()).timestamp())
    return {
        iri: launch_registration(learner_id=learner.pk, activity_iri=iri, issued=issued)
        for iri in activity_iris
    }


def _launch_issued_at(
    registration: uuid.UUID | None, *, learner_id: int, activity_iri: str
) -> datetime.datetime | None:
    """When the server issued this registration to this person for this activity;
    None when it did not."""
    if registration is None:
        return None
    issued = registration.int >> 96
    expected = launch_registration(
        learner_id=learner_id, activity_iri=activity_iri, issued=issued
    )
    if not hmac.compare_digest(expected.bytes, registration.bytes):
        return None
    return datetime.datetime.fromtimestamp(issued, tz=datetime.UTC)


def _credits(
    *,
    new: list[CheckedStatement],
    learners: dict[uuid.UUID, Any],
    now: datetime.datetime,
) -> tuple[dict[uuid.UUID, str], dict[str, ActivityInfo], list[LaunchRegistration]]:
    """What each new statement counts for (a Credit value), the activities the
    counted ones are about, and the launches they used (three queries at most)."""
    finals = [s for s in new if s.is_final]
    found = activities_for_iris(
        {_activity_of(s.activity_iri) for s in finals if is_site_iri(s.activity_iri)}
    )
    people = {getattr(learners[s.statement_id], "pk", None) for s in finals} - {None}
    courses = {activity.course_key for activity in found.values()}
    enrollments = (
        {
            (e.learner_id, e.course_key): e
            for e in Enrollment.objects.filter(
                learner_id__in=people, course_key__in=courses
            )
        }
        if people and courses
        else {}
    )
    valid_for = datetime.timedelta(hours=settings.XAPI_LAUNCH_VALID_HOURS)
    minimum = datetime.timedelta(seconds=settings.XAPI_MIN_ATTEMPT_SECONDS)
    credit: dict[uuid.UUID, str] = {}
    activities: dict[str, ActivityInfo] = {}
    used: dict[uuid.UUID, LaunchRegistration] = {}
    for statement in new:
        if statement.voids is not None:
            credit[statement.statement_id] = Credit.VOIDING
            continue
        if not statement.is_final:
            credit[statement.statement_id] = Credit.NOT_FINAL
            continue
        learner = learners[statement.statement_id]
        activity = found.get(_activity_of(statement.activity_iri))
        issued_at = enrollment = None
        if learner is not None and activity is not None:
            issued_at = _launch_issued_at(
                statement.registration, learner_id=learner.pk, activity_iri=activity.iri
            )
            enrollment = enrollments.get((learner.pk, activity.course_key))
        if not is_site_iri(statement.activity_iri):
            reason = Credit.FOREIGN
        elif activity is None:
            reason = Credit.UNKNOWN_ACTIVITY
        elif activity.iri != statement.activity_iri:
            reason = Credit.NOT_FINAL  # a question inside the activity
        elif learner is None:
            reason = Credit.NO_LEARNER
        elif statement.registration is None:
            reason = Credit.NO_REGISTRATION
        elif issued_at is None or issued_at > now:
            reason = Credit.BAD_REGISTRATION
        elif now - issued_at > valid_for:
            reason = Credit.EXPIRED
        elif (
            enrollment is None
            # Issued only to the enrolled: a launch older than the enrollment (or
            # than taking the course again) belongs to no attempt of this one.
            or enrollment.enrolled_at.replace(microsecond=0) > issued_at
            or (enrollment.retaken_at is not None and enrollment.retaken_at > issued_at)
        ):
            reason = Credit.NOT_ENROLLED
        elif now - issued_at < minimum:
            reason = Credit.TOO_FAST
        else:
            reason = Credit.COUNTED
            activities[statement.activity_iri] = activity
            used.setdefault(
                statement.registration,
                LaunchRegistration(
                    registration=statement.registration,
                    learner=learner,
                    activity_iri=activity.iri,
                    enrollment=enrollment,
                    issued_at=issued_at,
                    first_used_at=now,
                ),
            )
        credit[statement.statement_id] = reason
    return credit, activities, list(used.values())


def _authority(writer: Writer) -> dict:
    if writer.credential is not None:
        return {
            "objectType": "Agent",
            "name": writer.credential.label,
            "account": {
                "homePage": site_base_url(),
                "name": f"lrs:{writer.credential.key}",
            },
        }
    return learner_actor(learner=writer.learner)


@transaction.atomic
def statements_store(
    *, writer: Writer, payload, now: datetime.datetime | None = None
) -> list[str]:
    """Check and store a request's statements, void what they void, then update the
    H5P results of those that count; all or nothing. Returns the statement ids in
    request order. Raises an XAPIError subclass (400, 403, 409, 413 or 429) and
    stores nothing on any problem. A statement already stored unchanged is a replay
    and changes nothing. `now`: when they were stored (the demo's history), the
    present by default."""
    now = now or timezone.now()
    checked = statements_check(payload=payload, now=now)
    learner_list = _learners_of(writer=writer, checked=checked)
    learners = {
        s.statement_id: person for s, person in zip(checked, learner_list, strict=True)
    }
    authority = _authority(writer)
    for attempt in range(_STORE_ATTEMPTS):
        known = _existing(checked)
        new = [s for s in checked if s.statement_id not in known]
        if not new:
            break
        _voiding_check(writer=writer, checked=new)
        sizes = _quota_check(writer=writer, new=new, now=now)
        credit, activities, launches = _credits(new=new, learners=learners, now=now)
        rows = [
            _row(
                s,
                learner=learners[s.statement_id],
                writer=writer,
                authority=authority,
                now=now,
                credit=credit[s.statement_id],
                size=size,
            )
            for s, size in zip(new, sizes, strict=True)
        ]
        try:
            with transaction.atomic():
                XAPIStatement.objects.bulk_create(rows)
        except IntegrityError:
            # A parallel request stored one of these ids between the check and the
            # insert: look again (the same statement is then a replay, another one
            # a conflict), as if this request had come second.
            if attempt == _STORE_ATTEMPTS - 1:
                raise
            continue
        # The launches first used now, bound to person, activity and enrollment.
        LaunchRegistration.objects.bulk_create(launches, ignore_conflicts=True)
        voided = [s.voids for s in new if s.voids]
        if voided:
            XAPIStatement.objects.filter(statement_id__in=voided).exclude(
                verb=VOIDED_VERB
            ).update(voided=True)
        counted = [s for s in new if credit[s.statement_id] == Credit.COUNTED]
        by_learner: dict[int, list[CheckedStatement]] = {}
        for statement in counted:
            by_learner.setdefault(learners[statement.statement_id].pk, []).append(
                statement
            )
        for statements in by_learner.values():
            results_apply(
                learner=learners[statements[0].statement_id],
                statements=statements,
                activities=activities,
                now=now,
            )
        break
    return [str(s.statement_id) for s in checked]


# A statement id raced by parallel requests is settled by the second look; more
# attempts only guard against a request racing several others at once.
_STORE_ATTEMPTS = 3


def _bracketed(values: set[str]) -> str:
    return "".join(f"[{value}]" for value in sorted(values))


def _row(
    statement: CheckedStatement,
    *,
    learner,
    writer: Writer,
    authority: dict,
    now,
    credit: str,
    size: int,
) -> XAPIStatement:
    body = {**statement.body, "authority": authority, "stored": now.isoformat()}
    return XAPIStatement(
        statement_id=statement.statement_id,
        learner=learner,
        credential=writer.credential,
        actor_ifi=statement.actor_ifi[:600],
        verb=statement.verb,
        activity_iri=statement.activity_iri,
        statement_ref=statement.statement_ref,
        registration=statement.registration,
        timestamp=statement.timestamp,
        stored=now,
        score_scaled=statement.scaled,
        success=statement.success,
        completion=statement.completion,
        is_final=statement.is_final,
        credit=credit,
        agents=_bracketed(statement.agents),
        related_activities=_bracketed(statement.related_activities),
        related_agents=_bracketed(statement.related_agents | {agent_ifi(authority)}),
        size=size,
        body=body,
    )


def _passes(statement: CheckedStatement, activity: ActivityInfo) -> bool:
    if statement.scaled is not None:
        return statement.scaled * 100 >= activity.pass_percent
    return statement.success is True


def _results_locked(*, learner, activities: list[ActivityInfo]) -> dict[str, H5PResult]:
    """The learner's results for these activities, created when missing and locked
    for the rest of the transaction (two queries whatever exists already)."""
    H5PResult.objects.bulk_create(
        [
            H5PResult(
                learner=learner,
                activity_iri=a.iri,
                lesson_key=a.lesson_key,
                block_id=a.block_id,
            )
            for a in activities
        ],
        ignore_conflicts=True,  # existing rows, or ones a concurrent request created
    )
    return {
        r.activity_iri: r
        for r in H5PResult.objects.select_for_update().filter(
            learner=learner, activity_iri__in=[a.iri for a in activities]
        )
    }


def _evidence_write(*, learner, activity: ActivityInfo, competency, now) -> None:
    try:
        evidence_record(
            learner=learner,
            competency=competency,
            level=activity.level or 0,  # only activities with a level get here
            kind="h5p",
            observed_at=now,
            source_type="h5p",
            source_id=activity.block_id[:64],
            source_label=activity.iri,
        )
    except ValidationError as error:
        # A misconfigured block (e.g. a level off the scale) must not lose the
        # learner's statements; the result is still recorded.
        logger.warning("H5P evidence for %s not written: %s", activity.iri, error)


def results_apply(
    *,
    learner,
    statements: list[CheckedStatement],
    activities: dict[str, ActivityInfo],
    now: datetime.datetime,
) -> list[H5PResult]:
    """Update the learner's H5P results with newly stored statements that count (in
    timestamp order); write evidence for results passed for the first time and tell
    the journey about lessons whose required activities changed. Returns the changed
    results."""
    if not statements:
        return []
    ordered = sorted(statements, key=lambda s: s.timestamp)
    touched = list(
        {s.activity_iri: activities[s.activity_iri] for s in ordered}.values()
    )
    results = _results_locked(learner=learner, activities=touched)
    newly_passed: list[ActivityInfo] = []
    lessons_to_notify: dict[int, None] = {}  # in order, once each
    for statement in ordered:
        activity = activities[statement.activity_iri]
        result = results[activity.iri]
        result.attempts += 1
        if statement.scaled is not None:
            result.last_scaled = statement.scaled
            if result.best_scaled is None or statement.scaled > result.best_scaled:
                result.best_scaled = statement.scaled
        changed = False
        if result.completed_at is None:
            # Every final verb means the learner finished the activity.
            result.completed_at = now
            changed = True
        if result.passed_at is None and _passes(statement, activity):
            result.passed_at = now
            newly_passed.append(activity)
            changed = True
        if changed and activity.required:
            lessons_to_notify.setdefault(activity.lesson_id)
    for result in results.values():
        result.updated_at = now
    H5PResult.objects.bulk_update(
        list(results.values()),
        fields=[
            "attempts",
            "last_scaled",
            "best_scaled",
            "completed_at",
            "passed_at",
            "updated_at",
        ],
    )

    with_evidence = [a for a in newly_passed if a.competency_id and a.level]
    if with_evidence:
        competencies = Competency.objects.select_related("framework__scale").in_bulk(
            {a.competency_id for a in with_evidence}
        )
        for activity in with_evidence:
            competency = competencies.get(activity.competency_id)
            if competency is None:
                logger.warning("H5P activity %s: no competency", activity.iri)
                continue
            _evidence_write(
                learner=learner, activity=activity, competency=competency, now=now
            )
    # A required activity changed: the lesson (and so the course) may complete now.
    for lesson_id in lessons_to_notify:
        lesson_activity_done(learner=learner, lesson_id=lesson_id, now=now)
    return list(results.values())


# LRS credentials ----------------------------------------------------------------


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_create(
    *,
    actor,
    label: str,
    department,
    can_read: bool = True,
    can_write: bool = True,
) -> tuple[LRSCredential, str]:
    """A new key and secret for a tool (only site admins give them out). Returns
    the credential and the secret, shown once: only its hash is kept."""
    if not policy.is_site_admin(actor):
        raise ValidationError(_("Only site administrators may create LRS credentials."))
    if not (can_read or can_write):
        raise ValidationError(
            _("Give the credential the right to read, write or both.")
        )
    secret = secrets.token_urlsafe(32)
    credential = LRSCredential(
        label=label.strip(),
        key="lrs_" + secrets.token_hex(12),
        secret_hash=_secret_hash(secret),
        department=department,
        can_read=can_read,
        can_write=can_write,
        created_by=actor,
    )
    credential.full_clean()
    credential.save()
    return credential, secret


def credential_revoke(
    *, actor, credential: LRSCredential, now: datetime.datetime | None = None
) -> LRSCredential:
    """Revoke a credential: the tool's next request is refused (401). Revoking it
    again changes nothing."""
    if not policy.is_site_admin(actor):
        raise ValidationError(_("Only site administrators may revoke LRS credentials."))
    if credential.revoked_at is None:
        credential.revoked_at = now or timezone.now()
        credential.save(update_fields=["revoked_at"])
    return credential


def credential_authenticate(*, key: str, secret: str) -> LRSCredential | None:
    """The active credential with this key and secret, or None (one query; the
    comparison takes the same time whatever part is wrong)."""
    credential = (
        LRSCredential.objects.filter(key=key, revoked_at=None)
        .select_related("department")
        .first()
    )
    expected = credential.secret_hash if credential else _secret_hash("")
    if not hmac.compare_digest(expected, _secret_hash(secret)) or credential is None:
        return None
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at > (
        datetime.timedelta(minutes=5)
    ):
        LRSCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential


def h5p_evidence_unbacked_revoke(
    *, reason: str, dry_run: bool = False, now: datetime.datetime | None = None
) -> list[Evidence]:
    """Withdraw every piece of H5P evidence no launch backs (see
    selectors.h5p_evidence_unbacked): each with `reason` in its note and the
    learner's level recomputed in the same transaction, each withdrawal in the audit
    log and one entry for the whole run. With `dry_run`, only says which. Returns the
    evidence concerned."""
    if not reason.strip():
        raise ValidationError(_("Say why the evidence is withdrawn."))
    now = now or timezone.now()
    with transaction.atomic():
        found = list(h5p_evidence_unbacked().select_for_update(of=("self",)))
        if dry_run:
            return found
        for evidence in found:
            evidence_revoke(evidence=evidence, reason=reason, now=now)
        if found:
            record(
                "evidence_revoke_unbacked",
                object_type="assessments.evidence",
                object_label=str(_("H5P evidence without a launch")),
                changes={
                    "reason": reason.strip(),
                    "count": len(found),
                    "evidence": [evidence.pk for evidence in found],
                },
            )
    return found
