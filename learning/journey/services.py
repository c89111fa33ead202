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

from assessments.models import Evidence
from assessments.services.evidence import evidence_record, evidence_revoke
from courses.models import CoursePage, LessonPage
from learning import policy
from learning.curricula.models import Assignment
from learning.curricula.sync import (
    assignments_on_completion_withdrawn,
    assignments_on_course_event,
)
from learning.hours.services import study_hours_earn, study_hours_revoke
from learning.journey.models import (
    Certificate,
    CourseFeedback,
    Enrollment,
    H5PActivityState,
    H5PResult,
    LessonProgress,
    ReadingClock,
)
from learning.journey.selectors import (
    HEARTBEAT_SECONDS,
    completed_activity_ids,
    completed_course_keys,
    course_blockers,
    enrollment_for,
    lesson_view_issued_at,
    lesson_view_valid_for,
    missing_prerequisites,
    passed_quiz_ids,
)

__all__ = [  # reads kept importable from here for the journey's callers
    "HEARTBEAT_SECONDS",
    "completed_activity_ids",
    "completed_course_keys",
    "course_blockers",
    "enrollment_for",
    "missing_prerequisites",
    "passed_quiz_ids",
]

# One beat never credits more than HEARTBEAT_MAX_SECONDS, nor more than the time
# since the learner last opened the lesson or sent a beat.
HEARTBEAT_MAX_SECONDS = 90
# Web servers' clocks agree to within this; a reading clock further ahead of a beat
# was set by history written out of order.
READING_CLOCK_SKEW = datetime.timedelta(seconds=60)


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _require_enrollment(learner, course: CoursePage) -> Enrollment:
    enrollment = enrollment_for(learner=learner, course_key=course.translation_key)
    if enrollment is None:
        raise PermissionDenied(_("You are not enrolled in this course."))
    return enrollment


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
        return Enrollment.objects.get(
            learner=learner, course_key=course.translation_key
        ), False
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


def _not_open() -> ValidationError:
    return ValidationError(
        _(
            "Reading time counts only while the lesson page is open. Reload the "
            "page to go on counting."
        ),
        code="not_open",
    )


def _lesson_view_check(
    *, learner, lesson: LessonPage, view: object, session_key: str, now
) -> datetime.datetime:
    """When the server rendered this lesson page to the learner in this session;
    ValidationError when it did not, or longer ago than LESSON_VIEW_MINUTES."""
    issued = lesson_view_issued_at(
        view,
        learner_id=learner.pk,
        lesson_key=lesson.translation_key,
        session_key=session_key,
    )
    if issued is None or now - issued > lesson_view_valid_for():
        raise _not_open()
    return issued


def _credit(begin: datetime.datetime, now: datetime.datetime, claimed: int) -> int:
    seconds = int((now - begin).total_seconds())
    return max(min(claimed, HEARTBEAT_MAX_SECONDS, seconds), 0)


def _reading_clock_advance(
    *, learner, begin: datetime.datetime, now: datetime.datetime, claimed: int
) -> int:
    """The seconds of (begin, now] the learner's one reading clock has not yet
    counted (at most `claimed` and HEARTBEAT_MAX_SECONDS), moving the clock to `now`.
    The move is a compare-and-set on the clock's row: of two beats at once (two tabs,
    two courses), one counts the interval and the other finds it counted (PostgreSQL
    re-reads the row once the first commits; SQLite writes one at a time)."""
    clocks = ReadingClock.objects.filter(learner=learner)
    for _try in range(5):
        counted = clocks.values_list("counted_until", flat=True).first()
        if counted is None:
            try:
                with transaction.atomic():
                    ReadingClock.objects.create(learner=learner, counted_until=now)
            except IntegrityError:  # a parallel beat started the clock
                continue
            return _credit(begin, now, claimed)
        if counted > now + READING_CLOCK_SKEW:
            # Only history written with explicit past times (the demo's year, course
            # by course) is this far behind the clock: it is counted from its own
            # opening and the clock follows it.
            credit = _credit(begin, now, claimed)
        elif counted >= now:
            return 0  # a parallel beat already counted up to now
        else:
            credit = _credit(max(begin, counted), now, claimed)
        if clocks.filter(counted_until=counted).update(counted_until=now):
            return credit
    return 0


