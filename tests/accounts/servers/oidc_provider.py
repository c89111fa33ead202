"""A small OpenID Connect provider for the sign-in tests, served over HTTP on
127.0.0.1 from a thread (wsgiref): discovery, authorize (code flow, PKCE S256),
token (client_secret_post or basic), userinfo, JWKS and end_session. Keys and ID
tokens are Authlib's (RS256).

The person "signed in at the provider" is whoever the test sets in `signed_in_as`
(the provider's own login page is not what these tests are about). `misbehave`
makes the provider send what a broken or hostile one would (a wrong nonce, a token
for another client, an expired token, userinfo about someone else), so that the site's
checks meet real signed tokens."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.jose import JsonWebKey, jwt


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Provider:
    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = JsonWebKey.generate_key(
            "RSA", 2048, is_private=True, options={"kid": "province-2026"}
        )
        self.base_url = ""
        self.signed_in_as: dict[str, Any] | None = None
        self.misbehave: set[str] = set()
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.logouts: list[dict[str, str]] = []
        self.token_requests = 0
        self._lock = threading.Lock()

    # Addresses --------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.base_url

    def endpoint(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.endpoint("authorize"),
            "token_endpoint": self.endpoint("token"),
            "userinfo_endpoint": self.endpoint("userinfo"),
            "jwks_uri": self.endpoint("jwks"),
            "end_session_endpoint": self.endpoint("logout"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
            ],
        }

    # WSGI -------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        routes = {
            "/.well-known/openid-configuration": self._discovery,
            "/authorize": self._authorize,
            "/token": self._token,
            "/userinfo": self._userinfo,
            "/jwks": self._jwks,
            "/logout": self._logout,
        }
        handler = routes.get(path)
        if handler is None:
            return _send(start_response, "404 Not Found", {"error": "not_found"})
        with self._lock:
            return handler(environ, query, start_response)

    def _discovery(self, environ, query, start_response):
        return _send(start_response, "200 OK", self.discovery())

    def _jwks(self, environ, query, start_response):
        public = self.key.as_dict(is_private=False)
        public.update({"use": "sig", "alg": "RS256"})
        return _send(start_response, "200 OK", {"keys": [public]})

    def _authorize(self, environ, query, start_response):
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri:
            return _send(start_response, "400 Bad Request", {"error": "invalid_client"})
        answer: dict[str, str] = {"state": query.get("state", "")}
        if (
            query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
        ):
            answer["error"] = "invalid_request"
        elif self.signed_in_as is None:
            answer["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": query.get("nonce"),
                "claims": dict(self.signed_in_as),
                "code_challenge": query.get("code_challenge"),
                "expires": time.time() + 60,
            }
            answer["code"] = code
        separator = "&" if "?" in redirect_uri else "?"
        return _redirect(start_response, redirect_uri + separator + urlencode(answer))

    def _client_authenticated(self, environ, form) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(
            secret, self.client_secret
        )

    def _token(self, environ, query, start_response):
        self.token_requests += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        if not self._client_authenticated(environ, form):
            return _send(
                start_response, "401 Unauthorized", {"error": "invalid_client"}
            )
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant["expires"] < time.time()
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return _send(start_response, "400 Bad Request", {"error": "invalid_grant"})
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if challenge != grant["code_challenge"]:
                return _send(
                    start_response, "400 Bad Request", {"error": "invalid_grant"}
                )
        claims = grant["claims"]
        now = int(time.time())
        id_token_claims = {
            "iss": self.issuer,
            "sub": claims["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **{k: v for k, v in claims.items() if k != "sub"},
        }
        if "wrong_nonce" in self.misbehave:
            id_token_claims["nonce"] = secrets.token_urlsafe(16)
        if "other_audience" in self.misbehave:
            id_token_claims["aud"] = "another-client"
        if "expired" in self.misbehave:
            id_token_claims.update(iat=now - 3600, exp=now - 1800)
        id_token = jwt.encode(
            {"alg": "RS256", "kid": "province-2026"}, id_token_claims, self.key
        ).decode()
        access_token = secrets.token_urlsafe(24)
        userinfo = dict(claims)
        if "userinfo_other_subject" in self.misbehave:
            userinfo["sub"] = "someone-else"
        self.tokens[access_token] = userinfo
        return _send(
            start_response,
            "200 OK",
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )

    def _userinfo(self, environ, query, start_response):
        header = environ.get("HTTP_AUTHORIZATION", "")
        claims = self.tokens.get(header.removeprefix("Bearer "))
        if not header.startswith("Bearer ") or claims is None:
            return _send(start_response, "401 Unauthorized", {"error": "invalid_token"})
        return _send(start_response, "200 OK", claims)

    def _logout(self, environ, query, start_response):
        self.logouts.append(query)
        target = query.get("post_logout_redirect_uri")
        if target:
            return _redirect(start_response, target)
        return _send(start_response, "200 OK", {"signed_out": True})


def _send(start_response: Any, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _redirect(start_response: Any, location: str) -> list[bytes]:
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


@contextlib.contextmanager
def running_provider(client_id: str, client_secret: str) -> Iterator[Provider]:
    """The provider on 127.0.0.1 at a free port, in a thread, until exit."""
    provider = Provider(client_id, client_secret)
    server = make_server(
        "127.0.0.1",
        0,
        provider,
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    provider.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
