"""The app's models module, as Django expects it: each unit keeps its own models and
this module imports them, so the app label and the migrations stay as they were."""

from learning.curricula.models import (
    Assignment,
    AssignmentReminder,
    Curriculum,
    CurriculumCourse,
    DigestLog,
)
from learning.hours.models import StudyHourEntry, StudyHourSettings
from learning.journey.models import (
    Certificate,
    CourseFeedback,
    Enrollment,
    H5PActivityState,
    H5PResult,
    LessonProgress,
    ReadingClock,
)
from learning.notifications.models import Notification
from learning.organisation.models import (
    Department,
    LearnerProfile,
    Position,
    Rank,
    RoleScope,
)
from learning.outbox.models import OutboxTask
from learning.roster.models import RosterImport
from learning.targets.models import CompetencyTarget
from learning.xapi.models import LaunchRegistration, LRSCredential, XAPIStatement

__all__ = [
    "Assignment",
    "AssignmentReminder",
    "Certificate",
    "CompetencyTarget",
    "CourseFeedback",
    "Curriculum",
    "CurriculumCourse",
    "Department",
    "DigestLog",
    "Enrollment",
    "H5PActivityState",
    "H5PResult",
    "LearnerProfile",
    "LessonProgress",
    "Notification",
    "OutboxTask",
    "Position",
    "Rank",
    "ReadingClock",
    "RoleScope",
    "RosterImport",
    "StudyHourEntry",
    "StudyHourSettings",
    "LaunchRegistration",
    "LRSCredential",
    "XAPIStatement",
]
