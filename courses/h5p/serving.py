"""Serving extracted H5P files: only to signed-in people, only for packages that a
published lesson uses (or to back-office users, who preview drafts), with nosniff and
a Content-Security-Policy that lets the player's files load and nothing else."""

import mimetypes
import posixpath

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from ..models import H5PPackage, LessonPage

USED_PACKAGES_CACHE_KEY = "courses:h5p:used-packages"

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


def used_package_ids() -> set[int]:
    """Packages in published lessons (cached until a page is published or
    unpublished: see CoursesConfig.ready)."""
    ids = cache.get(USED_PACKAGES_CACHE_KEY)
    if ids is None:
        ids = set()
        for body in LessonPage.objects.live().values_list("body", flat=True):
            for block in _raw_blocks(body):
                value = block.get("value") or {}
                if block.get("type") == "h5p" and value.get("package"):
                    ids.add(int(value["package"]))
        cache.set(USED_PACKAGES_CACHE_KEY, ids, None)
    return ids


def used_package_ids_forget(**kwargs) -> None:
    cache.delete(USED_PACKAGES_CACHE_KEY)


def _raw_blocks(body) -> list:
    if hasattr(body, "raw_data"):
        return list(body.raw_data)
    return body or []


def may_play(user, package_id: int) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if package_id in used_package_ids():
        return True
    return user.has_perm("wagtailadmin.access_admin")  # editors preview drafts


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


@login_required
@require_GET
def h5p_file(request, package_id: int, path: str):
    member = clean_member_path(path)
    if member is None or not may_play(request.user, package_id):
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
