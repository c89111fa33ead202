"""The notification centre's list and the unread count in the header."""

from __future__ import annotations

from django.core.cache import cache

from learning.notifications.models import Notification

UNREAD_CACHE_KEY = "notifications:unread:{user_id}"


UNREAD_CACHE_SECONDS = 60


def notification_unread_count(user) -> int:
    """The header's unread count, cached briefly per user (writes clear it), so
    that pages do not pay a query for it."""
    if not getattr(user, "is_authenticated", False):
        return 0
    count = cache.get_or_set(
        UNREAD_CACHE_KEY.format(user_id=user.pk),
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count(),
        UNREAD_CACHE_SECONDS,
    )
    return count or 0


def notification_list(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")
