"""Reads of the learner's journey for course pages, the catalog and /me/. Each
function runs a fixed number of queries whatever the number of courses or lessons,
and none of them writes: completion, certificates and the reading clock happen on
the POST or the event that causes them (journey/services.py)."""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from assessments.models import Attempt, CompetencyLevel
from assessments.quiz_selectors import QuizStanding, quiz_standings
from courses.models import CourseCompetency, CoursePage, LessonPage
from courses.selectors import pages_by_key
from learning import policy
from learning.journey.models import (
    Certificate,
    CourseFeedback,
    Enrollment,
    H5PActivityState,
    H5PResult,
    LessonProgress,
)
from learning.targets.selectors import targets_for_profile

# The page sends a beat about every HEARTBEAT_SECONDS of active time.
HEARTBEAT_SECONDS = 30


def _lesson_view_mac(*, learner_id: int, lesson_key, session_key: str, issued: int):
    return salted_hmac(
        "learning.journey.lesson_view",
        f"{learner_id}|{lesson_key}|{session_key}|{issued}",
        algorithm="sha256",
    ).hexdigest()[:32]


def lesson_view_issue(
    *, learner_id: int, lesson_key, session_key: str, now: datetime.datetime
) -> str:
    """The proof that the server rendered a lesson page to this learner in this
    session at `now`: the time and an HMAC (keyed by SECRET_KEY) of the four. The page
    sends it with every beat; nothing is stored, so a page view writes nothing."""
    issued = int(now.timestamp())
    mac = _lesson_view_mac(
        learner_id=learner_id,
        lesson_key=lesson_key,
        session_key=session_key,
        issued=issued,
    )
    return f"{issued}.{mac}"


def lesson_view_issued_at(
    view: object, *, learner_id: int, lesson_key, session_key: str
) -> datetime.datetime | None:
    """When the server rendered this lesson to this learner and session, if `view`
    is a proof it issued; None for anything else."""
    issued_text, _dot, mac = str(view or "").partition(".")
    if not issued_text.isascii() or not issued_text.isdigit() or len(issued_text) > 12:
        return None
    issued = int(issued_text)
    expected = _lesson_view_mac(
        learner_id=learner_id,
        lesson_key=lesson_key,
        session_key=session_key,
        issued=issued,
    )
    if not constant_time_compare(mac, expected):
        return None
    return datetime.datetime.fromtimestamp(issued, tz=datetime.UTC)


def lesson_view_valid_for() -> datetime.timedelta:
    """How long after the page was rendered its beats count (LESSON_VIEW_MINUTES)."""
    return datetime.timedelta(minutes=settings.LESSON_VIEW_MINUTES)


def enrollment_for(*, learner, course_key) -> Enrollment | None:
    return Enrollment.objects.filter(learner=learner, course_key=course_key).first()


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
        block_id: int(value.get("pass_percent") or 0)
        for block_id, value in lesson.h5p_blocks.items()
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
    quiz = course.graded_quiz
    if quiz is not None and not passed_quiz_ids(
        learner=enrollment.learner,
        quiz_ids=[quiz.pk],
        since=enrollment.retaken_at,
    ):
        blockers.append(
            _("Pass the final quiz “%(title)s”.") % {"title": quiz.display_title}
        )
    if not lesson_rows and not course.graded_quiz_id:
        blockers.append(_("This course has no required lessons or quiz yet."))
    return blockers


def required_course_keys(user) -> set:
    """Courses "required for me": those developing a competency the learner's
    position requires at a level they have not reached. (Mandatory curricula add
    their courses here once they exist.) Two queries."""
    profile = policy.profile_of(user)
    if profile is None:
        return set()
    targets = targets_for_profile(profile)
    if not targets:
        return set()
    rows = (
        CourseCompetency.objects.filter(
            competency_id__in=list(targets), course__live=True
        )
        .annotate(
            achieved=Subquery(
                CompetencyLevel.objects.filter(
                    learner=user, competency_id=OuterRef("competency_id")
                ).values("level")[:1]
            )
        )
        .values_list("course__translation_key", "competency_id", "achieved")
    )
    return {
        key
        for key, competency_id, achieved in rows
        if (achieved or 0) < targets[competency_id]
    }


def catalog_state(user) -> dict:
    if not user.is_authenticated:
        return {"required_keys": None, "course_states": {}}
    return {
        "required_keys": required_course_keys(user),
        "course_states": dict(
            Enrollment.objects.filter(learner=user).values_list("course_key", "status")
        ),
    }


