"""THE assignment status rule: its choices, the Python function and the SQL
expression; every screen, count, reminder and export uses this module."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.curricula.models import Assignment


class AssignmentStatus(models.TextChoices):
    """What a person sees: derived from the stored state and today's date."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    OVERDUE = "overdue", _("Overdue")
    COMPLETED = "completed", _("Completed")
    EXEMPT = "exempt", _("Exempt")
    CLOSED = "closed", _("No longer assigned")
    EXPIRED = "expired", _("Expired unfinished")


def assignment_status(assignment: Assignment, today: datetime.date) -> str:
    state = assignment.state
    if state != Assignment.State.OPEN:
        return AssignmentStatus(state).value
    if today >= assignment.overdue_on:
        return AssignmentStatus.OVERDUE
    if assignment.started_at is not None or assignment.courses_done:
        return AssignmentStatus.IN_PROGRESS
    return AssignmentStatus.NOT_STARTED
