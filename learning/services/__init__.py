"""Writes to the learner record and the organisation, one function per change."""

from .organisation import *  # noqa: F403
from .organisation import _local_year  # noqa: F401
