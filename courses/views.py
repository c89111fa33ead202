"""The courses app's own URLs: the sandboxed H5P frame and the package files it
loads (pages are served by Wagtail). Neither reads the session: who may play a
package was decided when the lesson page issued the token (courses.h5p.serving)."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from .h5p.serving import (
    ContentGrant,
    frame_security_policy,
    h5p_content_grant,
    h5p_file_response,
)
from .models import H5P_PLAYER_STATIC
from .permissions import h5p_grant_may_play


def _grant(token: str) -> ContentGrant:
    grant = h5p_content_grant(token)
    if grant is None or not h5p_grant_may_play(grant):
        raise Http404
    return grant


@require_GET
@xframe_options_exempt  # the frame's own policy names the page that may embed it
def h5p_frame(request, token: str):
    """The page inside the lesson's sandboxed <iframe>: the player and this
    package, talking to the lesson page only by postMessage (h5p-frame.js)."""
    grant = _grant(token)
    try:
        player = {
            "mainJs": static(f"{H5P_PLAYER_STATIC}main.bundle.js"),
            "frameJs": static(f"{H5P_PLAYER_STATIC}frame.bundle.js"),
            "frameCss": static(f"{H5P_PLAYER_STATIC}styles/h5p.css"),
        }
    except ValueError:  # not collected: npm was not available at build time
        raise Http404 from None
    content_origin = f"{request.scheme}://{request.get_host()}"
    response = TemplateResponse(
        request,
        "courses/h5p/frame.html",
        {
            "player": player,
            "frame_config": {
                "h5pJsonPath": f"/h5p/content/{token}",
                "frameJs": player["frameJs"],
                "frameCss": player["frameCss"],
                "parentOrigin": grant.parent_origin,
                "unavailable": gettext(
                    "This activity cannot be shown here. Ask the course editor."
                ),
            },
        },
    )
    response["Content-Security-Policy"] = frame_security_policy(
        content_origin=content_origin, parent_origin=grant.parent_origin
    )
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def h5p_file(request, token: str, path: str):
    """A file of the package the token grants; "not found" for anything else."""
    return h5p_file_response(grant=_grant(token), path=path)
