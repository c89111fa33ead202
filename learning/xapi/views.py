"""The LRS's HTTP face (xAPI 1.0.3): GET /xapi/about, and /xapi/statements with
POST, PUT and GET. A tool signs in with its LRS credential (HTTP Basic); the site's
own player uses the learner's session (unsafe methods then carry the CSRF token in
X-CSRFToken). Every answer is JSON (multipart with attachments=true) and carries
the xAPI version header; statement answers carry X-Experience-API-Consistent-Through.
"""

import base64
import binascii
import json
import uuid
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from audit.context import request_address
from learning.xapi.selectors import (
    StatementQuery,
    statement_get,
    statements_list,
    statements_visible,
)
from learning.xapi.services import (
    Writer,
    credential_authenticate,
    post_rate_check,
    statements_store,
)
from learning.xapi.statements import (
    DEFAULT_LIMIT,
    MAX_BODY_BYTES,
    MAX_LIMIT,
    XAPI_VERSION,
    StatementInvalid,
    XAPIError,
    agent_parameter,
    moment_parse,
    statement_formatted,
)

SUPPORTED_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]


_QUERY_PARAMETERS = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "cursor",
}
_SINGLE_PARAMETERS = {"statementId", "voidedStatementId", "attachments", "format"}


def _answer(data, *, status: int = 200) -> HttpResponse:
    response = JsonResponse(data, status=status, safe=False)
    response["X-Experience-API-Version"] = XAPI_VERSION
    return response


