"""Celery finds an app's tasks in `<app>.tasks`; the learning units keep theirs in
their own packages, imported here so the worker registers them all."""

from learning.curricula import tasks as curricula_tasks  # noqa: F401
from learning.notifications import tasks as notifications_tasks  # noqa: F401
from learning.outbox import tasks as outbox_tasks  # noqa: F401
from learning.roster import tasks as roster_tasks  # noqa: F401
