"""The one place that answers "may this user see or change this department or person".

Rules:
- An inactive user, or one whose learner profile is deactivated, may do nothing.
- A superuser (site admin) may see and change everything.
- A role scope (HR or leader) covers its department and the whole subtree below it.
  Leaders may see their subtree; HR officers may see and change theirs.
- Everyone else sees only themself.

Views, admin viewsets and later analytics call these functions; none decides ad hoc.
Services that change the organisation call the `require_*` functions themselves
(PermissionDenied), so a screen that forgets to ask cannot leak; their `actor` None
is the system (a management command, the demo seeding).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from learning.organisation.models import Department, LearnerProfile, RoleScope

HR = RoleScope.Role.HR
LEADER = RoleScope.Role.LEADER
VIEW_ROLES = (HR, LEADER)
MANAGE_ROLES = (HR,)

_CACHE_ATTR = "_civicskills_scope_paths"
_ROOTS_ATTR = "_civicskills_root_paths"


def is_active_person(user: Any) -> bool:
    """Signed in, active, and not a deactivated (left) learner."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    profile = _profile_or_none(user)
    return profile is None or profile.is_active


def profile_of(user: Any) -> LearnerProfile | None:
    """The user's learner profile (cached on the user object), or None."""
    return _profile_or_none(user)


def _profile_or_none(user: Any) -> LearnerProfile | None:
    try:
        return user.learner_profile
    except LearnerProfile.DoesNotExist:
        return None


