"""A small CAS server for the sign-in tests (CAS protocol 2.0 and 3.0), served over
HTTP on 127.0.0.1 from a thread: /login issues service tickets to whoever the test
set in `signed_in_as`, /serviceValidate (2.0) and /p3/serviceValidate (3.0, with
attributes) validate them, /logout records the sign-out.

Tickets are single use, bound to the service they were issued for and expire after
ten seconds, as the protocol requires; `single_use = False` makes a broken server
that validates a ticket twice (to show the site's own replay check)."""

from __future__ import annotations

import contextlib
import secrets
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from xml.sax.saxutils import escape

TICKET_SECONDS = 10


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class CASServer:
    def __init__(self) -> None:
        self.base_url = ""
        self.signed_in_as: tuple[str, dict[str, str]] | None = None
        self.single_use = True
        self.tickets: dict[str, dict[str, Any]] = {}
        self.validations: list[tuple[str, str]] = []  # (path, ticket)
        self.logouts: list[dict[str, str]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """CAS_SERVER_URL for the site."""
        return self.base_url + "/cas/"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        with self._lock:
            if path == "/cas/login":
                return self._login(query, start_response)
            if path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
                return self._validate(path, query, start_response)
            if path == "/cas/logout":
                self.logouts.append(query)
                target = query.get("service") or query.get("url")
                if target:
                    return _redirect(start_response, target)
                return _xml(start_response, "<signedOut/>")
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    def _login(self, query, start_response):
        service = query.get("service", "")
        if not service or self.signed_in_as is None:
            start_response("401 Unauthorized", [("Content-Length", "0")])
            return [b""]
        ticket = "ST-" + secrets.token_urlsafe(24)
        user, attributes = self.signed_in_as
        self.tickets[ticket] = {
            "service": service,
            "user": user,
            "attributes": dict(attributes),
            "expires": time.time() + TICKET_SECONDS,
        }
        separator = "&" if "?" in service else "?"
        return _redirect(
            start_response, service + separator + urlencode({"ticket": ticket})
        )

    def _validate(self, path, query, start_response):
        ticket = query.get("ticket", "")
        self.validations.append((path, ticket))
        grant = (
            self.tickets.pop(ticket, None)
            if self.single_use
            else self.tickets.get(ticket)
        )
        if grant is None or grant["expires"] < time.time():
            return _xml(start_response, _failure("INVALID_TICKET", ticket))
        if grant["service"] != query.get("service"):
            return _xml(start_response, _failure("INVALID_SERVICE", ticket))
        attributes = ""
        if path.startswith("/cas/p3/"):
            attributes = (
                "<cas:attributes>"
                + "".join(
                    f"<cas:{name}>{escape(value)}</cas:{name}>"
                    for name, value in grant["attributes"].items()
                )
                + "</cas:attributes>"
            )
        return _xml(
            start_response,
            "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
            "<cas:authenticationSuccess>"
            f"<cas:user>{escape(grant['user'])}</cas:user>{attributes}"
            "</cas:authenticationSuccess></cas:serviceResponse>",
        )


def logout_request(ticket: str) -> str:
    """The SAML LogoutRequest a CAS server posts to each service (as
    `logoutRequest`) when the person signs out of CAS (single log-out)."""
    issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="LR-{secrets.token_hex(8)}" Version="2.0" IssueInstant="{issued}">'
        "<saml:NameID>@NOT_USED@</saml:NameID>"
        f"<samlp:SessionIndex>{escape(ticket)}</samlp:SessionIndex>"
        "</samlp:LogoutRequest>"
    )


def _failure(code: str, ticket: str) -> str:
    return (
        "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
        f"<cas:authenticationFailure code='{code}'>Ticket {escape(ticket)} not "
        "recognized</cas:authenticationFailure></cas:serviceResponse>"
    )


def _xml(start_response: Any, body_text: str) -> list[bytes]:
    body = body_text.encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/xml; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def _redirect(start_response: Any, location: str) -> list[bytes]:
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


@contextlib.contextmanager
def running_cas_server() -> Iterator[CASServer]:
    """The CAS server on 127.0.0.1 at a free port, in a thread, until exit."""
    cas = CASServer()
    server = make_server(
        "127.0.0.1", 0, cas, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    cas.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cas
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
