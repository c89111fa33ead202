"""What the audit log records by itself, through signals: sign-ins, failed sign-ins
and lock-outs, and every create, change and delete of the models below (before →
after, field by field). Models are named by label, so this lowest app imports none
of the apps it watches. Bulk writes (a roster apply) bypass model signals: those
services record their own entry (audit.services.record)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import signals as auth_signals
from django.db.models import Model, signals

from audit.context import is_unwatched, request_address
from audit.services import SECRET_FIELDS, record


@dataclass(frozen=True)
class Watch:
    # The fields compared (None: every concrete field but secrets).
    fields: tuple[str, ...] | None = None
    # Whether a new row is recorded (automatic rows, such as quiz evidence, are not).
    create_when: Callable[[Any], bool] = lambda instance: True
    deletes: bool = True


WATCHED: dict[str, Watch] = {
    "auth.user": Watch(
        ("username", "email", "first_name", "is_active", "is_staff", "is_superuser")
    ),
    "auth.group": Watch(("name",)),
    "learning.department": Watch(("code", "name", "kind", "is_active", "path")),
    "learning.learnerprofile": Watch(
        (
            "employee_number",
            "full_name",
            "department",
            "position",
            "rank",
            "hire_date",
            "phone",
            "is_active",
            "left_on",
        )
    ),
    "learning.rolescope": Watch(),
    "learning.curriculum": Watch(),
    "learning.competencytarget": Watch(),
    # Exemptions: the status and the reason, who granted it.
    "learning.assignment": Watch(
        ("status", "exempt_reason", "exempted_by"),
        create_when=lambda instance: False,
        deletes=False,
    ),
    # Manager ratings and prior learning are entered by hand; withdrawals of any.
    "assessments.evidence": Watch(
        ("level", "revoked_at"),
        create_when=lambda instance: instance.kind in ("manager", "prior"),
        deletes=False,
    ),
    "learning.certificate": Watch(
        ("revoked_at",), create_when=lambda instance: False, deletes=False
    ),
    "learning.rosterimport": Watch(("status", "mode", "file_name")),
    "courses.h5ppackage": Watch(),
    "learning.lrscredential": Watch(),
}
# Many-to-many relations whose changes are recorded (who got which group).
WATCHED_RELATIONS = {
    "auth.user": ("groups", "user_permissions"),
    "auth.group": ("permissions",),
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def _fields(model: type[Model], watch: Watch) -> list[str]:
    """Attribute names (foreign keys by their *_id column)."""
    names = watch.fields
    concrete = {field.name: field for field in model._meta.concrete_fields}
    if names is None:
        names = tuple(name for name in concrete if name not in SECRET_FIELDS)
    return [
        concrete[name].attname
        for name in names
        if name in concrete and name not in SECRET_FIELDS
    ]


def _values(instance: Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def _pre_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or is_unwatched() or instance._state.adding or instance.pk is None:
        return
    watch = WATCHED[sender._meta.label_lower]
    fields = _fields(sender, watch)
    before = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    instance._audit_before = (
        {name: _plain(value) for name, value in before.items()} if before else None
    )


def _post_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or is_unwatched():
        return
    label = sender._meta.label_lower
    watch = WATCHED[label]
    fields = _fields(sender, watch)
    after = _values(instance, fields)
    password_changed = getattr(instance, "_password", None) is not None
    if created:
        if not watch.create_when(instance):
            return
        changes = {name: [None, value] for name, value in after.items() if value}
        record(f"{label}.create", target=instance, changes=changes)
        return
    before = getattr(instance, "_audit_before", None) or {}
    instance._audit_before = None
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if name in before and before[name] != value
    }
    if password_changed:
        record(f"{label}.password_change", target=instance)
    if changes:
        record(f"{label}.change", target=instance, changes=changes)


def _post_delete(sender, instance, **kwargs) -> None:
    if is_unwatched():
        return
    label = sender._meta.label_lower
    watch = WATCHED[label]
    if watch.deletes:
        before = _values(instance, _fields(sender, watch))
        changes = {name: [value, None] for name, value in before.items() if value}
        record(f"{label}.delete", target=instance, changes=changes)


def _relation_changed(relation: str):
    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
        if action not in ("post_add", "post_remove", "post_clear") or reverse:
            return
        if is_unwatched():
            return
        label = instance._meta.label_lower
        names = sorted(str(item) for item in model.objects.filter(pk__in=pk_set or ()))
        key = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}
        record(
            f"{label}.{relation}",
            target=instance,
            changes={key[action]: names},
        )

    return receiver


def _signed_in(sender, request, user, **kwargs) -> None:
    record("sign_in", actor=user, address=request_address(request) if request else None)


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        address = request_address(request) if request else None
        record("sign_out", actor=user, address=address)


def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    name = str(credentials.get("username") or credentials.get("employee_number") or "")
    record(
        "sign_in_failed",
        object_type="auth.user",
        object_label=name,
        address=request_address(request) if request is not None else None,
    )


def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record(
        "locked_out",
        object_type="auth.user",
        object_label=str(username or ""),
        address=ip_address,
    )


_receivers: list[Any] = []  # strong references for the weak signal connections


def connect() -> None:
    for label in WATCHED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        uid = f"audit:{label}"
        signals.pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        signals.post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        signals.post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
    for label, relations in WATCHED_RELATIONS.items():
        model = apps.get_model(label)
        for relation in relations:
            receiver = _relation_changed(relation)
            _receivers.append(receiver)
            signals.m2m_changed.connect(
                receiver,
                sender=getattr(model, relation).through,
                dispatch_uid=f"audit:{label}.{relation}",
            )
    auth_signals.user_logged_in.connect(_signed_in, dispatch_uid="audit:in")
    auth_signals.user_logged_out.connect(_signed_out, dispatch_uid="audit:out")
    auth_signals.user_login_failed.connect(_sign_in_failed, dispatch_uid="audit:failed")
    from axes.signals import user_locked_out  # noqa: PLC0415

    user_locked_out.connect(_locked_out, dispatch_uid="audit:locked")
