"""The messages a notification can carry, rendered in the reader's language of the
moment: a notification stores a key from MESSAGES and its parameters (names in both
languages, dates, counts), never text frozen in the language of the day it was
written. Rendering never queries the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.i18n import localised


class _Stored(Protocol):
    message: str
    params: dict[str, Any]
    subject: str
    body: str


def _name(params: dict) -> str:
    return localised(params.get("name_zh", ""), params.get("name_en", ""))


def _progress_body(params: dict) -> str:
    values = {
        "name": _name(params),
        "due": params["due"],
        "done": params["done"],
        "required": params["required"],
    }
    if params.get("overdue"):
        return (
            _(
                "Your mandatory training “%(name)s” was due on %(due)s and is not "
                "finished: you have completed %(done)s of %(required)s required "
                "courses. Please complete it as soon as you can."
            )
            % values
        )
    return (
        _(
            "Your mandatory training “%(name)s” is due on %(due)s. You have "
            "completed %(done)s of %(required)s required courses. Open your "
            "learning page to continue."
        )
        % values
    )


def _reminder_before(params: dict) -> tuple[str, str]:
    days = params["days"]
    subject = ngettext(
        "“%(name)s” is due in %(days)s day",
        "“%(name)s” is due in %(days)s days",
        days,
    ) % {"name": _name(params), "days": days}
    return subject, _progress_body(params)


def _reminder_due(params: dict) -> tuple[str, str]:
    return _("“%(name)s” is due today") % {"name": _name(params)}, _progress_body(
        params
    )


def _reminder_overdue(params: dict) -> tuple[str, str]:
    return _("“%(name)s” is overdue") % {"name": _name(params)}, _progress_body(params)


def _reminder_from_hr(params: dict) -> tuple[str, str]:
    subject = _("Your HR officer reminds you: “%(name)s” is due on %(due)s") % {
        "name": _name(params),
        "due": params["due"],
    }
    body = (
        _(
            "This reminder was sent by your HR officer, in addition to the "
            "automatic ones."
        )
        + "\n"
        + _progress_body(params)
    )
    return subject, body


def _assigned(params: dict) -> tuple[str, str]:
    values = {
        "name": _name(params),
        "due": params["due"],
        "required": params["required"],
    }
    subject = _("New mandatory training: “%(name)s”") % values
    body = (
        ngettext(
            "You have been assigned the mandatory training “%(name)s”: %(required)s "
            "course, due on %(due)s. Open your learning page to start.",
            "You have been assigned the mandatory training “%(name)s”: %(required)s "
            "courses, due on %(due)s. Open your learning page to start.",
            params["required"],
        )
        % values
    )
    return subject, body


def _overdue_digest(params: dict) -> tuple[str, str]:
    total = params["total"]
    subject = ngettext(
        "%(count)s person in your units is overdue with mandatory training",
        "%(count)s people in your units are overdue with mandatory training",
        total,
    ) % {"count": total}
    lines = [
        _("%(name)s: %(count)s overdue")
        % {"name": localised(name_zh, name_en), "count": count}
        for name_zh, name_en, count in params["lines"]
    ]
    return subject, "\n".join(lines)


MESSAGES: dict[str, Callable[[dict], tuple[str, str]]] = {
    "assignment_before": _reminder_before,
    "assignment_due": _reminder_due,
    "assignment_overdue": _reminder_overdue,
    "assignment_from_hr": _reminder_from_hr,
    "assignment_assigned": _assigned,
    "overdue_digest": _overdue_digest,
}


def message_render(notification: _Stored) -> tuple[str, str]:
    """(subject, body) of the notification in the active language; the stored text
    for a notification without a known key."""
    render = MESSAGES.get(notification.message)
    if render is None:
        return notification.subject, notification.body
    return render(notification.params)
