"""The one place that turns away text a database cannot store, before any view
reads it: a NUL character (PostgreSQL refuses it in text) or a lone UTF-16
surrogate (no UTF-8 encoding exists for it) anywhere in the path, the query
string, form fields and file names, a JSON or other raw body, or a header. Such a
request gets a 400 saying what was wrong and nothing is written. URL ids beyond a
database id (2**63 - 1; SQLite raises OverflowError on them) are a 404 here too.

Forms keep their own NUL check (Django's ProhibitNullCharactersValidator) for
values that do not come from a request."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

# The largest id a database column (bigint, SQLite INTEGER) can hold.
MAX_DATABASE_ID = 2**63 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A JSON escape: \uXXXX, or a backslash and the one character it escapes (so
# "\\u0000", an escaped backslash followed by "u0000", is plain text).
_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def text_is_unstorable(value: str) -> bool:
    """True when `value` holds a NUL or a lone surrogate."""
    return _UNSTORABLE.search(value) is not None


def json_escapes_unstorable(text: str) -> bool:
    """True when a JSON text escapes a NUL (\\u0000) or a surrogate that is not
    half of a pair (a high one followed at once by a low one)."""
    high_ends = -1  # where the escape of a pending high surrogate ended
    for escape in _JSON_ESCAPE.finditer(text):
        if high_ends >= 0:
            low = escape.group(1)
            if escape.start() != high_ends or low is None:
                return True
            if not 0xDC00 <= int(low, 16) <= 0xDFFF:
                return True
            high_ends = -1
            continue
        if escape.group(1) is None:
            continue
        code = int(escape.group(1), 16)
        if code == 0 or 0xDC00 <= code <= 0xDFFF:
            return True
        if 0xD800 <= code <= 0xDBFF:
            high_ends = escape.end()
    return high_ends >= 0


def _raw_body_unstorable(request: HttpRequest) -> bool:
    if not request.META.get("CONTENT_LENGTH") or not _body_fits_in_memory(request):
        return False  # the view refuses a body that is too large in its own words
    body = request.body
    if b"\x00" in body:
        return True
    try:
        text = body.decode(request.encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return False  # not text: the view says it cannot read it
    return text_is_unstorable(text) or json_escapes_unstorable(text)


def _body_fits_in_memory(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or length <= limit


def request_unstorable(request: HttpRequest) -> bool:
    """Whether any text the request carries could not be stored (see above)."""
    if _is_form(request) and _body_fits_in_memory(request):
        # Read (and keep) the body before parsing the form: a multipart form is
        # otherwise parsed from the stream, and a view that reads request.body
        # (JSON endpoints) would then fail with RawPostDataException, a 500.
        request.body  # noqa: B018
    if text_is_unstorable(request.path):
        return True
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str):
            if text_is_unstorable(value):
                return True
    for query in (request.GET, request.POST if _is_form(request) else None):
        if query is None:
            continue
        for key, values in query.lists():
            if text_is_unstorable(key) or any(map(text_is_unstorable, values)):
                return True
    if _is_form(request):
        for upload in request.FILES.values():
            if text_is_unstorable(upload.name or ""):
                return True
        return False
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        return _raw_body_unstorable(request)
    return False


def _is_form(request: HttpRequest) -> bool:
    return request.method == "POST" and request.content_type in _FORM_TYPES


def _refusal(request: HttpRequest) -> HttpResponse:
    message = _(
        "The request holds a character that cannot be stored (a NUL character or "
        "half of a UTF-16 surrogate pair), so nothing was saved. Remove it (it "
        "often comes from pasting out of another program) and try again."
    )
    wants_json = (
        "json" in request.content_type
        or "json" in request.headers.get("Accept", "")
        or "X-Experience-API-Version" in request.headers
    )
    if wants_json:
        return JsonResponse({"error": message}, status=400)
    return TemplateResponse(
        request, "400.html", {"message": message}, status=400
    ).render()


class BadInputMiddleware:
    """Refuses unstorable text with a 400 and URL ids beyond a database id with a
    404, before the view runs (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_unstorable(request):
            return _refusal(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if (
                isinstance(value, int)
                and not -MAX_DATABASE_ID <= value <= MAX_DATABASE_ID
            ):
                raise Http404(_("No such page."))
        return None