def lesson_heartbeat(
    *,
    learner,
    lesson: LessonPage,
    seconds: object,
    view: object,
    session_key: str,
    now: datetime.datetime | None = None,
) -> LessonProgress:
    """Add active reading time reported by an open lesson page. The beat must carry
    the proof that the server rendered this lesson to this learner and session
    (`view`, from the page) at most LESSON_VIEW_MINUTES before; ValidationError
    otherwise. A beat credits at most HEARTBEAT_MAX_SECONDS, never more than the
    time since the page was rendered or the lesson opened, and only time the
    learner's one reading clock has not counted yet: beats from several tabs, lessons
    or courses at once share real time, and forged or replayed beats add nothing.
    The first beat for a lesson opens it and credits nothing."""
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
    issued = _lesson_view_check(
        learner=learner, lesson=lesson, view=view, session_key=session_key, now=now
    )
    with transaction.atomic():
        row = (
            LessonProgress.objects.select_for_update()
            .filter(enrollment=enrollment, lesson_key=lesson.translation_key)
            .first()
        )
        if row is None or row.last_seen_at is None:
            # The first beat opens the lesson: it starts the clock, credits nothing.
            return lesson_open(enrollment=enrollment, lesson=lesson, row=row, now=now)
        credit = _reading_clock_advance(
            learner=learner,
            begin=max(row.last_seen_at, issued),
            now=now,
            claimed=claimed,
        )
        LessonProgress.objects.filter(pk=row.pk).update(
            last_seen_at=now, active_seconds=F("active_seconds") + credit
        )
        Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=now)
        row.refresh_from_db(fields=["last_seen_at", "active_seconds"])
    return row


def lesson_start(
    *,
    learner,
    lesson: LessonPage,
    view: object,
    session_key: str,
    now: datetime.datetime | None = None,
) -> LessonProgress:
    """The lesson page's script reports that the learner opened it (a POST when the
    page loads, with the proof of the page view): the active-time clock starts now,
    so the first beat credits no more than the time since."""
    course = lesson.get_parent().specific
    enrollment = _require_enrollment(learner, course)
    _require_live(course)
    now = now or timezone.now()
    _lesson_view_check(
        learner=learner, lesson=lesson, view=view, session_key=session_key, now=now
    )
    return lesson_open(enrollment=enrollment, lesson=lesson, now=now)


def _require_live(course: CoursePage) -> None:
    if not course.live:
        raise ValidationError(_("This course is not published."))


def lesson_activity_done(
    *, learner, lesson_id: int, now: datetime.datetime | None = None
) -> LessonProgress | None:
    """After an H5P result: complete the lesson (and maybe the course) when nothing
    else in it is left to do. Quietly nothing when the learner is not enrolled or
    something is still open. `now`: when the result was stored."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return None
    try:
        return lesson_complete(learner=learner, lesson=lesson, now=now)
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
    return any(
        latest is None or (since is not None and latest < since) for since in cycles
    )


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
    lesson_keys = list(course.lessons().values_list("translation_key", flat=True))
    return _enrollment_restart(
        enrollment, lesson_keys=lesson_keys, now=now or timezone.now()
    )


def _enrollment_restart(
    enrollment: Enrollment, *, lesson_keys: list, now: datetime.datetime
) -> Enrollment:
    """Open a completed enrollment again: lessons, quizzes passed before `now` and
    the lessons' activities must be done again."""
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.ACTIVE,
        completed_at=None,
        retaken_at=now,
        last_activity_at=now,
    )
    enrollment.lessons.update(completed_at=None, completed_via="", active_seconds=0)
    H5PResult.objects.filter(
        learner_id=enrollment.learner_id, lesson_key__in=lesson_keys
    ).update(completed_at=None, passed_at=None)
    enrollment.refresh_from_db()
    return enrollment


