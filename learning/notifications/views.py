"""The notification centre."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learning.notifications.selectors import notification_list
from learning.notifications.services import notification_mark_read


@login_required
def notification_centre(request):
    """The signed-in person's notifications, newest first, 20 a page."""
    page = Paginator(notification_list(request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "learning/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    """Mark one notification (`id`) or all of them read; opening one follows its
    link (only a path on this site)."""
    raw = request.POST.get("id", "")
    if raw:
        # At most a database id's 19 digits (int() refuses 4,300 and more).
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
            messages.error(request, _("That notification does not exist."))
            return redirect("learning:notifications")
        notification = get_object_or_404(notification_list(request.user), pk=int(raw))
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        if request.POST.get("open") and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts=None
        ):
            return redirect(notification.url)
        return redirect("learning:notifications")
    count = notification_mark_read(user=request.user)
    messages.success(
        request, _("%(count)s notifications marked read.") % {"count": count}
    )
    return redirect("learning:notifications")
