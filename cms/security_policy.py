"""The Content-Security-Policy of every page, the back office included. django-csp
sets the site's policy (CONTENT_SECURITY_POLICY); under /admin/ the back office's
own (BACK_OFFICE_CONTENT_SECURITY_POLICY) replaces it. Wagtail's screens need a few
things the site's pages do not (previews of images being uploaded from blob: URLs),
and some of its widgets still write an inline <script> that starts them (choosers,
date pickers, inline panels). Those, and only those, get the response's nonce: a
script is let run only when it is exactly one of Wagtail's start-up calls with
nothing but literal data (checked as JSON), so a script injected into a page does
not run."""

from __future__ import annotations

import json
import re

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

# A JavaScript string in double quotes, as json.dumps and |escapejs write them.
_STRING = r'"(?:[^"\\\n]|\\.)*"'
# Wagtail's inline start-up calls (wagtail/admin/widgets/chooser.py,
# widgets/workflows.py, templates wagtailadmin/widgets/*_input.html and
# panels/inline_panel.html, multiple_chooser_panel.html): the groups are the data.
_STARTERS = [
    re.compile(
        rf"new [A-Z][A-Za-z]*Chooser\((?P<id>{_STRING}), (?P<options>\{{.*\}})\);"
    ),
    re.compile(rf"create[A-Z][A-Za-z]*Chooser\((?P<id>{_STRING})\);"),
    re.compile(
        rf"init(?:Date|Time|DateTime)Chooser\((?P<id>{_STRING}), "
        rf"(?P<options>\{{.*\}}|null)\);"
    ),
    re.compile(
        r"\(function\(\) \{\s*var panel = new (?:InlinePanel|MultipleChooserPanel)"
        rf"\(JSON\.parse\((?P<encoded>{_STRING})\)\);\s*\}}\)\(\);"
    ),
]
_INLINE_SCRIPT = re.compile(rb"<script>(?P<body>.*?)</script>", re.S)


def _literal(match: re.Match) -> bool:
    """Whether every piece of data in the call is a JSON literal (no code)."""
    try:
        for name, value in match.groupdict().items():
            if value is None:
                continue
            decoded = json.loads(value)
            if name == "encoded":
                json.loads(decoded)
    except (ValueError, TypeError):
        return False
    return True


def wagtail_starter(script: str) -> bool:
    """Is this inline script one of Wagtail's widget start-up calls?"""
    body = script.strip()
    for starter in _STARTERS:
        match = starter.fullmatch(body)
        if match is not None:
            return _literal(match)
    return False


def back_office_path(path: str) -> bool:
    return path.startswith(settings.BACK_OFFICE_PATH_PREFIX)


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the back office's policy under /admin/ and the
    nonce on Wagtail's start-up scripts there."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            back_office_path(request.path_info)
            and isinstance(response, HttpResponse)
            and response.get("Content-Type", "").startswith("text/html")
            and b"<script>" in response.content
        ):
            self._nonce_starters(request, response)
        return super().process_response(request, response)

    @staticmethod
    def _nonce_starters(request: HttpRequest, response: HttpResponse) -> None:
        def sign(match: re.Match) -> bytes:
            body = match.group("body")
            if not wagtail_starter(body.decode("utf-8", "replace")):
                return match.group(0)
            nonce = str(request.csp_nonce)  # type: ignore[attr-defined]
            return b'<script nonce="' + nonce.encode() + b'">' + body + b"</script>"

        response.content = _INLINE_SCRIPT.sub(sign, response.content)

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and back_office_path(request.path_info)
        ):
            parts.config = settings.BACK_OFFICE_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts
