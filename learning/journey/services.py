"""The learner's journey through a course: enroll, open lessons, active time,
lesson and course completion, and what completion earns (certificate, evidence,
study hours). Every function is safe to call twice: double clicks, replays and
retried tasks change nothing the second time."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Attempt, Evidence
from assessments.services.evidence import evidence_record
from courses.models import CoursePage, LessonPage
from learning.curricula.models import Assignment
from learning.curricula.sync import assignments_on_course_event
from learning.hours.services import study_hours_earn
from learning.journey.models import (
    Certificate,
    CourseFeedback,
    Enrollment,
    H5PActivityState,
    H5PResult,
    LessonProgress,
)

# The page sends a beat about every HEARTBEAT_SECONDS of active time; one beat never
# credits more than HEARTBEAT_MAX_SECONDS, nor more than the time since the learner
# last opened the lesson or sent a beat.
HEARTBEAT_SECONDS = 30


HEARTBEAT_MAX_SECONDS = 90


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def enrollment_for(*, learner, course_key) -> Enrollment | None:
    return Enrollment.objects.filter(learner=learner, course_key=course_key).first()


def _require_enrollment(learner, course: CoursePage) -> Enrollment:
    enrollment = enrollment_for(learner=learner, course_key=course.translation_key)
    if enrollment is None:
        raise PermissionDenied(_("You are not enrolled in this course."))
    return enrollment


def completed_course_keys(*, learner) -> set:
    """Courses the learner has completed at some time: a completed enrollment or a
    valid certificate (a course being taken again for a new cycle still counts)."""
    done = set(
        Enrollment.objects.filter(
            learner=learner, status=Enrollment.Status.COMPLETED
        ).values_list("course_key", flat=True)
    )
    return done | set(
        Certificate.objects.filter(
            learner=learner, revoked_at__isnull=True
        ).values_list("course_key", flat=True)
    )


def missing_prerequisites(*, learner, course: CoursePage) -> list[CoursePage]:
    prerequisites = [p for p in course.prerequisites.all() if p.live]
    if not prerequisites:
        return []
    done = completed_course_keys(learner=learner)
    return [p for p in prerequisites if p.translation_key not in done]


def course_enroll(
    *,
    learner,
    course: CoursePage,
    source: str = Enrollment.Source.SELF,
    now: datetime.datetime | None = None,
) -> tuple[Enrollment, bool]:
    """Enroll the learner in a published course (any language version). Returns the
    enrollment and whether it is new; enrolling again returns the existing one."""
    if not course.live:
        raise ValidationError(_("This course is not published."))
    existing = enrollment_for(learner=learner, course_key=course.translation_key)
    if existing is not None:
        return existing, False
    missing = missing_prerequisites(learner=learner, course=course)
    if missing:
        raise ValidationError(
            _("Complete these courses first: %(titles)s")
            % {"titles": ", ".join(p.title for p in missing)}
        )
    now = now or timezone.now()
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                learner=learner,
                course_key=course.translation_key,
                course=course,
                source=source,
                enrolled_at=now,
                last_activity_at=now,
            )
    except IntegrityError:  # a concurrent click won the race
        return enrollment_for(learner=learner, course_key=course.translation_key), False
    assignments_on_course_event(learner=learner, course_key=course.translation_key)
    course_completion_refresh(enrollment=enrollment, course=course)
    return enrollment, True


def course_completion_refresh(
    *, enrollment: Enrollment, course: CoursePage
) -> Certificate | None:
    """Re-check an open enrollment whose blockers may have gone away without the
    learner acting (a lesson unpublished or made optional, a quiz passed before
    enrolling)."""
    if enrollment.status != Enrollment.Status.ACTIVE or not course.live:
        return None
    return course_completion_check(enrollment=enrollment, course=course)


def _progress_row(enrollment: Enrollment, lesson: LessonPage) -> LessonProgress:
    row, _created = LessonProgress.objects.get_or_create(
        enrollment=enrollment, lesson_key=lesson.translation_key
    )
    return row


def lesson_open(
    *,
    enrollment: Enrollment,
    lesson: LessonPage,
    row: LessonProgress | None = None,
    now: datetime.datetime | None = None,
) -> LessonProgress:
    """Note that the learner opened the lesson: the clock for active time starts.
    Pass the learner's progress row when it is already loaded."""
    now = now or timezone.now()
    if row is None:
        row = _progress_row(enrollment, lesson)
    LessonProgress.objects.filter(pk=row.pk).update(last_seen_at=now)
    row.last_seen_at = now
    return row


def lesson_heartbeat(
    *,
    learner,
    lesson: LessonPage,
    seconds: object,
    now: datetime.datetime | None = None,
) -> LessonProgress:
    """Add active reading time reported by an open lesson page. A beat credits at
    most HEARTBEAT_MAX_SECONDS, and never more than the time since the learner last
    opened this lesson or sent any beat for this course: forged, replayed or
    parallel beats (several lessons at once) add nothing real time did not allow.
    A beat for a lesson the learner has not opened is refused."""
    try:
        claimed = int(str(seconds))
    except (TypeError, ValueError):
        raise ValidationError(
            _("Active time must be a whole number of seconds.")
        ) from None
    if claimed < 0:
        raise ValidationError(_("Active time cannot be negative."))
    course = lesson.get_parent().specific
    enrollment = _require_enrollment(learner, course)
    _require_live(course)
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            LessonProgress.objects.select_for_update()
            .filter(enrollment=enrollment, lesson_key=lesson.translation_key)
            .first()
        )
        if row is None or row.last_seen_at is None:
            raise ValidationError(_("Open the lesson before reporting reading time."))
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        elapsed = now - row.last_seen_at
        if locked.last_activity_at is not None and locked.last_activity_at <= now:
            elapsed = min(elapsed, now - locked.last_activity_at)
        credit = max(
            min(claimed, HEARTBEAT_MAX_SECONDS, int(elapsed.total_seconds())), 0
        )
        # Claim the interval on the enrollment: without row locks (SQLite) the filter
        # on the old timestamp is what stops a parallel beat from counting it twice.
        claimed_interval = Enrollment.objects.filter(
            pk=locked.pk, last_activity_at=locked.last_activity_at
        ).update(last_activity_at=now)
        if not claimed_interval:
            credit = 0
        LessonProgress.objects.filter(pk=row.pk).update(
            last_seen_at=now, active_seconds=F("active_seconds") + credit
        )
        row.refresh_from_db(fields=["last_seen_at", "active_seconds"])
    return row


def _require_live(course: CoursePage) -> None:
    if not course.live:
        raise ValidationError(_("This course is not published."))


def passed_quiz_ids(*, learner, quiz_ids, since=None) -> set[int]:
    """Quizzes the learner has passed (since a moment, when given)."""
    if not quiz_ids:
        return set()
    attempts = Attempt.objects.filter(
        learner=learner,
        quiz_id__in=quiz_ids,
        status=Attempt.Status.SUBMITTED,
        passed=True,
    )
    if since is not None:
        attempts = attempts.filter(submitted_at__gte=since)
    return set(attempts.values_list("quiz_id", flat=True))


def completed_activity_ids(*, learner, lesson: LessonPage) -> set[str]:
    """The lesson's required H5P activities (block ids) the learner has done: passed,
    for an activity with a pass mark; finished, for one without."""
    pass_marks = {
        str(block.get("id")): int((block.get("value") or {}).get("pass_percent") or 0)
        for block in lesson.body.raw_data
        if block.get("type") == "h5p"
    }
    required = [b for b in lesson.required_h5p_block_ids if b in pass_marks]
    if not required:
        return set()
    rows = H5PResult.objects.filter(
        learner=learner, lesson_key=lesson.translation_key, block_id__in=required
    ).values_list("block_id", "completed_at", "passed_at")
    return {
        block_id
        for block_id, completed_at, passed_at in rows
        if (passed_at if pass_marks[block_id] else completed_at) is not None
    }


def lesson_activity_done(*, learner, lesson_id: int) -> LessonProgress | None:
    """After an H5P result: complete the lesson (and maybe the course) when nothing
    else in it is left to do. Quietly nothing when the learner is not enrolled or
    something is still open."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return None
    try:
        return lesson_complete(learner=learner, lesson=lesson)
    except (PermissionDenied, ValidationError):
        return None


def lesson_complete(
    *, learner, lesson: LessonPage, now: datetime.datetime | None = None
) -> LessonProgress:
    """Complete a lesson: when it has required quizzes, once they are passed;
    otherwise ("mark complete") once the minimum active reading time is reached.
    Completing it again changes nothing. May complete the course."""
    course = lesson.get_parent().specific
    enrollment = _require_enrollment(learner, course)
    _require_live(course)
    now = now or timezone.now()
    with transaction.atomic():
        row = _progress_row(enrollment, lesson)
        row = LessonProgress.objects.select_for_update().get(pk=row.pk)
        if row.completed_at is not None:
            return row
        required = lesson.required_quiz_ids
        activities = lesson.required_h5p_block_ids
        if required or activities:
            if passed_quiz_ids(
                learner=learner, quiz_ids=required, since=enrollment.retaken_at
            ) != set(required):
                raise ValidationError(_("Pass the quiz in this lesson to complete it."))
            if completed_activity_ids(learner=learner, lesson=lesson) != set(
                activities
            ):
                raise ValidationError(
                    _("Complete the activities in this lesson to complete it.")
                )
            via = LessonProgress.Via.ACTIVITIES
        else:
            needed = lesson.minimum_active_minutes * 60
            if row.active_seconds < needed:
                raise ValidationError(
                    _(
                        "Spend at least %(needed)s minutes reading this lesson before "
                        "marking it complete (so far: %(done)s)."
                    )
                    % {
                        "needed": lesson.minimum_active_minutes,
                        "done": row.active_seconds // 60,
                    }
                )
            via = LessonProgress.Via.READING
        claimed = LessonProgress.objects.filter(
            pk=row.pk, completed_at__isnull=True
        ).update(completed_at=now, completed_via=via)
        if claimed:
            row.completed_at, row.completed_via = now, via
    course_completion_check(enrollment=enrollment, course=course, now=now)
    return row


def course_blockers(*, enrollment: Enrollment, course: CoursePage) -> list[str]:
    """What still stands between the learner and completing the course."""
    lesson_rows = list(
        course.lessons().filter(required=True).values_list("translation_key", "title")
    )
    done = set(
        enrollment.lessons.filter(completed_at__isnull=False).values_list(
            "lesson_key", flat=True
        )
    )
    blockers = [
        _("Complete the lesson “%(title)s”.") % {"title": title}
        for key, title in lesson_rows
        if key not in done
    ]
    if course.graded_quiz_id and not passed_quiz_ids(
        learner=enrollment.learner,
        quiz_ids=[course.graded_quiz_id],
        since=enrollment.retaken_at,
    ):
        blockers.append(
            _("Pass the final quiz “%(title)s”.")
            % {"title": course.graded_quiz.display_title}
        )
    if not lesson_rows and not course.graded_quiz_id:
        blockers.append(_("This course has no required lessons or quiz yet."))
    return blockers


def course_retake_due(*, learner, course_key) -> bool:
    """True when an open mandatory cycle needs a completion of this course that the
    learner's past completion does not give (it came before the cycle)."""
    cycles = Assignment.objects.filter(
        learner=learner,
        state=Assignment.State.OPEN,
        curriculum__items__course_key=course_key,
        counts_from__isnull=False,
    ).values_list("counts_from", flat=True)
    latest = (
        Certificate.objects.filter(
            learner=learner, course_key=course_key, revoked_at__isnull=True
        )
        .order_by("-issued_at")
        .values_list("issued_at", flat=True)
        .first()
    )
    return any(latest is None or latest < since for since in cycles)


@transaction.atomic
def course_retake(
    *, learner, course: CoursePage, now: datetime.datetime | None = None
) -> Enrollment:
    """Take a completed course again for a new mandatory cycle: lessons, quizzes and
    activities must be done again; the earlier certificate, evidence and study hours
    stay. Refused when no open cycle asks for it."""
    enrollment = _require_enrollment(learner, course)
    _require_live(course)
    if enrollment.status != Enrollment.Status.COMPLETED:
        return enrollment
    if not course_retake_due(learner=learner, course_key=course.translation_key):
        raise ValidationError(
            _("Your completion of this course still counts; there is nothing to redo.")
        )
    now = now or timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.ACTIVE,
        completed_at=None,
        retaken_at=now,
        last_activity_at=now,
    )
    enrollment.lessons.update(completed_at=None, completed_via="", active_seconds=0)
    lesson_keys = list(course.lessons().values_list("translation_key", flat=True))
    H5PResult.objects.filter(learner=learner, lesson_key__in=lesson_keys).update(
        completed_at=None, passed_at=None
    )
    enrollment.refresh_from_db()
    return enrollment


def course_completion_check(
    *, enrollment: Enrollment, course: CoursePage, now: datetime.datetime | None = None
) -> Certificate | None:
    """Complete the course when every required lesson is done and the final quiz is
    passed: certificate, evidence at the course's competency levels and the study
    hours, in one transaction and once. Returns the certificate, if complete."""
    if enrollment.status == Enrollment.Status.COMPLETED:
        return enrollment.certificates.first()
    if course_blockers(enrollment=enrollment, course=course):
        return None
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Enrollment.objects.filter(
            pk=enrollment.pk, status=Enrollment.Status.ACTIVE
        ).update(status=Enrollment.Status.COMPLETED, completed_at=now)
        if not claimed:  # completed by a concurrent request
            return enrollment.certificates.first()
        enrollment.status, enrollment.completed_at = Enrollment.Status.COMPLETED, now
        certificate = _certificate_issue(enrollment=enrollment, course=course, now=now)
        for link in course.competencies.select_related("competency__framework__scale"):
            evidence_record(
                learner=enrollment.learner,
                competency=link.competency,
                level=link.level,
                kind=Evidence.Kind.COURSE,
                observed_at=now,
                source_type="course",
                source_id=str(course.translation_key),
                source_label=course.title,
                validity_months=course.certificate_validity_months,
            )
        study_hours_earn(
            learner=enrollment.learner,
            hours=course.credit_hours,
            nominal=course.credit_hours,
            source_type="course",
            source_id=str(course.translation_key),
            source_label=course.title,
            earned_at=now,
        )
        # Mandatory curricula that include the course count it at once.
        assignments_on_course_event(
            learner=enrollment.learner, course_key=enrollment.course_key
        )
    return certificate


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _titles(course: CoursePage) -> tuple[str, str]:
    titles = dict(
        CoursePage.objects.filter(translation_key=course.translation_key).values_list(
            "locale__language_code", "title"
        )
    )
    zh = titles.get("zh-hans") or course.title
    en = titles.get("en") or course.title
    return zh, en


def _learner_name(learner) -> str:
    profile = getattr(learner, "learner_profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return learner.get_full_name() or learner.get_username()


def _certificate_issue(
    *, enrollment: Enrollment, course: CoursePage, now: datetime.datetime
) -> Certificate:
    title_zh, title_en = _titles(course)
    valid_until = None
    if course.certificate_validity_months:
        valid_until = _local_date(now) + relativedelta(
            months=course.certificate_validity_months
        )
    for _try in range(5):
        code = _new_code()
        if not Certificate.objects.filter(code=code).exists():
            break
    return Certificate.objects.create(
        code=code,
        learner=enrollment.learner,
        enrollment=enrollment,
        course_key=enrollment.course_key,
        learner_name=_learner_name(enrollment.learner),
        course_title_zh=title_zh,
        course_title_en=title_en,
        credit_hours=Decimal(course.credit_hours),
        issued_at=now,
        valid_until=valid_until,
    )


def course_progress_on_quiz(*, learner, quiz_id: int) -> list[Certificate]:
    """After a passed quiz: complete the lessons that required it, and the courses
    those lessons (or a final quiz) complete. Returns certificates issued."""
    if not passed_quiz_ids(learner=learner, quiz_ids=[quiz_id]):
        return []
    issued = []
    enrollments = Enrollment.objects.filter(
        learner=learner, status=Enrollment.Status.ACTIVE
    ).select_related("course")
    for enrollment in enrollments:
        course = enrollment.course
        if course is None or not course.live:
            course = CoursePage.objects.filter(
                translation_key=enrollment.course_key, live=True
            ).first()
        if course is None:
            continue
        for lesson in course.lessons():
            if quiz_id in lesson.required_quiz_ids:
                try:
                    lesson_complete(learner=learner, lesson=lesson)
                except ValidationError:
                    pass  # another required quiz in the lesson is still open
        enrollment.refresh_from_db()
        certificate = course_completion_check(enrollment=enrollment, course=course)
        if certificate is not None:
            issued.append(certificate)
    return issued


def feedback_record(
    *,
    learner,
    certificate: Certificate,
    rating: object,
    comment: str = "",
) -> CourseFeedback:
    """The learner's satisfaction with a completed course; a new answer replaces it."""
    if certificate.learner_id != learner.pk:
        raise PermissionDenied(_("This is not your certificate."))
    try:
        rating = int(str(rating))
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError(
            {"comment": _("Keep the comment under 2,000 characters.")}
        )
    feedback, _created = CourseFeedback.objects.update_or_create(
        certificate=certificate,
        defaults={
            "learner": learner,
            "course_key": certificate.course_key,
            "rating": rating,
            "comment": comment,
        },
    )
    return feedback


H5P_STATE_MAX_CHARS = 64 * 1024


def h5p_state_save(
    *, learner, lesson_key, block_id: str, state: object
) -> H5PActivityState:
    """Keep where the learner is in an activity of a published lesson."""
    if not isinstance(state, str) or not state or len(state) > H5P_STATE_MAX_CHARS:
        raise ValidationError(_("The activity state is missing or too large."))
    lesson = LessonPage.objects.live().filter(translation_key=lesson_key).first()
    if lesson is None or not any(
        block.get("type") == "h5p" and str(block.get("id")) == block_id
        for block in lesson.body.raw_data
    ):
        raise PermissionDenied(_("There is no such activity."))
    row, _created = H5PActivityState.objects.update_or_create(
        learner=learner,
        lesson_key=lesson.translation_key,
        block_id=block_id,
        defaults={"state": state},
    )
    return row
