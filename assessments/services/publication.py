"""Publishing quizzes and questions: who may, and the audit log entry each
publication leaves.

Quizzes and questions are Wagtail snippets with drafts, revisions and the moderation
workflow pages use. Editors save drafts and submit them for moderation; Moderators
(and site admins) publish, by approving the workflow task or with "Publish". What a
publication changes reaches new attempts only: an attempt keeps the answer keys,
pass mark and kind frozen when it started (Attempt.answer_key), and a submitted
attempt is never rescored, so a pass already counted towards evidence,
certificates and hours stays counted and a fail stays a fail. A correction that
should change past results is a new attempt for the learners concerned, not a
silent rescore.

Who may publish: assessments.services.permissions. Every publication and
unpublication is recorded in the audit log with the fields and options that changed
(before → after, from the previously published version).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import signals
from wagtail import signals as wagtail_signals

from audit.services import record

from ..models import Question, Quiz

MODERATED = (Quiz, Question)
# Kept by Wagtail for drafts, locks and scheduling: not content.
_BOOKKEEPING = {
    "pk",
    "live",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "live_revision",
    "latest_revision",
    "go_live_at",
    "expire_at",
    "expired",
    "locked",
    "locked_at",
    "locked_by",
    "draft_title",
}


def _plain(value: Any) -> Any:
    """JSON-ready, with equal numbers written alike (1, 1.00 and 1.0000 are "1")."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _content(data: dict[str, Any], *, parent: str) -> dict[str, Any]:
    """A serialised quiz or question without bookkeeping; its child rows (options,
    fixed questions, draw rules) without their own id and the key to `parent`."""
    content: dict[str, Any] = {}
    for name, value in data.items():
        if name in _BOOKKEEPING:
            continue
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            value = [
                {k: v for k, v in item.items() if k not in ("pk", parent)}
                for item in value
            ]
        content[name] = _plain(value)
    return content


def publication_changes(
    before: dict[str, Any] | None, after: dict[str, Any], *, parent: str
) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field or list of child rows that differs
    between two serialised versions of a `parent` ("quiz" or "question"); before is
    None at the first publication, when only the filled-in fields are listed."""
    new = _content(after, parent=parent)
    if before is None:
        return {
            name: [None, value]
            for name, value in new.items()
            if value not in ("", [], None)
        }
    old = _content(before, parent=parent)
    return {
        name: [old.get(name), value]
        for name, value in new.items()
        if old.get(name) != value
    }


def _capture_published_version(sender, instance, raw=False, **kwargs) -> None:
    """Before a publication saves the row, keep the version learners saw until now
    (the row, when it was live) for the audit entry."""
    if raw or instance.pk is None or not instance.live:
        return
    previous = (
        sender._base_manager.filter(pk=instance.pk)
        .values_list("live", "live_revision_id")
        .first()
    )
    if previous is None or previous[1] == instance.live_revision_id:
        return  # not a publication (a draft, a lock, a revision pointer)
    was_live, previous_revision = previous
    instance._published_before = (
        sender._base_manager.get(pk=instance.pk).serializable_data()
        if was_live
        else None
    )
    instance._published_before_revision = previous_revision


def _record_publication(sender, instance, revision=None, **kwargs) -> None:
    label = sender._meta.label_lower
    before = getattr(instance, "_published_before", None)
    changes: dict[str, Any] = publication_changes(
        before, instance.serializable_data(), parent=sender._meta.model_name
    )
    changes["revision"] = [
        getattr(instance, "_published_before_revision", None),
        revision.pk if revision is not None else instance.live_revision_id,
    ]
    instance._published_before = None
    record(f"{label}.publish", target=instance, changes=changes)


def _record_unpublication(sender, instance, **kwargs) -> None:
    record(f"{sender._meta.label_lower}.unpublish", target=instance)


def publication_watch() -> None:
    """Connect the audit of publications (from the app's ready())."""
    for model in MODERATED:
        uid = f"assessments.publication:{model._meta.label_lower}"
        signals.pre_save.connect(
            _capture_published_version, sender=model, dispatch_uid=uid
        )
        wagtail_signals.published.connect(
            _record_publication, sender=model, dispatch_uid=uid
        )
        wagtail_signals.unpublished.connect(
            _record_unpublication, sender=model, dispatch_uid=uid
        )