def _error(message: str, *, status: int) -> HttpResponse:
    response = _answer({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


@never_cache
@require_GET
def about(request):
    """Which xAPI versions this LRS speaks (no sign-in needed)."""
    return _answer({"version": SUPPORTED_VERSIONS})


class _Unauthorized(Exception):
    pass


def _basic_credentials(request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _Unauthorized from None
    key, colon, secret = decoded.partition(":")
    if not colon:
        raise _Unauthorized
    return key, secret


def _csrf_failed(request) -> bool:
    check = CsrfViewMiddleware(lambda _request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None


@csrf_exempt  # tools use HTTP Basic; session requests are checked below
@never_cache
@require_http_methods(["GET", "POST", "PUT"])
def statements(request):
    consistent = timezone.now()
    response = _statements(request)
    # Statements are readable once their request answers: all stored before now are.
    response["X-Experience-API-Consistent-Through"] = consistent.isoformat()
    return response


def _statements(request) -> HttpResponse:
    try:
        basic = _basic_credentials(request)
    except _Unauthorized:
        basic = ("", "")
    if basic is not None:
        credential = credential_authenticate(key=basic[0], secret=basic[1])
        if credential is None:
            return _error(_("The LRS key or secret is wrong, or revoked."), status=401)
        writer = Writer(credential=credential)
    elif request.user.is_authenticated:
        if request.method != "GET" and _csrf_failed(request):
            return _error(
                _("Reload the page: the form's security token is missing or old."),
                status=403,
            )
        writer = Writer(learner=request.user)
    else:
        return _error(
            _("Sign in, or send an LRS key and secret (HTTP Basic)."), status=401
        )
    version = request.headers.get("X-Experience-API-Version", "")
    if version not in SUPPORTED_VERSIONS and version != "1.0":
        return _error(
            _("Send the header X-Experience-API-Version: 1.0.3 (1.0.x is accepted)."),
            status=400,
        )
    try:
        if request.method == "GET":
            if writer.credential is not None and not writer.credential.can_read:
                return _error(_("This credential may not read statements."), status=403)
            return _get(request, writer)
        if writer.credential is not None and not writer.credential.can_write:
            return _error(_("This credential may not write statements."), status=403)
        post_rate_check(writer=writer, address=request_address(request))
        if request.method == "PUT":
            return _put(request, writer)
        return _post(request, writer)
    except XAPIError as error:
        response = _error(error.message, status=error.status)
        if getattr(error, "retry_after", None):
            response["Retry-After"] = str(error.retry_after)
        return response


def _payload(request):
    """The request's JSON body; an XAPIError when there is none or it is not
    JSON within the limits."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise _TooLarge()
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise _TooLarge()
    if not body:
        raise StatementInvalid(_("The request has no body: send statements as JSON."))
    if request.content_type == "multipart/mixed":
        raise StatementInvalid(
            _(
                "This LRS does not store attachment data: send the statement as "
                "application/json, with each attachment's fileUrl."
            )
        )
    if request.content_type != "application/json":
        raise StatementInvalid(_("Send statements as application/json."))
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise StatementInvalid(_("The statements nest too deeply.")) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise StatementInvalid(
            _("The request is not valid JSON: %(error)s") % {"error": error}
        ) from None


class _TooLarge(XAPIError):
    status = 413

    def __init__(self):
        super().__init__(_("The request is larger than 1 MB."))


def _reject_constant(name: str):
    raise ValueError(_("%(name)s is not a number in JSON.") % {"name": name})


def _post(request, writer: Writer) -> HttpResponse:
    ids = statements_store(writer=writer, payload=_payload(request))
    return _answer(ids)


def _put(request, writer: Writer) -> HttpResponse:
    given = request.GET.get("statementId", "")
    try:
        statement_id = uuid.UUID(given)
    except ValueError:
        return _error(
            _("Send statementId, the statement's id, in the URL."), status=400
        )
    payload = _payload(request)
    if not isinstance(payload, dict):
        return _error(_("PUT stores one statement: send a JSON object."), status=400)
    if payload.get("id") is None:
        payload["id"] = str(statement_id)
    elif str(payload["id"]).lower() != str(statement_id):
        return _error(
            _("The statement's id differs from statementId in the URL."), status=400
        )
    statements_store(writer=writer, payload=payload)
    response = HttpResponse(status=204)
    response["X-Experience-API-Version"] = XAPI_VERSION
    return response


def _boolean(params, name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise StatementInvalid(_("%(name)s must be true or false.") % {"name": name})
    return value == "true"


def _moment(params, name: str):
    if not params.get(name):
        return None
    moment = moment_parse(params[name])
    if moment is None:
        raise StatementInvalid(
            _(
                "%(name)s must be an ISO 8601 date and time with a time zone, "
                "between the years 1 and 9999."
            )
            % {"name": name}
        )
    return moment


def _query(params) -> StatementQuery:
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise StatementInvalid(_("limit must be a whole number.")) from None
    if limit < 0:
        raise StatementInvalid(_("limit must not be negative."))
    registration = None
    if params.get("registration"):
        try:
            registration = uuid.UUID(params["registration"])
        except ValueError:
            raise StatementInvalid(_("registration must be a UUID.")) from None
    return StatementQuery(
        agent_ifi=agent_parameter(params["agent"]) if params.get("agent") else "",
        verb=params.get("verb", ""),
        activity=params.get("activity", ""),
        registration=registration,
        related_activities=_boolean(params, "related_activities"),
        related_agents=_boolean(params, "related_agents"),
        since=_moment(params, "since"),
        until=_moment(params, "until"),
        ascending=_boolean(params, "ascending"),
        limit=min(limit, MAX_LIMIT),
    )


def _languages(request) -> list[str]:
    header = request.headers.get("Accept-Language", "")
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _semicolon, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(weighted)]


def _get(request, writer: Writer) -> HttpResponse:
    params = request.GET
    unknown = sorted(set(params) - _QUERY_PARAMETERS)
    if unknown:
        return _error(
            _("Unknown query parameter: %(names)s.") % {"names": ", ".join(unknown)},
            status=400,
        )
    format = params.get("format", "exact")
    if format not in ("exact", "ids", "canonical"):
        return _error(_("format must be ids, exact or canonical."), status=400)
    attachments = _boolean(params, "attachments")
    languages = _languages(request)
    visible = statements_visible(learner=writer.learner, credential=writer.credential)
    single = [name for name in ("statementId", "voidedStatementId") if name in params]
    if single:
        if len(single) > 1 or set(params) - _SINGLE_PARAMETERS:
            return _error(
                _(
                    "Ask for one statement with statementId or voidedStatementId "
                    "alone (format and attachments may be added)."
                ),
                status=400,
            )
        body = statement_get(
            visible=visible,
            statement_id=params[single[0]],
            voided=single[0] == "voidedStatementId",
        )
        if body is None:
            return _error(_("No such statement."), status=404)
        data = statement_formatted(body, format=format, languages=languages)
        return _statement_answer(data, attachments)
    query = _query(params)
    bodies, cursor = statements_list(
        visible=visible, query=query, cursor=params.get("cursor", "")
    )
    more = ""
    if cursor:
        kept = {k: v for k, v in params.items() if k != "cursor"}
        more = f"{request.path}?{urlencode({**kept, 'cursor': cursor})}"
    data = {
        "statements": [
            statement_formatted(body, format=format, languages=languages)
            for body in bodies
        ],
        "more": more,
    }
    return _statement_answer(data, attachments)


def _statement_answer(data, attachments: bool) -> HttpResponse:
    if attachments:
        # No attachment data is stored: the multipart answer holds the JSON part.
        boundary = uuid.uuid4().hex
        content = (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
            f"{json.dumps(data)}\r\n--{boundary}--\r\n"
        )
        response = HttpResponse(
            content, content_type=f"multipart/mixed; boundary={boundary}"
        )
        response["X-Experience-API-Version"] = XAPI_VERSION
    else:
        response = _answer(data)
    return response
