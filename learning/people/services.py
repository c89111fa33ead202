"""Writes to the organisation that need an access decision: departments, people
(create, update, deactivate, reactivate a learner profile and its account) and role
scopes. Each service takes the `actor` and asks learning.policy itself, so a screen
that forgets to ask cannot leak; `actor` None is the system (a management command,
the demo seeding). A person's values obey learning.organisation.rules, the same
rules the roster applies. Each change of a person re-syncs their mandatory
assignments on commit."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.context import unwatched
from audit.services import record
from learning import policy
from learning.curricula.services import assignments_sync_after_roster
from learning.notifications.models import Notification
from learning.organisation import rules
from learning.organisation.models import (
    Department,
    LearnerProfile,
    Position,
    Rank,
    RoleScope,
)
from learning.outbox.services import task_enqueue
from learning.people.email import email_change_read
from learning.people.tasks import email_change_send
from learning.xapi.models import XAPIStatement
from learning.xapi.services import learner_actor
from learning.xapi.statements import agent_ifi

User = get_user_model()


# Departments --------------------------------------------------------------------


@transaction.atomic
def department_create(
    *,
    actor: Any | None,
    code: str,
    name: str,
    kind: str,
    parent: Department | None = None,
    name_en: str = "",
) -> Department:
    """Create a department under `parent` (a new top of the organisation when None:
    site admins only). PermissionDenied when the actor may not add it there."""
    policy.require_department_adder(actor, parent)
    department = Department(code=code, name=name, name_en=name_en, kind=kind)
    department.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Department.add_root(instance=department)
    parent.refresh_from_db()
    return parent.add_child(instance=department)


@transaction.atomic
def department_update(
    *,
    actor: Any | None,
    department: Department,
    parent: Department | None = None,
    **fields: object,
) -> Department:
    """Change a department's fields and, when `parent` differs, move it (with its
    subtree) under the new parent. A department cannot move into its own subtree.
    The actor must manage the department and, for a move, the new parent. Closing
    it (is_active False) is department_deactivate, with its rule; reopening needs an
    open parent."""
    policy.require_department_manager(actor, department)
    # As stored: a form may already have written the new value on `department`.
    was_active = Department.objects.values_list("is_active", flat=True).get(
        pk=department.pk
    )
    active = bool(fields.pop("is_active", was_active))
    department.is_active = was_active
    current_parent = department.get_parent()
    moving = parent is not None and (
        current_parent is None or parent.pk != current_parent.pk
    )
    if moving:
        assert parent is not None
        policy.require_department_manager(actor, parent)
        if parent.path.startswith(department.path):
            raise ValidationError(
                {
                    "parent": _(
                        "A department cannot be moved under itself or its own sections."
                    )
                }
            )
    for name, value in fields.items():
        setattr(department, name, value)
    department.full_clean(exclude=["path", "depth", "numchild"])
    department.save()
    if moving:
        department.move(parent, pos="sorted-child")
        department.refresh_from_db()
    if was_active and not active:
        department_deactivate(actor=actor, department=department)
        department.refresh_from_db()
    elif active and not was_active:
        above = department.get_parent()
        if above is not None and not above.is_active:
            raise ValidationError(
                {"is_active": _("Reopen the parent department first.")}
            )
        department.is_active = True
        department.save(update_fields=["is_active"])
    return department


@transaction.atomic
def department_deactivate(*, actor: Any | None, department: Department) -> int:
    """Close a department and every unit below it (never delete: history, targets
    and past assignments stay). Refused while active people still work in it;
    returns how many departments were deactivated."""
    policy.require_department_manager(actor, department)
    subtree = Department.objects.subtree(department)
    staff = LearnerProfile.objects.filter(
        department__in=subtree, is_active=True
    ).count()
    if staff:
        raise ValidationError(
            _(
                "%(count)s active people still work in this department or below it. "
                "Move them or record them as leavers first."
            )
            % {"count": staff}
        )
    return subtree.update(is_active=False)


# People -------------------------------------------------------------------------


def _employee_number_free(number: str, *, profile: LearnerProfile | None) -> None:
    """Refuse a number that is someone else's, or another account's sign-in name."""
    others = rules.with_employee_numbers(LearnerProfile.objects.all(), [number])
    if profile is not None:
        others = others.exclude(pk=profile.pk)
    if others.exists():
        raise ValidationError(
            {"employee_number": rules.employee_number_taken_error(number)}
        )
    own_user = profile.user_id if profile is not None else None
    if rules.usernames_taken([number], except_user_id=own_user):
        raise ValidationError({"employee_number": rules.account_clash_error(number)})


@transaction.atomic
def person_create(
    *,
    actor: Any | None,
    employee_number: str,
    full_name: str,
    department: Department,
    position: Position | None = None,
    rank: Rank | None = None,
    hire_date: datetime.date | None = None,
    email: str = "",
    phone: str = "",
) -> LearnerProfile:
    """Create a civil servant in a department the actor manages: a sign-in account
    named by the employee number (no usable password until one is set or single
    sign-on links it) and the learner profile."""
    policy.require_department_manager(actor, department)
    values = rules.person_values_clean(
        {
            "employee_number": employee_number,
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "hire_date": hire_date,
        }
    )
    number = values["employee_number"]
    _employee_number_free(number, profile=None)
    user = User(
        username=number, first_name=values["full_name"][:150], email=values["email"]
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    profile = LearnerProfile(
        user=user,
        employee_number=number,
        full_name=values["full_name"],
        department=department,
        position=position,
        rank=rank,
        hire_date=values["hire_date"],
        phone=values["phone"],
    )
    profile.full_clean()
    profile.save()
    assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


# Changed only by person_deactivate and person_reactivate, which keep the account in
# step and record the leaving date.
_STATUS_FIELDS = {"is_active", "left_on"}


@transaction.atomic
def person_update(
    *, actor: Any | None, profile: LearnerProfile, **fields: Any
) -> LearnerProfile:
    """Change a person's record (the actor must manage them, and for a move the new
    department); a change of name reaches the account too, a new employee number
    renames the account that carried the old one. A new e-mail address is not
    written: its owner is sent a link to confirm it, and the old address a notice
    (see email_change_request). A new e-mail or employee number needs the actor to
    hold every power the account has (policy.require_account_changer)."""
    # As stored: a form may already have written the new values on `profile`.
    stored = LearnerProfile.objects.select_related("department").get(pk=profile.pk)
    policy.require_person_manager(actor, stored)
    if _STATUS_FIELDS & set(fields):
        raise ValueError("use person_deactivate or person_reactivate")
    if "department" in fields:
        policy.require_department_manager(actor, fields["department"])
    values = rules.person_values_clean(fields)
    email = values.pop("email", None)
    old_number = stored.employee_number
    number = values.get("employee_number", old_number)
    user = profile.user
    email_changes = email is not None and user.email != email
    if number != old_number or email_changes:
        policy.require_account_changer(actor, user)
    if number != old_number:
        _employee_number_free(number, profile=profile)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    changed = []
    if user.first_name != profile.full_name[:150]:
        user.first_name = profile.full_name[:150]
        changed.append("first_name")
    if email_changes:
        if actor is None or not email:
            # The operator's command, or clearing the address (which opens no way in).
            user.email = email
            changed.append("email")
        else:
            email_change_request(actor=actor, user=user, new_email=email)
    if number != old_number and user.username == old_number:
        user.username = number
        changed.append("username")
    if changed:
        user.save(update_fields=changed)
    # A move, a new position or rank may change which curricula apply.
    if {"department", "position", "rank", "hire_date"} & set(values):
        assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


def email_change_request(*, actor: Any, user: Any, new_email: str) -> None:
    """Ask the owner of `user` to confirm `new_email`: after commit, the link goes to
    the new address and a notice to the old one. Nothing changes until confirmed."""
    policy.require_account_changer(actor, user)
    profile = policy.profile_of(actor)
    requested_by = (profile.full_name if profile else "") or actor.get_username()
    task_enqueue(email_change_send, user.pk, new_email, requested_by)


@transaction.atomic
def email_change_confirm(*, token: str) -> Any:
    """Write the address a confirmation link names to its account; returns the
    account. EmailLinkInvalid when the link was altered, expired or is stale (the
    address changed since, so a used link works once)."""
    user, new_email = email_change_read(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    email_change_read(token)  # again under the lock: two clicks, one change
    user.email = rules.email_clean(new_email)
    user.save(update_fields=["email"])
    return user


@transaction.atomic
def person_deactivate(
    *,
    actor: Any | None,
    profile: LearnerProfile,
    left_on: datetime.date | None = None,
) -> LearnerProfile:
    """A leaver: the account can no longer sign in; every record stays. Nobody
    records themself as a leaver (that would lock them out mid-task)."""
    policy.require_person_manager(actor, profile)
    policy.require_account_changer(actor, profile.user)
    if actor is not None and profile.user_id == actor.pk:
        raise ValidationError(
            _("You cannot record yourself as a leaver; ask another HR officer.")
        )
    profile.is_active = False
    profile.left_on = left_on or datetime.date.today()
    profile.save(update_fields=["is_active", "left_on"])
    profile.user.is_active = False
    profile.user.save(update_fields=["is_active"])
    assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


@transaction.atomic
def person_reactivate(*, actor: Any | None, profile: LearnerProfile) -> LearnerProfile:
    """A returner keeps their history and signs in again."""
    policy.require_person_manager(actor, profile)
    policy.require_account_changer(actor, profile.user)
    profile.is_active = True
    profile.left_on = None
    profile.save(update_fields=["is_active", "left_on"])
    profile.user.is_active = True
    profile.user.save(update_fields=["is_active"])
    assignments_sync_after_roster(profile_ids=[profile.pk])
    return profile


@transaction.atomic
def person_anonymise(*, actor: Any | None, profile: LearnerProfile) -> LearnerProfile:
    """PIPL: a person who has left no longer identifiable. Site admins only, leavers
    only. Name, employee number, phone, the account's name, e-mail and password are
    replaced or cleared, notifications (written to them by name) deleted, and their
    xAPI statements re-pointed to the new account name. Every training record stays
    (kept under the new names), so no department figure changes."""
    if actor is not None and not policy.is_site_admin(actor):
        raise PermissionDenied(_("Only site administrators may anonymise a person."))
    stored = LearnerProfile.objects.select_for_update().get(pk=profile.pk)
    if stored.is_active:
        raise ValidationError(
            _("Only a person who has left can be anonymised: record them as a leaver.")
        )
    record(
        "learning.learnerprofile.anonymise",
        actor=actor,
        target=stored,
        object_label=f"#{stored.pk}",
    )
    with unwatched():
        _anonymise(stored)
    return stored


def _anonymise(stored: LearnerProfile) -> None:
    user = User.objects.select_for_update().get(pk=stored.user_id)
    old_ifi = agent_ifi(learner_actor(learner=user))
    old_name = user.get_username()
    marker = f"ANON-{stored.pk}"
    stored.full_name = f"#{stored.pk}"
    stored.employee_number = marker
    stored.phone = ""
    stored.save(update_fields=["full_name", "employee_number", "phone"])
    user.username = marker.lower()
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.save()
    new_actor = learner_actor(learner=user)
    new_ifi = agent_ifi(new_actor)
    statements = XAPIStatement.objects.filter(learner=user)
    for statement in statements.iterator(chunk_size=500):
        XAPIStatement.objects.filter(pk=statement.pk).update(
            body=_agents_renamed(statement.body, old_name, new_actor),
            actor_ifi=new_ifi,
            agents=statement.agents.replace(old_ifi, new_ifi),
            related_agents=statement.related_agents.replace(old_ifi, new_ifi),
        )
    Notification.objects.filter(user=user).delete()


def _agents_renamed(value: Any, old_name: str, new_actor: dict) -> Any:
    """A statement with every agent that is the person's site account (the actor,
    the authority, context agents) replaced by their anonymised account."""
    if isinstance(value, list):
        return [_agents_renamed(item, old_name, new_actor) for item in value]
    if not isinstance(value, dict):
        return value
    account = value.get("account")
    if isinstance(account, dict) and account.get("name") == old_name:
        return {**value, "name": new_actor["name"], "account": new_actor["account"]}
    return {
        key: _agents_renamed(item, old_name, new_actor) for key, item in value.items()
    }


# Role scopes --------------------------------------------------------------------


def _scopes_changed(*users: Any) -> None:
    """Forget the cached scopes and menu flags now and again after commit, so that no
    request in between keeps the old ones for the cache's lifetime."""
    for user in users:
        policy.clear_cache(user)
        transaction.on_commit(functools.partial(policy.clear_cache, user))