@transaction.atomic
def certificate_revoke(
    *,
    actor,
    certificate: Certificate,
    reason: str,
    now: datetime.datetime | None = None,
) -> Certificate:
    """Withdraw a certificate and what its completion earned, in one transaction:
    its course evidence (levels recomputed), its study hours (a revoking line in the
    ledger), and the mandatory cycles it completed (open again unless another valid
    completion counts). The learner's enrollment opens again, so the course must be
    done again to earn it. The certificate stays, marked withdrawn, so that its
    verification page keeps answering. Withdrawing twice changes nothing more."""
    if not policy.can_withdraw_certificate(actor):
        raise PermissionDenied(_("Only site admins may withdraw a certificate."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is withdrawn.")})
    if len(reason) > 1000:
        raise ValidationError({"reason": _("Keep the reason under 1,000 characters.")})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        return certificate
    now = now or timezone.now()
    certificate.revoked_at = now
    certificate.full_clean()
    certificate.save(update_fields=["revoked_at"])
    note = _("Certificate %(code)s withdrawn: %(reason)s") % {
        "code": certificate.code,
        "reason": reason,
    }
    # Completion writes the evidence and the certificate with the same moment.
    for evidence in Evidence.objects.filter(
        learner_id=certificate.learner_id,
        kind=Evidence.Kind.COURSE,
        source_type="course",
        source_id=str(certificate.course_key),
        observed_at=certificate.issued_at,
        revoked_at__isnull=True,
    ).select_related("competency"):
        evidence_revoke(evidence=evidence, reason=note, now=now)
    study_hours_revoke(
        actor=actor,
        learner=certificate.learner,
        source_type="course",
        source_id=str(certificate.course_key),
        cycle=str(_local_date(certificate.issued_at).year),
        reason=note,
        now=now,
    )
    enrollment = certificate.enrollment
    if enrollment.status == Enrollment.Status.COMPLETED and not (
        Certificate.objects.filter(
            enrollment=enrollment,
            revoked_at__isnull=True,
            issued_at__gt=certificate.issued_at,
        ).exists()
    ):
        course = enrollment.course or (
            CoursePage.objects.filter(translation_key=certificate.course_key).first()
        )
        lesson_keys = (
            list(
                LessonPage.objects.child_of(course).values_list(
                    "translation_key", flat=True
                )
            )
            if course is not None
            else []
        )
        _enrollment_restart(enrollment, lesson_keys=lesson_keys, now=now)
    assignments_on_completion_withdrawn(
        learner=certificate.learner, course_key=certificate.course_key
    )
    return certificate


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


def course_finish(
    *, learner, course: CoursePage, now: datetime.datetime | None = None
) -> Certificate | None:
    """The learner's "finish the course" POST, for an open course whose last blocker
    went away without the learner acting (a lesson withdrawn or made optional after
    they finished the others, a quiz passed before enrolling). Completion otherwise
    happens on the event that causes it: the last lesson completed, the final quiz
    or an activity passed. Raises ValidationError saying what is still open."""
    enrollment = _require_enrollment(learner, course)
    _require_live(course)
    if enrollment.status == Enrollment.Status.COMPLETED:
        return enrollment.certificates.first()
    certificate = course_completion_check(enrollment=enrollment, course=course, now=now)
    if certificate is None:
        enrollment.refresh_from_db()
        if enrollment.status != Enrollment.Status.COMPLETED:
            raise ValidationError(
                " ".join(course_blockers(enrollment=enrollment, course=course))
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
    now: datetime.datetime | None = None,
) -> CourseFeedback:
    """The learner's satisfaction with a completed course; a new answer replaces it.
    `now`: when it was given (the demo's history), the present by default."""
    if not policy.can_view_certificate(learner, certificate):
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
    if now is not None:  # created_at is auto_now_add: date the answer afterwards
        CourseFeedback.objects.filter(pk=feedback.pk).update(
            created_at=now, updated_at=now
        )
        feedback.created_at = feedback.updated_at = now
    return feedback


H5P_STATE_MAX_CHARS = 64 * 1024


def h5p_state_save(
    *, learner, lesson_key, block_id: str, state: object
) -> H5PActivityState:
    """Keep where the learner is in an activity of a published lesson."""
    if not isinstance(state, str) or not state or len(state) > H5P_STATE_MAX_CHARS:
        raise ValidationError(_("The activity state is missing or too large."))
    lesson = LessonPage.objects.live().filter(translation_key=lesson_key).first()
    if lesson is None or block_id not in lesson.h5p_blocks:
        raise PermissionDenied(_("There is no such activity."))
    row, _created = H5PActivityState.objects.update_or_create(
        learner=learner,
        lesson_key=lesson.translation_key,
        block_id=block_id,
        defaults={"state": state},
    )
    return row