def course_page_state(request, course: CoursePage, *, lessons) -> dict:
    user = request.user
    state: dict = {"enrollment": None, "completed_lessons": set()}
    if not user.is_authenticated:
        return state
    enrollment = enrollment_for(learner=user, course_key=course.translation_key)
    state["enrollment"] = enrollment
    if enrollment is None:
        state["missing_prerequisites"] = missing_prerequisites(
            learner=user, course=course
        )
        state["enroll_url"] = reverse("learning:course_enroll", args=[course.pk])
        return state
    done_keys = set(
        LessonProgress.objects.filter(
            enrollment=enrollment, completed_at__isnull=False
        ).values_list("lesson_key", flat=True)
    )
    required = [lesson for lesson in lessons if lesson.required]
    required_done = sum(1 for lesson in required if lesson.translation_key in done_keys)
    state["completed_lessons"] = {
        lesson.pk for lesson in lessons if lesson.translation_key in done_keys
    }
    state["required_done"] = required_done
    state["required_total"] = len(required)
    state["progress_percent"] = (
        round(100 * required_done / len(required)) if required else 100
    )
    state["next_lesson"] = next(
        (lesson for lesson in lessons if lesson.translation_key not in done_keys), None
    )
    tests = [
        (course.pre_test, _("Pre-test"), False),
        (course.graded_quiz, _("Final quiz"), True),
        (course.post_test, _("Post-test"), False),
    ]
    present = [(quiz, label, req) for quiz, label, req in tests if quiz is not None]
    standing = quiz_standings(
        learner=user, quiz_ids=[quiz.pk for quiz, _label, _req in present]
    )
    state["tests"] = [
        {
            "quiz": quiz,
            "label": label,
            "required": required_flag,
            "url": reverse("assessments:quiz_detail", args=[quiz.code]),
            "standing": standing.get(quiz.pk, QuizStanding()),
        }
        for quiz, label, required_flag in present
    ]
    if enrollment.status == Enrollment.Status.COMPLETED:
        certificate = enrollment.certificates.first()
        state["certificate"] = certificate
        if certificate is not None:
            state["feedback"] = CourseFeedback.objects.filter(
                certificate=certificate
            ).first()
            state["feedback_url"] = reverse(
                "learning:course_feedback", args=[certificate.code]
            )
            state["certificate_pdf_url"] = reverse(
                "learning:certificate_pdf", args=[certificate.code]
            )
            state["certificate_verify_url"] = reverse(
                "learning:certificate_verify", args=[certificate.code]
            )
    elif required_done == len(required):
        # Every required lesson is done but the course is open: something else
        # blocks it, or a blocker went away without the learner acting (a lesson
        # withdrawn or made optional). The page offers a "finish the course" POST;
        # it never completes the course itself.
        blockers = course_blockers(enrollment=enrollment, course=course)
        if blockers:
            state["completion_blocker"] = " ".join(blockers)
        elif course.live:
            state["finish_url"] = reverse("learning:course_finish", args=[course.pk])
    return state


def lesson_page_state(request, lesson, *, course, lessons) -> dict:
    """The learner's state on a lesson, read only: the page's script starts the
    active-time clock with its first POST, and every beat carries the proof of this
    page view (`lesson_view`). Two queries once the learner has opened
    the lesson before."""
    user = request.user
    if not user.is_authenticated:
        return {}
    row = (
        LessonProgress.objects.filter(
            enrollment__learner=user,
            enrollment__course_key=course.translation_key,
            lesson_key=lesson.translation_key,
        )
        .select_related("enrollment")
        .first()
    )
    if row is None:
        enrollment = enrollment_for(learner=user, course_key=course.translation_key)
        if enrollment is None:
            return {"not_enrolled": True}
    else:
        enrollment = row.enrollment
    states = {}
    if lesson.h5p_blocks:
        states = dict(
            H5PActivityState.objects.filter(
                learner=user, lesson_key=lesson.translation_key
            ).values_list("block_id", "state")
        )
    return {
        "h5p_states": states,
        "enrollment": enrollment,
        "lesson_done": row is not None and row.completed_at is not None,
        "active_minutes": row.active_seconds // 60 if row is not None else 0,
        "required_quizzes": lesson.required_quiz_ids,
        "required_activities": lesson.required_h5p_block_ids,
        "heartbeat_url": reverse("learning:lesson_heartbeat", args=[lesson.pk]),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "lesson_view": lesson_view_issue(
            learner_id=user.pk,
            lesson_key=lesson.translation_key,
            session_key=request.session.session_key or "",
            now=timezone.now(),
        ),
        "complete_url": reverse("learning:lesson_complete", args=[lesson.pk]),
    }


