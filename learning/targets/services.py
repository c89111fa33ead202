"""Competency targets per position, manager ratings and self-assessments."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Competency, Evidence
from assessments.services.evidence import evidence_record
from learning import policy
from learning.organisation.models import (
    Department,
    LearnerProfile,
    Position,
)
from learning.targets.models import CompetencyTarget


@transaction.atomic
def target_set(
    *,
    actor,
    position: Position,
    competency: Competency,
    required_level: int,
    department: Department | None = None,
) -> CompetencyTarget:
    """Require `required_level` of `competency` for holders of `position` (only in
    `department`'s subtree when given). Create or update; HR in scope only."""
    if not policy.can_set_targets(actor, department):
        raise PermissionDenied(
            _("You may set targets only for departments you manage.")
        )
    competency.framework.scale.level_validate(required_level, field="required_level")
    target, _created = CompetencyTarget.objects.update_or_create(
        position=position,
        competency=competency,
        department=department,
        defaults={"required_level": required_level},
    )
    return target


@transaction.atomic
def target_update(
    *,
    actor,
    target: CompetencyTarget,
    position: Position,
    competency: Competency,
    required_level: int,
    department: Department | None = None,
) -> CompetencyTarget:
    """Change a target. A target keyed to another position, competency or
    department is a different target: the old one is removed (both in scope)."""
    stored = CompetencyTarget.objects.select_for_update().get(pk=target.pk)
    if (position, competency, department) != (
        stored.position,
        stored.competency,
        stored.department,
    ):
        target_remove(actor=actor, target=stored)
    return target_set(
        actor=actor,
        position=position,
        competency=competency,
        required_level=required_level,
        department=department,
    )


def target_remove(*, actor, target: CompetencyTarget) -> None:
    if not policy.can_set_targets(actor, target.department):
        raise PermissionDenied(
            _("You may change targets only for departments you manage.")
        )
    target.delete()


@transaction.atomic
def manager_rating_record(
    *,
    rater,
    profile: LearnerProfile,
    competency: Competency,
    level: int,
    comment: str,
    now: datetime.datetime | None = None,
) -> Evidence:
    """A leader's rating of a person in their subtree: evidence of kind manager
    rating, with the comment, updating the person's level at once. `now`: when the
    rating was made (the demo's history), the present by default."""
    if not policy.can_rate_person(rater, profile):
        raise PermissionDenied(
            _("You may rate only people in the departments you lead.")
        )
    if not comment.strip():
        raise ValidationError(
            {"comment": _("Say briefly what the rating is based on.")}
        )
    competency.framework.scale.level_validate(level)
    return evidence_record(
        learner=profile.user,
        competency=competency,
        level=level,
        kind=Evidence.Kind.MANAGER,
        observed_at=now,
        recorded_by=rater,
        note=comment.strip(),
        source_type="manager",
        source_id=str(rater.pk),
        source_label=rater.get_full_name() or rater.get_username(),
    )


def self_assessment_record(*, learner, competency: Competency, level: int) -> Evidence:
    """A learner's own rating: kept and shown beside the official level, never
    counted towards it."""
    competency.framework.scale.level_validate(level)
    return evidence_record(
        learner=learner,
        competency=competency,
        level=level,
        kind=Evidence.Kind.SELF,
        source_type="self",
        source_label=_("Self-assessment"),
    )
