"""Serving H5P packages so that their code never runs as the site (issue #15).

The lesson page embeds a frame (`h5p_frame_url`) that the browser gives an opaque
origin: the frame's own response carries `Content-Security-Policy: sandbox
allow-scripts` (so even opened on its own it is no document of the site) and the
lesson's <iframe> has `sandbox="allow-scripts"`. Inside it the player loads the
package's files by a signed URL (`h5p_content_token`) that needs no session: requests
from an opaque origin carry no cookies. A token names the package, when it expires,
whether it was issued for a preview (a draft package, to people who may edit
packages) and the origin of the page it was issued to, which is the only origin the
frame talks to. Who gets a token is decided by courses.permissions when the lesson
page renders. With H5P_CONTENT_ORIGIN set, frame and files live on that separate
origin only (courses.h5p.origin)."""

from __future__ import annotations

import mimetypes
import posixpath
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages
from django.http import FileResponse, Http404

from .models import H5PPackage

_SALT = "courses.h5p.content"
# Stable for an hour, so that the browser may cache a package's files between pages.
_HOUR = 3600
# No package file is ever a document of its own: were one opened, it runs nothing,
# has an opaque origin, loads nothing, and is handed over as a download when a
# browser could render it (svg, xml, html and anything unknown).
FILE_SECURITY_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".vtt": "text/vtt",
    ".webvtt": "text/vtt",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
# Types a browser shows inline as something other than a document; every other type
# (svg, xml, html, pdf, office files, ...) is sent as an attachment.
INLINE_PREFIXES = ("image/", "audio/", "video/", "font/")
INLINE_TYPES = frozenset(
    {"text/javascript", "text/css", "application/json", "text/vtt", "text/plain"}
)
# Image types that are documents too (they can hold script).
DOCUMENT_IMAGES = frozenset({"image/svg+xml"})


@dataclass(frozen=True)
class ContentGrant:
    """What a valid token allows: this package's files, until `expires` (epoch s),
    for a preview of a draft or not, talking only to `parent_origin`."""

    package_id: int
    expires: int
    preview: bool
    parent_origin: str


def h5p_content_token(*, package_id: int, preview: bool, parent_origin: str) -> str:
    """A signed token for a package's frame and files, valid for
    H5P_CONTENT_URL_HOURS (at least one hour; the same token all hour long)."""
    hours = max(1, settings.H5P_CONTENT_URL_HOURS)
    expires = (int(time.time()) // _HOUR + hours + 1) * _HOUR
    return signing.Signer(salt=_SALT).sign_object(
        {"p": package_id, "e": expires, "v": int(preview), "o": parent_origin},
        compress=False,
    )


def h5p_content_grant(token: str) -> ContentGrant | None:
    """The grant a token carries, or None when it is forged, altered or expired."""
    try:
        value = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict):
        return None
    package_id, expires = value.get("p"), value.get("e")
    origin = value.get("o")
    if not (
        isinstance(package_id, int)
        and isinstance(expires, int)
        and isinstance(origin, str)
    ):
        return None
    if expires < time.time():
        return None
    return ContentGrant(
        package_id=package_id,
        expires=expires,
        preview=bool(value.get("v")),
        parent_origin=origin,
    )


def h5p_content_base() -> str:
    """Where frames and files are served: H5P_CONTENT_ORIGIN, or this site (then the
    frame's sandbox is what keeps package code from the site's origin)."""
    return settings.H5P_CONTENT_ORIGIN


def clean_member_path(path: str) -> str | None:
    """The package-relative path, or None when it tries to leave the package or
    names something the extractor never writes."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    if normal != path.rstrip("/") or normal.startswith(".."):
        return None
    if any(part.startswith((".", "_")) or part == "" for part in normal.split("/")):
        return None
    return normal


def content_type_of(member: str) -> str:
    extension = posixpath.splitext(member)[1].lower()
    return TYPES.get(extension) or (
        mimetypes.guess_type(member)[0] or "application/octet-stream"
    )


def is_document_type(content_type: str) -> bool:
    """Whether a browser could open this type as a document (and so run it)."""
    if content_type in DOCUMENT_IMAGES:
        return True
    return not (
        content_type in INLINE_TYPES or content_type.startswith(INLINE_PREFIXES)
    )


def h5p_file_response(*, grant: ContentGrant, path: str) -> FileResponse:
    """The file at `path` inside the granted package, or Http404 when the path is
    unsafe or names nothing. Every response: nosniff, a sandboxing policy, and a
    download disposition for any type a browser could run as a document."""
    member = clean_member_path(path)
    if member is None:
        raise Http404
    package = H5PPackage.objects.filter(pk=grant.package_id).only("folder").first()
    if package is None:
        raise Http404
    storage = storages["h5p"]
    name = f"{package.folder}/{member}"
    if not storage.exists(name):
        raise Http404
    content_type = content_type_of(member)
    document = is_document_type(content_type)
    response = FileResponse(
        storage.open(name, "rb"),
        content_type=content_type,
        as_attachment=document,
        filename=posixpath.basename(member),
    )
    if not document:
        # FileResponse names the file inline; a script or image needs no name.
        del response["Content-Disposition"]
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_SECURITY_POLICY
    # The sandboxed frame's origin is opaque ("null"): its player reads the JSON
    # files with fetch, without credentials, so any origin may read them.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "private, max-age=3600"
    response["Referrer-Policy"] = "no-referrer"
    return response


def frame_security_policy(*, content_origin: str, parent_origin: str) -> str:
    """The frame page's policy: a sandbox with scripts only (an opaque origin, even
    when the page is opened on its own), scripts and files from where the content
    is served, no requests elsewhere, embeddable only by the page it was issued
    to. The player writes its own inner frame and inline styles, hence
    'unsafe-inline' for scripts and styles in this sandbox."""
    source = content_origin
    return (
        "sandbox allow-scripts allow-forms; default-src 'none'; "
        f"script-src {source} 'unsafe-inline'; "
        f"style-src {source} 'unsafe-inline'; "
        f"img-src {source} data: blob:; media-src {source} blob:; "
        f"font-src {source} data:; connect-src {source}; frame-src {source} blob:; "
        f"frame-ancestors {parent_origin}; base-uri 'none'; form-action 'none'"
    )
