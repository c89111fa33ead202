"""The engine the worker runs: claims a roster import and applies it in one
transaction.

The claim lives here and only here. Celery delivers a task again when its worker
dies (acks_late), so a delivery may find the import "applying". Because the apply is
one transaction, a dead worker wrote nothing, and the next delivery may take over:
- on PostgreSQL the applying worker holds an advisory lock (learning.claims) for
  as long as it applies; a delivery that gets the lock knows nobody is applying
  (the lock goes with the dead worker's session) and takes over, one that does not
  get it leaves the import to the worker that holds it;
- without such locks (SQLite, the embedded default) a claim older than
  CLAIM_STALE_AFTER is taken over.
Only the holder of the current claim token may finish the import, so a worker
whose claim was taken over rolls back instead of writing a second time.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from learning import policy
from learning.claims import ROSTER_IMPORT, working_lock
from learning.curricula.services import assignments_sync_after_roster
from learning.organisation.models import Department, LearnerProfile
from learning.outbox.services import task_enqueue
from learning.people.services import department_create
from learning.people.tasks import email_change_send
from learning.roster.models import RosterImport
from learning.roster.planning import BATCH, User, _Plan, _plan, _report, _Scope, _today
from learning.roster.reading import RosterFileError

logger = logging.getLogger(__name__)


# Where the database has no advisory locks, a claim this old belongs to a worker
# that died: longer than any apply the embedded default runs (and than Celery's
# hard time limit).
CLAIM_STALE_AFTER = datetime.timedelta(hours=1)


class _ClaimLost(Exception):
    """Another worker took the import over while this one was applying it."""


def _claim(
    roster_import: RosterImport, *, waiting: Iterable[str], lock: bool | None
) -> str | None:
    """Mark the import applying by this worker; returns the claim token, or None
    when the import is not this worker's to apply (already applied or failed,
    not waiting, or applied by a live worker)."""
    Status = RosterImport.Status
    if lock is False:
        return None
    now = timezone.now()
    takeover = Q(status=Status.APPLYING)
    if lock is None:  # nothing proves the previous worker dead: only its age
        takeover &= Q(claimed_at__isnull=True) | Q(
            claimed_at__lt=now - CLAIM_STALE_AFTER
        )
    roster_import.refresh_from_db(fields=["status"])
    token = uuid.uuid4().hex
    claimed = RosterImport.objects.filter(
        Q(status__in=list(waiting)) | takeover, pk=roster_import.pk
    ).update(status=Status.APPLYING, claim_token=token, claimed_at=now)
    if claimed and roster_import.status == Status.APPLYING:
        logger.warning(
            "roster import %s: taken over from a dead worker", roster_import.pk
        )
    return token if claimed else None


class _ProgressWriter:
    """Writes processed_rows (and the claim's heartbeat) where other processes can
    read it while the apply's transaction is still open: through a second connection
    on PostgreSQL. On SQLite (the embedded default, where the task runs in-process) a
    second writer would wait for the first, so progress is written only at the end
    there."""

    def __init__(self, roster_import: RosterImport, token: str) -> None:
        self.pk = roster_import.pk
        self.token = token
        self.connection = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.connection = connections.create_connection("default")

    def __call__(self, processed: int, total: int) -> None:
        if self.connection is None:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    f"UPDATE {RosterImport._meta.db_table} "  # noqa: S608
                    "SET processed_rows = %s, claimed_at = %s "
                    "WHERE id = %s AND claim_token = %s",
                    [min(processed, total), timezone.now(), self.pk, self.token],
                )
        except Exception:  # progress must never break the import
            logger.warning("roster import %s: progress not written", self.pk)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _apply_plan(plan: _Plan, *, actor, report: Callable[[int], None]) -> list[int]:
    """Write the plan with bulk statements; returns the ids of people created,
    moved, deactivated or reactivated."""
    department_ids: dict[str, int] = {}
    for planned in plan.new_departments.values():
        parent_id = (
            planned.parent_key
            if isinstance(planned.parent_key, int)
            else department_ids[planned.parent_key]
        )
        created = department_create(
            actor=actor,  # None: the command line, over the whole organisation
            code=planned.code,
            name=planned.name,
            kind=planned.kind,
            parent=Department.objects.get(pk=parent_id),
        )
        department_ids[planned.key] = created.pk

    def department_id(key: int | str) -> int:
        return key if isinstance(key, int) else department_ids[key]

    touched: list[int] = []
    done = 0
    unusable = make_password(None)
    for start in range(0, len(plan.creates), BATCH):
        batch = plan.creates[start : start + BATCH]
        users = User.objects.bulk_create(
            [
                User(
                    username=number,
                    first_name=name[:150],
                    email=email,
                    password=unusable,
                    is_active=active,
                )
                for _row, number, name, _d, _p, _r, _h, email, _ph, active in batch
            ]
        )
        user_ids = {user.username: user.pk for user in users}
        if None in user_ids.values():  # a backend that does not return ids
            user_ids = dict(
                User.objects.filter(username__in=list(user_ids)).values_list(
                    "username", "pk"
                )
            )
        profiles = LearnerProfile.objects.bulk_create(
            [
                LearnerProfile(
                    user_id=user_ids[number],
                    employee_number=number,
                    full_name=name,
                    department_id=department_id(department),
                    position_id=position,
                    rank_id=rank,
                    hire_date=hire_date,
                    phone=phone,
                    is_active=active,
                    left_on=None if active else _today(),
                )
                for (
                    _row,
                    number,
                    name,
                    department,
                    position,
                    rank,
                    hire_date,
                    _email,
                    phone,
                    active,
                ) in batch
            ]
        )
        touched.extend(profile.pk for profile in profiles if profile.pk)
        if profiles and profiles[0].pk is None:
            touched.extend(
                LearnerProfile.objects.filter(
                    employee_number__in=[item[1] for item in batch]
                ).values_list("pk", flat=True)
            )
        done += len(batch)
        report(done)

    # Group updates by the fields they change: one bulk UPDATE per group and batch.
    groups: dict[tuple, list[tuple]] = {}
    for update in plan.updates:
        profile_fields, user_fields = update[2], update[3]
        key = (tuple(sorted(profile_fields)), tuple(sorted(user_fields)))
        groups.setdefault(key, []).append(update)
        # A new position or rank may bring curricula too, not only a move.
        if update[4] in ("move", "deactivate", "reactivate") or {
            "position_id",
            "rank_id",
            "hire_date",
        } & set(profile_fields):
            touched.append(update[0])
    for (profile_fields, user_fields), updates in groups.items():
        for start in range(0, len(updates), BATCH):
            batch = updates[start : start + BATCH]
            if profile_fields:
                profiles = []
                for profile_id, _user, values, _u, _a in batch:
                    values = dict(values)
                    if "department_id" in values:
                        values["department_id"] = department_id(values["department_id"])
                    profiles.append(LearnerProfile(pk=profile_id, **values))
                LearnerProfile.objects.bulk_update(profiles, list(profile_fields))
            if user_fields:
                User.objects.bulk_update(
                    [
                        User(pk=user_id, **values)
                        for _p, user_id, _v, values, _a in batch
                    ],
                    list(user_fields),
                )
            done += len(batch)
            report(done)
    _emails_confirm(plan, actor=actor)
    return touched


def _emails_confirm(plan: _Plan, *, actor) -> None:
    """New addresses of known people are not written: after commit each owner is
    sent a link to confirm theirs, the old address a notice (as for HR's form). The
    operator's command line (no actor) writes them at once."""
    if not plan.emails:
        return
    if actor is None:  # the operator's command line writes them, as person_update
        User.objects.bulk_update(
            [User(pk=user_id, email=email) for user_id, email in plan.emails],
            ["email"],
            batch_size=BATCH,
        )
        return
    profile = policy.profile_of(actor)
    requested_by = (profile.full_name if profile else "") or actor.get_username()
    for user_id, email in plan.emails:
        task_enqueue(email_change_send, user_id, email, str(requested_by))


def roster_apply(
    *,
    roster_import: RosterImport,
    progress: Callable[[int, int], None] | None = None,
    waiting: Iterable[str] = (
        RosterImport.Status.CHECKED,
        RosterImport.Status.QUEUED,
    ),
) -> RosterImport:
    """Claim an import whose status is in `waiting` (or one left applying by a
    worker that died, see the module's docstring) and apply it: recompute the plan
    from the stored file with the uploader's current rights and write it in one
    transaction. Any error leaves the organisation as it was and marks the import
    failed with the reason. An import applied, failed, not waiting or being applied
    by a live worker is returned as it is. After commit the people created, moved,
    deactivated or reactivated have their assignments synced."""
    with working_lock(ROSTER_IMPORT, roster_import.pk) as lock:
        token = _claim(roster_import, waiting=waiting, lock=lock)
        if token is not None:
            _apply_claimed(roster_import, token=token, progress=progress)
    roster_import.refresh_from_db()
    return roster_import


def _apply_claimed(
    roster_import: RosterImport,
    *,
    token: str,
    progress: Callable[[int, int], None] | None,
) -> None:
    Status = RosterImport.Status
    roster_import.refresh_from_db()
    actor = roster_import.uploaded_by
    writer = _ProgressWriter(roster_import, token)
    progress = progress or writer
    total = max(roster_import.total_rows, 1)
    try:
        if actor is None and roster_import.report.get("scope") != "organisation":
            raise ValidationError(
                _("The person who uploaded this roster no longer has an account.")
            )
        policy.require_roster_importer(actor)
        if not roster_import.content:
            raise ValidationError(
                _(
                    "The uploaded file was deleted %(days)s days after its upload, as "
                    "staff data is kept no longer. Upload the file again."
                )
                % {"days": settings.ROSTER_UPLOAD_RETENTION_DAYS}
            )
        scope = _Scope(actor)
        with transaction.atomic():
            # Reading and checking is the first half of the bar, writing the second.
            plan, table = _plan(
                scope=scope,
                content=bytes(roster_import.content),
                file_name=roster_import.file_name,
                full_roster=roster_import.full_roster,
                create_departments=roster_import.create_departments,
                on_row=lambda rows: progress(rows // 2, total),
            )
            report = _report(plan, table, scope=scope)
            checked_counts = roster_import.report.get("counts")
            if checked_counts is not None and checked_counts != report["counts"]:
                # What HR approved is the dry run: never apply something else.
                raise ValidationError(
                    _(
                        "The organisation changed since the dry run, so applying "
                        "now would not do what the report showed. Upload the file "
                        "again to see the new report."
                    )
                )
            if plan.error_count:
                raise ValidationError(
                    _(
                        "The roster no longer checks without errors (%(count)s found): "
                        "the organisation changed since the dry run. Upload the file "
                        "again to see the new report."
                    )
                    % {"count": plan.error_count}
                )
            writes = max(len(plan.creates) + len(plan.updates), 1)
            touched = _apply_plan(
                plan,
                actor=actor,
                report=lambda done: progress(
                    total // 2 + done * (total - total // 2) // writes, total
                ),
            )
            finished = RosterImport.objects.filter(
                pk=roster_import.pk, status=Status.APPLYING, claim_token=token
            ).update(
                status=Status.APPLIED,
                # The file (names, phones, e-mails of all staff) is not kept once
                # applied; the report stays.
                content=b"",
                processed_rows=plan.total_rows,
                total_rows=plan.total_rows,
                report=report,
                error="",
                finished_at=timezone.now(),
            )
            if not finished:
                raise _ClaimLost
            if touched:
                transaction.on_commit(
                    lambda: assignments_sync_after_roster(profile_ids=touched)
                )
    except _ClaimLost:  # rolled back: the worker that took over finishes it
        logger.warning("roster import %s: claim taken over", roster_import.pk)
    except (ValidationError, PermissionDenied, RosterFileError) as error:
        message = " ".join(getattr(error, "messages", None) or [str(error)])
        _fail(roster_import, message, token=token)
    except Exception as error:  # nothing was written; say so and keep the reason
        logger.exception("roster import %s failed", roster_import.pk)
        _fail(
            roster_import,
            _("The roster could not be applied (%(error)s); nothing was changed.")
            % {
                "error": str(error).splitlines()[0][:200]
                if str(error)
                else type(error).__name__
            },
            token=token,
        )
    finally:
        writer.close()


def roster_uploads_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored files of uploads older than ROSTER_UPLOAD_RETENTION_DAYS
    that were never applied (applied ones are deleted at once); their reports stay.
    Returns how many files were deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.ROSTER_UPLOAD_RETENTION_DAYS
    )
    return (
        RosterImport.objects.filter(created_at__lt=cutoff)
        .exclude(status=RosterImport.Status.APPLYING)
        .exclude(content=b"")
        .update(content=b"")
    )


def _fail(roster_import: RosterImport, message: str, *, token: str) -> None:
    RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.APPLYING, claim_token=token
    ).update(
        status=RosterImport.Status.FAILED, error=message, finished_at=timezone.now()
    )
