"""H5P_CONTENT_ORIGIN: a second host name of this app that serves H5P frames and
package files and nothing else. Requests to it lose their cookies before anything
reads them (no session is ever accepted there, and a response never sets one); the
site's own host, in turn, no longer serves the frame and files. Without the setting
this does nothing (the sandboxed frame gives package code an opaque origin)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseNotFound

CONTENT_PATHS = ("/h5p/frame/", "/h5p/content/")


def _content_host() -> str:
    origin = urlsplit(settings.H5P_CONTENT_ORIGIN)
    return origin.netloc.lower()


class H5PContentOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.H5P_CONTENT_ORIGIN:
            return self.get_response(request)
        on_content_host = request.get_host().lower() == _content_host()
        is_content_path = request.path_info.startswith(CONTENT_PATHS)
        if not on_content_host:
            if is_content_path:
                return HttpResponseNotFound()
            return self.get_response(request)
        static_path = request.path_info.startswith(settings.STATIC_URL)
        if not (is_content_path or static_path):
            return HttpResponseNotFound()
        request.COOKIES = {}
        request.META.pop("HTTP_COOKIE", None)
        response = self.get_response(request)
        response.cookies.clear()
        return response