def _scope_paths(user: Any) -> dict[str, tuple[str, ...]]:
    """Tree paths of the user's scope roots per role, cached on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = {}
        rows = RoleScope.objects.filter(
            user_id=user.pk, department__is_active=True
        ).values_list("role", "department__path")
        for role, path in rows:
            cached.setdefault(role, ())
            cached[role] += (path,)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def clear_cache(user: Any) -> None:
    """Forget cached scopes (after the user's role scopes change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    cache.delete(_NAV_CACHE_KEY.format(user_id=user.pk))


# The menu's role flags are read on every page; group and permission changes made in
# the back office show in the menu within NAV_CACHE_SECONDS.
_NAV_CACHE_KEY = "policy:nav:{user_id}"
NAV_CACHE_SECONDS = 120


def navigation_flags(user: Any) -> dict[str, bool]:
    """Which role entry points the menu shows this user (cached briefly)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {"dashboard": False, "admin": False}
    key = _NAV_CACHE_KEY.format(user_id=user.pk)
    flags = cache.get(key)
    if flags is None:
        active = is_active_person(user)
        flags = {
            "dashboard": active and can_use_dashboard(user),
            "admin": active and user.has_perm("wagtailadmin.access_admin"),
        }
        cache.set(key, flags, NAV_CACHE_SECONDS)
    return flags


def is_site_admin(user: Any) -> bool:
    """An active site admin (superuser): sees and changes everything, so a read may
    skip narrowing to a scope."""
    return is_active_person(user) and bool(user.is_superuser)


def _paths(user: Any, roles: Iterable[str]) -> tuple[str, ...]:
    scopes = _scope_paths(user)
    return tuple(path for role in roles for path in scopes.get(role, ()))


def has_role(user: Any, role: str) -> bool:
    """True when the user holds `role` over some department (admins hold every role)."""
    if not is_active_person(user):
        return False
    return user.is_superuser or bool(_paths(user, (role,)))


def visible_departments(user: Any, roles: Iterable[str] = VIEW_ROLES) -> QuerySet:
    """Departments the user may see in the given roles (none for plain learners)."""
    if not is_active_person(user):
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.all()
    paths = _paths(user, roles)
    if not paths:
        return Department.objects.none()
    return Department.objects.subtree(*paths)


def managed_departments(user: Any) -> QuerySet:
    """Departments whose organisation and people the user (HR) may change."""
    return visible_departments(user, MANAGE_ROLES)


def curriculum_owner_departments(user: Any, *, managed: bool = False) -> QuerySet:
    """Departments whose mandatory curricula concern the user. With `managed`: those
    whose curricula the user (HR) may change, the HR scope. Otherwise: those whose
    curricula can reach people the user may see, the scope and every department
    above a scope root (a county curriculum reaches a bureau's staff)."""
    if managed:
        return managed_departments(user)
    inside = visible_departments(user)
    if not is_active_person(user) or user.is_superuser:
        return inside
    step = Department.steplen
    above = {
        path[:end]
        for path in _paths(user, VIEW_ROLES)
        for end in range(step, len(path), step)
    }
    return inside | Department.objects.filter(path__in=sorted(above))


def _covers(user: Any, department: Department | None, roles: Iterable[str]) -> bool:
    if department is None or not is_active_person(user):
        return False
    if user.is_superuser:
        return True
    return any(department.path.startswith(path) for path in _paths(user, roles))


def can_add_department(user: Any, parent: Department | None) -> bool:
    """HR adds departments under one they manage; a new top of the organisation
    (no parent) is for site admins."""
    if parent is None:
        return is_site_admin(user)
    return can_manage_department(user, parent)


def can_view_department(user: Any, department: Department | None) -> bool:
    return _covers(user, department, VIEW_ROLES)


def can_manage_department(user: Any, department: Department | None) -> bool:
    return _covers(user, department, MANAGE_ROLES)


def visible_profiles(user: Any, roles: Iterable[str] = VIEW_ROLES) -> QuerySet:
    """Learner profiles the user may see: their scope's people, or just themself."""
    if not is_active_person(user):
        return LearnerProfile.objects.none()
    if user.is_superuser:
        return LearnerProfile.objects.all()
    paths = _paths(user, roles)
    own = Q(user_id=user.pk)
    if not paths:
        return LearnerProfile.objects.filter(own)
    return LearnerProfile.objects.filter(
        own | Department.subtree_q(paths, "department__")
    )


def managed_profiles(user: Any) -> QuerySet:
    """Learner profiles the user (HR) may change; a learner cannot change records."""
    if not is_active_person(user):
        return LearnerProfile.objects.none()
    if user.is_superuser:
        return LearnerProfile.objects.all()
    paths = _paths(user, MANAGE_ROLES)
    if not paths:
        return LearnerProfile.objects.none()
    return LearnerProfile.objects.filter(Department.subtree_q(paths, "department__"))


def can_view_person(user: Any, profile: LearnerProfile | None) -> bool:
    if profile is None or not is_active_person(user):
        return False
    if profile.user_id == user.pk:
        return True
    return _covers(user, profile.department, VIEW_ROLES)


def can_manage_person(user: Any, profile: LearnerProfile | None) -> bool:
    if profile is None:
        return False
    return _covers(user, profile.department, MANAGE_ROLES)


def account_powers_missing(actor: Any, target: Any) -> list[str]:
    """What the account `target` may do that `actor` does not hold over them: the
    reasons `actor` may not change target's sign-in (e-mail, password, employee
    number, groups, active state). Empty when the actor holds every power the target
    has: site admin status, each group, each direct permission, and the department
    of each role scope (a role over a department needs HR over it, since HR may give
    either role there). A person changing their own account holds their own powers.
    Nobody escalates by taking over an account above them."""
    if not is_active_person(actor):
        return [_("You may not change accounts.")]
    if actor.pk == target.pk or actor.is_superuser:
        return []
    missing: list[str] = []
    if target.is_superuser:
        missing.append(_("site administrator"))
    actor_groups = set(actor.groups.values_list("pk", flat=True))
    extra_groups = target.groups.exclude(pk__in=actor_groups).values_list(
        "name", flat=True
    )
    missing.extend(
        _("member of the group “%(group)s”") % {"group": name} for name in extra_groups
    )
    actor_permissions = actor.get_all_permissions()
    for permission in target.user_permissions.select_related("content_type"):
        code = f"{permission.content_type.app_label}.{permission.codename}"
        if code not in actor_permissions:
            missing.append(
                _("holds the permission “%(name)s”") % {"name": permission.name}
            )
    managed = _paths(actor, MANAGE_ROLES)
    scopes = RoleScope.objects.filter(user_id=target.pk).select_related("department")
    for scope in scopes:
        if not any(scope.department.path.startswith(path) for path in managed):
            missing.append(
                _("%(role)s over %(department)s")
                % {
                    "role": scope.get_role_display(),
                    "department": scope.department.name,
                }
            )
    return missing


def accounts_above(actor: Any | None, user_ids: Iterable[int]) -> set[int]:
    """Of `user_ids`, the accounts whose sign-in `actor` may not change (the rule of
    account_powers_missing, in four queries for a whole roster). None is the
    operator, who may change every account."""
    ids = set(user_ids)
    if actor is None or not ids:
        return set()
    if not is_active_person(actor):
        return ids
    if actor.is_superuser:
        return set()
    user_model = get_user_model()
    above = set(
        user_model.objects.filter(pk__in=ids, is_superuser=True).values_list(
            "pk", flat=True
        )
    )
    actor_groups = list(actor.groups.values_list("pk", flat=True))
    above |= set(
        user_model.groups.through.objects.filter(user_id__in=ids)
        .exclude(group_id__in=actor_groups)
        .values_list("user_id", flat=True)
    )
    actor_permissions = actor.get_all_permissions()
    for user_id, app, codename in user_model.user_permissions.through.objects.filter(
        user_id__in=ids
    ).values_list(
        "user_id", "permission__content_type__app_label", "permission__codename"
    ):
        if f"{app}.{codename}" not in actor_permissions:
            above.add(user_id)
    managed = _paths(actor, MANAGE_ROLES)
    for user_id, path in RoleScope.objects.filter(user_id__in=ids).values_list(
        "user_id", "department__path"
    ):
        if not any(path.startswith(root) for root in managed):
            above.add(user_id)
    above.discard(actor.pk)
    return above


def can_change_account(actor: Any, target: Any) -> bool:
    """May `actor` change the sign-in of `target` (see account_powers_missing)?"""
    return not account_powers_missing(actor, target)


def require_account_changer(actor: Any | None, target: Any) -> None:
    """Refuse a change to the e-mail, password, employee number, groups or active
    state of an account that holds powers the actor does not hold over it (None is
    the operator)."""
    if actor is None:
        return
    missing = account_powers_missing(actor, target)
    if missing:
        raise PermissionDenied(
            _(
                "You may not change this person's sign-in details or status: their "
                "account holds powers that you do not hold over it (%(reasons)s). "
                "Ask a site administrator."
            )
            % {"reasons": _("; ").join(missing)}
        )


def can_use_dashboard(user: Any) -> bool:
    """Leaders and HR officers (and admins) have a department dashboard."""
    return is_active_person(user) and (
        user.is_superuser or bool(_paths(user, VIEW_ROLES))
    )


def can_rate_person(user: Any, profile: LearnerProfile | None) -> bool:
    """Leaders rate the people in their subtree (never themselves)."""
    if profile is None or profile.user_id == getattr(user, "pk", None):
        return False
    return _covers(user, profile.department, (LEADER,))


def can_set_targets(user: Any, department: Department | None) -> bool:
    """HR sets position targets for a department they manage; county-wide targets
    (no department) need HR over a root of the organisation, or a site admin."""
    if department is not None:
        return can_manage_department(user, department)
    if not is_active_person(user):
        return False
    if user.is_superuser:
        return True
    roots = getattr(user, _ROOTS_ATTR, None)
    if roots is None:  # asked several times per admin page (menus, columns)
        roots = tuple(Department.objects.filter(depth=1).values_list("path", flat=True))
        setattr(user, _ROOTS_ATTR, roots)
    return any(path in _paths(user, MANAGE_ROLES) for path in roots)


def can_import_roster(user: Any) -> bool:
    """HR officers with the right to add people, and site admins, import the staff
    roster; what a roster may change is then narrowed to the HR scope."""
    if not is_active_person(user) or not user.has_perm("learning.add_learnerprofile"):
        return False
    return user.is_superuser or bool(_paths(user, MANAGE_ROLES))


def require_roster_importer(user: Any | None) -> None:
    """Refuse a roster check or apply asked for by someone who may not import (None
    is the command line, which runs as the operator)."""
    if user is not None and not can_import_roster(user):
        raise PermissionDenied(
            _("Only HR officers and site admins may import the staff roster.")
        )


# Services that change the organisation ask these themselves, so that a screen that
# forgets to ask cannot leak. `actor` None is the system: a management command or the
# demo seeding, run by the operator.


def require_department_manager(actor: Any | None, department: Department) -> None:
    """Refuse a change to `department` (or something in it) by someone who does not
    manage it."""
    if actor is not None and not can_manage_department(actor, department):
        raise PermissionDenied(
            _("This department is outside the departments you manage.")
        )


def require_department_adder(actor: Any | None, parent: Department | None) -> None:
    """Refuse a new department under `parent` (or a new top when None) by someone
    who may not add it there."""
    if actor is not None and not can_add_department(actor, parent):
        raise PermissionDenied(
            _("You may add departments only under a department you manage.")
        )


def require_person_manager(actor: Any | None, profile: LearnerProfile) -> None:
    """Refuse a change to a person's record by someone who does not manage them."""
    if actor is not None and not can_manage_person(actor, profile):
        raise PermissionDenied(_("This person is outside the departments you manage."))


def require_role_scope_manager(actor: Any | None, user: Any, department: Department):
    """Refuse giving or taking a role over `department` unless the actor manages the
    department and (site admins aside) the person who holds the role."""
    require_department_manager(actor, department)
    if actor is None or is_site_admin(actor):
        return
    if not can_manage_person(actor, profile_of(user)):
        raise PermissionDenied(_("This person is outside the departments you manage."))


def visible_roster_imports(user: Any, imports: QuerySet) -> QuerySet:
    """The roster imports (of `imports`) a user may look at and apply: every one for
    site admins, their own uploads for other roster importers, none for anyone else
    (an upload names people and departments only its uploader may see)."""
    if not can_import_roster(user):
        return imports.none()
    if user.is_superuser:
        return imports
    return imports.filter(uploaded_by_id=user.pk)


def can_view_certificate(user: Any, certificate: Any) -> bool:
    """A certificate's PDF and its satisfaction survey are for its holder only, and
    only while it stands; anyone else (and a withdrawn certificate) has just the
    public verification page."""
    return (
        certificate is not None
        and is_active_person(user)
        and certificate.learner_id == user.pk
        and certificate.revoked_at is None
    )


def can_withdraw_certificate(user: Any) -> bool:
    """Site admins (and whoever they let change certificates) withdraw one."""
    return is_active_person(user) and (
        user.is_superuser or user.has_perm("learning.change_certificate")
    )


# Leaders' dashboards -------------------------------------------------------------

# A figure over fewer people than this identifies them; see `sees_small_cells`.
SMALL_CELL = 3


def dashboard_roots(user: Any) -> list[Department]:
    """The tops of the user's dashboard scope, in tree order: each department they
    lead or are HR for that is not under another one they hold (a deputy county
    head may lead several bureaus), or the organisation's roots for a site admin."""
    if not can_use_dashboard(user):
        return []
    if user.is_superuser:
        return list(Department.objects.filter(depth=1, is_active=True).order_by("path"))
    paths = sorted(set(_paths(user, VIEW_ROLES)))
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(Department.objects.filter(path__in=tops).order_by("path"))


def sees_small_cells(user: Any, department: Department | None) -> bool:
    """May the user see a figure over fewer than SMALL_CELL people of `department`?
    Its HR officers and its own leader (a leader's scope set on the unit itself) may;
    a leader higher up sees "—" so that no figure identifies one person. Site admins
    see everything."""
    if department is None or not is_active_person(user):
        return False
    if user.is_superuser or _covers(user, department, MANAGE_ROLES):
        return True
    return department.path in _paths(user, (LEADER,))