@transaction.atomic
def role_scope_grant(
    *, actor: Any | None, user: Any, role: str, department: Department
) -> RoleScope:
    """Give `user` the role over `department` and its subtree (idempotent). Their
    menus and rights change at once."""
    policy.require_role_scope_manager(actor, user, department)
    if role not in RoleScope.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    scope, _created = RoleScope.objects.get_or_create(
        user=user, role=role, department=department
    )
    _scopes_changed(user)
    return scope


@transaction.atomic
def role_scope_update(
    *, actor: Any | None, scope: RoleScope, user: Any, role: str, department: Department
) -> RoleScope:
    """Change who holds a role scope, the role or the department; the actor must
    manage the scope as it was and as it becomes. Both people's menus change at
    once."""
    # As stored: a form may already have written the new values on `scope`.
    stored = RoleScope.objects.select_related("user", "department").get(pk=scope.pk)
    previous_user = stored.user
    policy.require_role_scope_manager(actor, previous_user, stored.department)
    policy.require_role_scope_manager(actor, user, department)
    scope.user, scope.role, scope.department = user, role, department
    scope.full_clean()
    scope.save()
    _scopes_changed(previous_user, user)
    return scope


@transaction.atomic
def role_scope_revoke(*, actor: Any | None, scope: RoleScope) -> None:
    """Take a role scope away; the holder's menus and rights change at once."""
    policy.require_role_scope_manager(actor, scope.user, scope.department)
    user = scope.user
    scope.delete()
    _scopes_changed(user)
