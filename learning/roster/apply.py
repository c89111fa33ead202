"""The engine the worker runs: applies a checked roster import in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning import policy
from learning.curricula.services import assignments_sync_after_roster
from learning.organisation.models import Department, LearnerProfile
from learning.organisation.services import department_create
from learning.roster.models import RosterImport
from learning.roster.planning import BATCH, User, _Plan, _plan, _report, _Scope, _today
from learning.roster.reading import RosterFileError

logger = logging.getLogger(__name__)


class _ProgressWriter:
    """Writes processed_rows where other processes can read it while the apply's
    transaction is still open: through a second connection on PostgreSQL. On SQLite
    (the embedded default, where the task runs in-process) a second writer would wait
    for the first, so progress is written only at the end there."""

    def __init__(self, roster_import: RosterImport) -> None:
        self.pk = roster_import.pk
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
                    "SET processed_rows = %s WHERE id = %s",
                    [min(processed, total), self.pk],
                )
        except Exception:  # progress must never break the import
            logger.warning("roster import %s: progress not written", self.pk)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _apply_plan(plan: _Plan, *, report: Callable[[int], None]) -> list[int]:
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
    return touched


def roster_apply(
    *,
    roster_import: RosterImport,
    progress: Callable[[int, int], None] | None = None,
) -> RosterImport:
    """Apply a checked (or queued) import: recompute the plan from the stored file
    with the uploader's current rights and write it in one transaction. Any error
    leaves the organisation as it was and marks the import failed with the reason.
    An import already applied, failed or being applied elsewhere is returned as it
    is. After commit the people created, moved, deactivated or reactivated have
    their assignments synced."""
    Status = RosterImport.Status
    if roster_import.status != Status.APPLYING:
        claimed = RosterImport.objects.filter(
            pk=roster_import.pk, status__in=[Status.CHECKED, Status.QUEUED]
        ).update(status=Status.APPLYING)
        roster_import.refresh_from_db()
        if not claimed:
            return roster_import
    actor = roster_import.uploaded_by
    writer = _ProgressWriter(roster_import)
    progress = progress or writer
    total = max(roster_import.total_rows, 1)
    try:
        if actor is None and roster_import.report.get("scope") != "organisation":
            raise ValidationError(
                _("The person who uploaded this roster no longer has an account.")
            )
        policy.require_roster_importer(actor)
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
                report=lambda done: progress(
                    total // 2 + done * (total - total // 2) // writes, total
                ),
            )
            RosterImport.objects.filter(pk=roster_import.pk).update(
                status=Status.APPLIED,
                processed_rows=plan.total_rows,
                total_rows=plan.total_rows,
                report=report,
                error="",
                finished_at=timezone.now(),
            )
            if touched:
                transaction.on_commit(
                    lambda: assignments_sync_after_roster(profile_ids=touched)
                )
    except (ValidationError, PermissionDenied, RosterFileError) as error:
        message = " ".join(getattr(error, "messages", None) or [str(error)])
        _fail(roster_import, message)
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
        )
    finally:
        writer.close()
    roster_import.refresh_from_db()
    return roster_import


def _fail(roster_import: RosterImport, message: str) -> None:
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.FAILED, error=message, finished_at=timezone.now()
    )
