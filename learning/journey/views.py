"""The learner's actions on courses (enroll, active time, complete a lesson, the
survey) and certificates (the PDF for its holder, the public verification page)."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.limits import LESSON_BEATS, rate_limited
from courses.models import CoursePage, LessonPage
from learning import policy
from learning.journey import services as journey
from learning.journey.certificate_pdf import certificate_pdf as render_certificate_pdf
from learning.journey.selectors import certificate_for_code, enrollment_for


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _live(model, pk: int):
    # Unpublished and unknown pages look the same: not found.
    return get_object_or_404(model.objects.live().specific(), pk=pk)


def _course_action(request, page_id: int, action, success: str):
    """Run a learner's action on a live course; a refusal is a message on the
    course page (PermissionDenied stays a 403)."""
    course = _live(CoursePage, page_id)
    try:
        action(learner=request.user, course=course)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, success)
    return redirect(course.url)


@login_required
@require_POST
def course_enroll(request, page_id: int):
    course = _live(CoursePage, page_id)
    try:
        _enrollment, created = journey.course_enroll(
            learner=request.user, course=course
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect(course.url)
    if created:
        messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(course.url)


@login_required
@require_POST
def course_retake(request, page_id: int):
    return _course_action(
        request,
        page_id,
        journey.course_retake,
        _(
            "The course starts again for your new mandatory cycle. Your earlier "
            "certificate stays valid as a record."
        ),
    )


@login_required
@require_POST
def course_finish(request, page_id: int):
    """Finish a course whose last blocker went away (e.g. a lesson withdrawn)."""
    return _course_action(
        request,
        page_id,
        journey.course_finish,
        _("Course completed. Your certificate and study hours are recorded."),
    )


@login_required
@require_POST
@never_cache
@rate_limited(LESSON_BEATS)
def lesson_heartbeat(request, page_id: int):
    """Active reading time; the page's first POST ("open") starts the clock."""
    lesson = _live(LessonPage, page_id)
    # The proof that the server rendered this page to this session (see
    # lesson_page_state).
    view = {
        "view": request.POST.get("view"),
        "session_key": request.session.session_key or "",
    }
    try:
        if request.POST.get("open"):
            row = journey.lesson_start(learner=request.user, lesson=lesson, **view)
        else:
            row = journey.lesson_heartbeat(
                learner=request.user,
                lesson=lesson,
                seconds=request.POST.get("seconds"),
                **view,
            )
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": _errors(error)}, status=400)
    minutes = row.active_seconds // 60
    return JsonResponse(
        {
            "active_seconds": row.active_seconds,
            "label": _("Active reading time: %(minutes)s of %(needed)s minutes.")
            % {"minutes": minutes, "needed": lesson.minimum_active_minutes},
        }
    )


@login_required
@require_POST
def lesson_complete(request, page_id: int):
    lesson = _live(LessonPage, page_id)
    try:
        journey.lesson_complete(learner=request.user, lesson=lesson)
    except PermissionDenied as error:
        raise PermissionDenied(str(error)) from error
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect(lesson.url)
    course = lesson.get_parent().specific
    enrollment = enrollment_for(learner=request.user, course_key=course.translation_key)
    if enrollment and enrollment.status == enrollment.Status.COMPLETED:
        messages.success(
            request,
            _("Course completed. Your certificate and study hours are recorded."),
        )
        return redirect(course.url)
    messages.success(request, _("Lesson completed."))
    siblings = list(course.lessons())
    index = next((i for i, item in enumerate(siblings) if item.pk == lesson.pk), None)
    if index is not None and index + 1 < len(siblings):
        return redirect(siblings[index + 1].url)
    return redirect(course.url)


@login_required
@require_POST
def course_feedback(request, code: str):
    certificate = certificate_for_code(code)
    if not policy.can_view_certificate(request.user, certificate):
        raise Http404
    try:
        journey.feedback_record(
            learner=request.user,
            certificate=certificate,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Thank you for your answer."))
    course = (
        certificate.enrollment.course
        if certificate.enrollment.course and certificate.enrollment.course.live
        else None
    )
    return redirect(course.url if course else "learning:me")


@require_GET
def certificate_verify(request, code: str):
    """Public: anyone holding the code may check the certificate. Shows the name,
    course, date, validity and issuer, nothing more; an unknown code gets a page
    saying so, with the 404 status."""
    certificate = certificate_for_code(code)
    if certificate is None:
        response = render(
            request,
            "learning/certificate_unknown.html",
            {"code": (code or "")[:40]},
            status=404,
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    today = timezone.localdate()
    if certificate.revoked_at:
        status = "revoked"
    elif certificate.valid_until and certificate.valid_until < today:
        status = "expired"
    else:
        status = "valid"
    response = render(
        request,
        "learning/certificate_verify.html",
        {
            "certificate": certificate,
            "status": status,
            "issuer": settings.CERTIFICATE_ISSUER,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def certificate_pdf(request, code: str):
    certificate = certificate_for_code(code)
    if not policy.can_view_certificate(request.user, certificate):
        raise Http404
    verify_url = request.build_absolute_uri(
        reverse("learning:certificate_verify", args=[certificate.code])
    )
    response = HttpResponse(
        render_certificate_pdf(certificate, verify_url=verify_url),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    return response


@login_required
@require_POST
def h5p_state(request, lesson_key, block_id: str):
    """The H5P player saves where the learner is (JSON: {"state": "…"})."""
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # also nested too deep to read
        return JsonResponse({"error": _("The request is not valid JSON.")}, status=400)
    try:
        journey.h5p_state_save(
            learner=request.user,
            lesson_key=lesson_key,
            block_id=block_id,
            state=payload.get("state") if isinstance(payload, dict) else None,
        )
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": _errors(error)}, status=400)
    return JsonResponse({"saved": True})