@dataclass
class CourseRow:
    enrollment: Enrollment
    title: str
    url: str | None
    done: int = 0
    total: int = 0
    certificate: Certificate | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def my_courses(user) -> dict:
    """/me/: courses in progress (with lessons done) and completed ones with their
    certificates, titled in the active language where a version exists."""
    enrollments = list(
        Enrollment.objects.filter(learner=user).order_by("-last_activity_at", "-pk")
    )
    if not enrollments:
        return {"in_progress": [], "completed": []}
    keys = [e.course_key for e in enrollments]
    chosen = pages_by_key(CoursePage, keys)
    totals: dict[uuid.UUID, int] = {}
    if chosen:
        steplen = CoursePage.steplen
        parents: dict[str, uuid.UUID] = {
            page.path: page.translation_key for page in chosen.values()
        }
        condition = Q()
        for path in parents:
            condition |= Q(path__startswith=path, depth=len(path) // steplen + 1)
        for path in (
            LessonPage.objects.live()
            .filter(required=True)
            .filter(condition)
            .values_list("path", flat=True)
        ):
            key = parents[path[:-steplen]]  # each lesson is a child of one of them
            totals[key] = totals.get(key, 0) + 1
    done_counts: dict = {}
    for enrollment_id in LessonProgress.objects.filter(
        enrollment__in=enrollments, completed_at__isnull=False
    ).values_list("enrollment_id", flat=True):
        done_counts[enrollment_id] = done_counts.get(enrollment_id, 0) + 1
    certificates: dict[int, Certificate] = {}
    for issued in Certificate.objects.filter(learner=user, revoked_at__isnull=True):
        certificates.setdefault(issued.enrollment_id, issued)
    in_progress, completed = [], []
    for enrollment in enrollments:
        page = chosen.get(enrollment.course_key)
        certificate = certificates.get(enrollment.pk)
        row = CourseRow(
            enrollment=enrollment,
            title=page.title
            if page
            else (certificate.course_title if certificate else "—"),
            url=page.url if page else None,
            done=min(
                done_counts.get(enrollment.pk, 0), totals.get(enrollment.course_key, 0)
            ),
            total=totals.get(enrollment.course_key, 0),
            certificate=certificate,
        )
        if enrollment.status == Enrollment.Status.COMPLETED:
            completed.append(row)
        else:
            in_progress.append(row)
    return {
        "in_progress": in_progress,
        "completed": completed,
        "today": timezone.localdate(),
    }


_CODE_SHAPE = re.compile(r"[A-Z0-9-]{1,24}")


def certificate_for_code(code: str) -> Certificate | None:
    """The certificate with this verification code; anything not shaped like a code
    (NUL bytes, SQL, very long input) is simply not found."""
    code = (code or "").strip().upper()
    if not _CODE_SHAPE.fullmatch(code):
        return None
    return Certificate.objects.filter(code=code).first()


@dataclass
class ActivityRow:
    title: str
    url: str | None
    best_percent: int | None
    last_percent: int | None
    attempts: int
    passed: bool


def _percent(value) -> int | None:
    return None if value is None else round(100 * float(value))


def my_activity_results(user, *, limit: int = 10) -> list[ActivityRow]:
    """/me/: the learner's latest H5P results, with the lesson they belong to in
    the active language where it exists (two queries)."""
    results = list(
        H5PResult.objects.filter(learner=user).order_by("-updated_at")[:limit]
    )
    if not results:
        return []
    lessons = pages_by_key(LessonPage, {r.lesson_key for r in results})
    rows = []
    for result in results:
        lesson = lessons.get(result.lesson_key)
        rows.append(
            ActivityRow(
                title=lesson.title if lesson else "—",
                url=lesson.url if lesson else None,
                best_percent=_percent(result.best_scaled),
                last_percent=_percent(result.last_scaled),
                attempts=result.attempts,
                passed=result.passed_at is not None,
            )
        )
    return rows
