import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.defaults import server_error as page_server_error
from django.views.i18n import set_language as django_set_language
from wagtail import views as wagtail_views
from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve as wagtail_document_serve
from wagtail.models import Page, ReferenceIndex, Site
from wagtail.permissions import policy_registry

from learning.organisation.services import profile_set_language

from .health import health_report
from .middleware import PREFERRED_LANGUAGE_SESSION_KEY
from .models import home_for_language

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """JSON state of database, cache and broker; 503 when any is down. Which service
    failed and what runs it is for site admins and for a monitor on this machine (a
    request from loopback that no proxy forwarded); anyone else learns only the
    status."""
    healthy, report = health_report()
    if not _may_see_health_details(request):
        report = {"status": report["status"]}
    return JsonResponse(report, status=200 if healthy else 503)


def _may_see_health_details(request) -> bool:
    if request.user.is_authenticated and request.user.is_superuser:
        return True
    forwarded = (
        "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META
    )
    return not forwarded and request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


@require_POST
def set_language(request):
    """Django's language switch, remembering the choice on a signed-in learner."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language):
        profile_set_language(user=request.user, language=language)
        request.session[PREFERRED_LANGUAGE_SESSION_KEY] = language
    return response


def serve(request, path):
    """Wagtail's page view, routed from home_for_language (cached) and HomePage.route
    (one query by URL path) instead of Wagtail's walk: four queries to find any page,
    whatever its depth or language."""
    site = Site.find_for_request(request)
    if site is not None and not hasattr(request, "_wagtail_route_for_request"):
        components = [component for component in path.split("/") if component]
        try:
            request._wagtail_route_for_request = home_for_language(site).route(
                request, components
            )
        except Http404:
            request._wagtail_route_for_request = None
    return wagtail_views.serve(request, path)


def document_serve(request, document_id, document_filename):
    """A lesson's document (a checklist, a video, its captions) for people who may
    see a live page that uses it, or who manage documents; anyone else, and an
    anonymous visitor counting through ids, gets a 404."""
    document = get_object_or_404(get_document_model(), pk=document_id)
    if not _may_read_document(request.user, document):
        raise Http404
    return wagtail_document_serve(request, document_id, document_filename)


def _may_read_document(user, document) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    policy = policy_registry.get_by_type(type(document))
    if policy.user_has_any_permission(user, ["add", "change", "choose"]):
        return True
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = (
        ReferenceIndex.get_references_to(document)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    return Page.objects.live().filter(pk__in=[int(pk) for pk in page_ids]).exists()


@never_cache
@require_GET
def back_office_sign_in(request):
    """Stands in for Wagtail's English sign-in form (/admin/login/, where Wagtail sends
    whoever it refuses): strangers sign in on the site's own form, people with
    back-office access go on, and anyone else is told, in their language, that the
    back office is not for them."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if not request.user.is_authenticated:
        return redirect_to_login(next_url or reverse("wagtailadmin_home"))
    if request.user.has_perm("wagtailadmin.access_admin"):
        return redirect(next_url or reverse("wagtailadmin_home"))
    # Wagtail queued an English "You do not have permission to access the admin."
    # on its way here; this page says it instead.
    list(messages.get_messages(request))
    return render(request, "cms/no_back_office.html", status=403)


def server_error(request):
    """A request that failed: 503 "back in a moment" (in the visitor's language,
    without touching the database) when the database could not be reached, as
    during a PostgreSQL restart; otherwise the plain 500 page. Either way no
    details: they are in the log."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return page_server_error(request)
    logger.warning(
        "database unreachable, %s %s: %s", request.method, request.path, error
    )
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = render_to_string("503.html", {"site_title": settings.SITE_TITLE})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "30"
    return response
