"""Demo step: mandatory curricula with history, so that /me/, the compliance views,
the leaders' digest and dashboards show something true on first start.

Built by the demo HR officer through learning.curricula.services, assigned by the
sync on the day HR would have activated them (in the past), then brought up to date
today; the course journeys seeded before them count where they fall:

- "窗口服务规范与一次办好" (the administrative approval service bureau: service-
  oriented administration and e-government service operation), assigned 45 days
  ago and due 15 days ago: completed on time, late, and overdue;
- the annual security awareness curriculum for the county's bureaus and offices
  (the police train in their own system), assigned in the spring with a fixed due
  date in the summer: on time, late, overdue;
- e-government service operation for the townships' staff, 90 days from
  assignment, assigned 50 days ago: not yet due, so in progress and not started;
- data literacy for section chiefs, due a month ago;
- HR exempts a few people (sick leave, secondment, equivalent training).

The run of reminders it leaves is the one the daily task would have sent.
Idempotent: nothing happens once the first curriculum exists.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from courses.models import CoursePage
from learning.curricula.models import Assignment, Curriculum
from learning.curricula.reminders import assignments_remind
from learning.curricula.services import (
    CurriculumAudience,
    assignment_exempt,
    curriculum_create,
)
from learning.curricula.sync import assignments_sync
from learning.organisation.models import Department, Position

SEED = 20261208
NAME = "窗口服务规范与一次办好"
SECURITY = "security-awareness"
EGOV = "e-government-service-operation"
SERVICE = "service-oriented-administration"
DATA = "data-literacy"
EXEMPT_SHARE = 0.02  # of the open assignments of each curriculum
EXEMPT_REASONS = [
    "长期病假，返岗后补学。",
    "借调市级部门，由借调单位组织培训。",
    "产假期间。",
    "已参加县委党校同等内容的脱产培训。",
]


@dataclass(frozen=True)
class _Spec:
    name: str
    name_en: str
    description: str
    courses: tuple[str, ...]
    assigned_days_ago: int
    due_days_ago: int | None = None  # a fixed due date; None: due_days
    due_days: int = 30
    recurrence_months: int = 0


WINDOW = _Spec(
    name=NAME,
    name_en="Window service standards and “run at most once”",
    description="行政审批服务局全体人员必修。",
    courses=(SERVICE, EGOV),
    assigned_days_ago=45,
    due_days_ago=15,
)
SECURITY_YEAR = _Spec(
    name="网络安全意识年度必修",
    name_en="Annual security awareness",
    description="县直机关各单位全体干部职工每年必修（公安系统另行组织）。",
    courses=(SECURITY,),
    assigned_days_ago=230,
    due_days_ago=120,
    recurrence_months=12,
)
TOWNSHIP = _Spec(
    name="乡镇便民服务中心一网通办业务能力",
    name_en="Township service centres: one-stop online service",
    description="各乡镇（街道）干部职工在分配后 90 天内完成。",
    courses=(EGOV,),
    assigned_days_ago=50,
    due_days=90,
)
CHIEFS = _Spec(
    name="数据素养与用数决策（科级干部）",
    name_en="Data literacy for decision-making (section chiefs)",
    description="县直单位科长、副科长必修。",
    courses=(DATA,),
    assigned_days_ago=150,
    due_days_ago=30,
)


def _course(slug: str) -> CoursePage | None:
    return (
        CoursePage.objects.live()
        .filter(slug=slug, locale__language_code="zh-hans")
        .first()
    )


def seed() -> int:
    """Create the demo curricula; returns the number of assignments made."""
    if Curriculum.objects.filter(name=NAME).exists():
        return 0
    created = _curricula_with_history()
    # The console would print every reminder e-mail of the seed: keep them in-app.
    # One transaction for the run (SQLite pays a disk sync per commit, and there
    # are a thousand reminders); the e-mails go when it commits, still in-app.
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        with transaction.atomic():
            assignments_remind(today=timezone.localdate())
    return created


def _create(spec: _Spec, *, hr, owner, audience: CurriculumAudience) -> int:
    """One curriculum through HR's service, assigned on its day in the past."""
    courses = [_course(slug) for slug in spec.courses]
    if None in courses:
        return 0
    today = timezone.localdate()
    assigned_on = today - datetime.timedelta(days=spec.assigned_days_ago)
    fixed = spec.due_days_ago is not None
    curriculum = curriculum_create(
        actor=hr,
        curriculum=Curriculum(
            name=spec.name,
            name_en=spec.name_en,
            description=spec.description,
            owner_department=owner,
            status=Curriculum.Status.ACTIVE,
            due_kind=(
                Curriculum.DueKind.FIXED
                if fixed
                else Curriculum.DueKind.AFTER_ASSIGNMENT
            ),
            due_date=(
                today - datetime.timedelta(days=spec.due_days_ago) if fixed else None
            ),
            due_days=spec.due_days,
            recurrence_months=spec.recurrence_months,
        ),
        courses=courses,
        audience=audience,
    )
    # The service syncs once the seed commits; the history needs the day HR
    # activated it first, then today.
    result = assignments_sync(curriculum_ids=[curriculum.pk], today=assigned_on)
    assignments_sync(curriculum_ids=[curriculum.pk])
    return result.created


def _exempt(hr, rng: random.Random) -> None:
    """HR excuses a few people from their open cycle, with the reason."""
    for curriculum in Curriculum.objects.order_by("pk"):
        open_ids = list(
            Assignment.objects.filter(
                curriculum=curriculum, state=Assignment.State.OPEN, is_current=True
            )
            .exclude(learner=hr)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        wanted = max(1, round(len(open_ids) * EXEMPT_SHARE)) if open_ids else 0
        for pk in sorted(rng.sample(open_ids, k=wanted)):
            assignment_exempt(
                actor=hr,
                assignment=Assignment.objects.select_related("profile").get(pk=pk),
                reason=rng.choice(EXEMPT_REASONS),
            )


@transaction.atomic
def _curricula_with_history() -> int:
    hr = get_user_model().objects.filter(username="hr").first()
    county = Department.objects.filter(depth=1).order_by("path").first()
    bureau = Department.objects.filter(code="QX-XZSP").first()
    if hr is None or county is None or bureau is None:
        return 0
    units = list(county.get_children().order_by("path"))
    county_units = [
        unit for unit in units if unit.kind != "township" and unit.code != "QX-GAJ"
    ]
    townships = [unit for unit in units if unit.kind == "township"]
    chiefs = list(Position.objects.filter(code__in=["KZ", "FKZ"]))
    created = _create(
        WINDOW, hr=hr, owner=county, audience=CurriculumAudience(departments=[bureau])
    )
    created += _create(
        SECURITY_YEAR,
        hr=hr,
        owner=county,
        audience=CurriculumAudience(departments=county_units),
    )
    created += _create(
        TOWNSHIP,
        hr=hr,
        owner=county,
        audience=CurriculumAudience(departments=townships),
    )
    if chiefs:
        created += _create(
            CHIEFS,
            hr=hr,
            owner=county,
            audience=CurriculumAudience(departments=county_units, positions=chiefs),
        )
    _exempt(hr, random.Random(SEED))
    return created
