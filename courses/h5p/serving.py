"""Serving an extracted H5P file, with nosniff and a Content-Security-Policy that
lets the player's files load and nothing else. Who may be served is decided above,
by courses.permissions (the view is courses.views.h5p_file)."""

import mimetypes
import posixpath

from django.core.files.storage import storages
from django.http import FileResponse, Http404

from .models import H5PPackage

# Files are the package's own scripts, styles, images, media and JSON; none may pull
# anything from elsewhere, and a document opened on its own runs no script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
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


def h5p_file_response(*, package_id: int, path: str) -> FileResponse:
    """The file at `path` inside the package, or Http404 when the path is unsafe or
    names nothing."""
    member = clean_member_path(path)
    if member is None:
        raise Http404
    package = H5PPackage.objects.filter(pk=package_id).only("folder").first()
    if package is None:
        raise Http404
    storage = storages["h5p"]
    name = f"{package.folder}/{member}"
    if not storage.exists(name):
        raise Http404
    extension = posixpath.splitext(member)[1].lower()
    content_type = TYPES.get(extension) or (
        mimetypes.guess_type(member)[0] or "application/octet-stream"
    )
    response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "private, max-age=3600"
    return response
