"""The courses app's own URL: H5P files for the player (pages are served by
Wagtail)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET

from .h5p.serving import h5p_file_response
from .permissions import h5p_files_may_read


@login_required
@require_GET
def h5p_file(request, package_id: int, path: str):
    """A file of an extracted package, to whoever courses.permissions allows; to
    anyone else "not found", so that drafts are not revealed."""
    if not h5p_files_may_read(request.user, package_id):
        raise Http404
    return h5p_file_response(package_id=package_id, path=path)
