"""Celery tasks of the learner record (autodiscovered as learning.tasks). Each takes
ids, calls a service and is safe to run twice."""

from .curricula import *  # noqa: F403
from .roster import *  # noqa: F403
