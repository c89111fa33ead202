"""Demo step: one mandatory curriculum with history, so that /me/, the compliance
views and the leaders' digest show something true on first start.

"窗口服务规范 / Window service standards": the administrative approval service
bureau (with its sections) must complete the service-oriented administration and
e-government service operation courses; it was assigned 45 days ago and was due 15
days ago, so most of the bureau is overdue. The run of reminders it leaves is the
one the daily task would have sent. Idempotent: nothing happens once it exists."""

import datetime

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from courses.models import CoursePage
from learning.curricula.models import Curriculum, CurriculumCourse
from learning.curricula.reminders import assignments_remind
from learning.curricula.sync import assignments_sync
from learning.organisation.models import Department

NAME = "窗口服务规范与一次办好"
COURSE_SLUGS = ("service-oriented-administration", "e-government-service-operation")


def seed() -> int:
    """Create the demo curriculum; returns the number of assignments made."""
    if Curriculum.objects.filter(name=NAME).exists():
        return 0
    created = _curriculum_with_history()
    # The console would print every reminder e-mail of the seed: keep them in-app.
    # (Outside the transaction above, so that each e-mail goes as it commits.)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        assignments_remind(today=timezone.localdate())
    return created


@transaction.atomic
def _curriculum_with_history() -> int:
    county = Department.objects.filter(depth=1).order_by("path").first()
    bureau = Department.objects.filter(code="QX-XZSP").first()
    courses = [
        CoursePage.objects.live()
        .filter(slug=slug, locale__language_code="zh-hans")
        .first()
        for slug in COURSE_SLUGS
    ]
    if county is None or bureau is None or None in courses:
        return 0
    today = timezone.localdate()
    curriculum = Curriculum.objects.create(
        name=NAME,
        name_en="Window service standards and “run at most once”",
        description="行政审批服务局全体人员必修。",
        owner_department=county,
        status=Curriculum.Status.ACTIVE,
        due_kind=Curriculum.DueKind.FIXED,
        due_date=today - datetime.timedelta(days=15),
        due_days=30,
    )
    curriculum.departments.set([bureau])
    for order, course in enumerate(courses):
        CurriculumCourse.objects.create(
            curriculum=curriculum, course=course, sort_order=order
        )
    result = assignments_sync(
        curriculum_ids=[curriculum.pk], today=today - datetime.timedelta(days=45)
    )
    assignments_sync(curriculum_ids=[curriculum.pk])
    return result.created
