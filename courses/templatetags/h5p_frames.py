"""{% h5p_frame_url package %}: the sandboxed frame that plays a package on a
lesson page, for the person viewing it (courses.h5p.serving explains the design)."""

from django import template
from django.conf import settings
from django.urls import reverse

from courses.h5p.serving import h5p_content_token
from courses.permissions import h5p_play_mode

register = template.Library()


@register.simple_tag(takes_context=True)
def h5p_frame_url(context, package) -> str:
    """The frame's URL, or "" when this person may not play the package."""
    request = context.get("request")
    if request is None or package is None:
        return ""
    mode = h5p_play_mode(request.user, package.pk)
    if mode is None:
        return ""
    token = h5p_content_token(
        package_id=package.pk,
        preview=mode == "preview",
        parent_origin=f"{request.scheme}://{request.get_host()}",
    )
    return settings.H5P_CONTENT_ORIGIN + reverse("courses:h5p_frame", args=[token])
