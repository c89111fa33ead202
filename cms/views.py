from django.http import JsonResponse
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from learning.services import profile_set_language

from .health import health_report
from .middleware import PREFERRED_LANGUAGE_SESSION_KEY


@never_cache
@require_GET
def healthz(request):
    """JSON state of database, cache and broker; 503 when any is down."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@require_POST
def set_language(request):
    """Django's language switch, remembering the choice on a signed-in learner."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language):
        profile_set_language(user=request.user, language=language)
        request.session[PREFERRED_LANGUAGE_SESSION_KEY] = language
    return response
