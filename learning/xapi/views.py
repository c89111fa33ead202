"""The xAPI statements endpoint for the signed-in learner's H5P player (session
sign-in; POSTs carry the CSRF token in X-CSRFToken). Everything it answers is JSON
and carries the xAPI version header."""

import datetime
import json
from urllib.parse import urlencode

from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from learning.xapi.selectors import statement_get, statements_list
from learning.xapi.services import statements_store
from learning.xapi.statements import (
    DEFAULT_LIMIT,
    MAX_BODY_BYTES,
    MAX_LIMIT,
    XAPI_VERSION,
    XAPIError,
)


def _answer(data, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False)
    response["X-Experience-API-Version"] = XAPI_VERSION
    return response


def _error(message: str, *, status: int) -> JsonResponse:
    return _answer({"error": message}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def statements(request):
    if not request.user.is_authenticated:
        return _error(_("Sign in to record your activities."), status=401)
    version = request.headers.get("X-Experience-API-Version", "")
    if not version.startswith("1.0"):
        return _error(_("Send the header X-Experience-API-Version: 1.0.3."), status=400)
    try:
        if request.method == "POST":
            return _post(request)
        return _get(request)
    except XAPIError as error:
        return _error(error.message, status=error.status)


def _post(request) -> JsonResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _error(_("The request is larger than 1 MB."), status=413)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _error(_("The request is larger than 1 MB."), status=413)
    if not body:
        return _error(
            _("The request has no body: send statements as JSON."), status=400
        )
    if request.content_type != "application/json":
        return _error(_("Send statements as application/json."), status=400)
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as error:
        return _error(
            _("The request is not valid JSON: %(error)s") % {"error": error},
            status=400,
        )
    ids = statements_store(
        learner=request.user,
        payload=payload,
        base_url=request.build_absolute_uri("/"),
    )
    return _answer(ids)


def _reject_constant(name: str):
    raise ValueError(_("%(name)s is not a number in JSON.") % {"name": name})


def _get(request) -> JsonResponse:
    params = request.GET
    if params.get("statementId"):
        body = statement_get(learner=request.user, statement_id=params["statementId"])
        if body is None:
            return _error(_("No such statement."), status=404)
        return _answer(body)
    since = None
    if params.get("since"):
        try:
            since = parse_datetime(params["since"])
        except ValueError:
            since = None
        if since is None:
            return _error(_("since must be an ISO 8601 date and time."), status=400)
        if timezone.is_naive(since):
            since = timezone.make_aware(since, datetime.UTC)
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        return _error(_("limit must be a whole number."), status=400)
    if limit < 1:
        return _error(_("limit must be at least 1."), status=400)
    filters = {
        key: params[key] for key in ("verb", "activity", "since") if params.get(key)
    }
    bodies, cursor = statements_list(
        learner=request.user,
        verb=filters.get("verb", ""),
        activity=filters.get("activity", ""),
        since=since,
        cursor=params.get("cursor", ""),
        limit=limit,
    )
    more = ""
    if cursor:
        query = {**filters, "limit": min(limit, MAX_LIMIT), "cursor": cursor}
        more = f"{request.path}?{urlencode(query)}"
    return _answer({"statements": bodies, "more": more})
