from django.conf import settings

from learning import policy
from learning.notifications.selectors import notification_unread_count


def site_shell(request):
    """What the base template needs on every page: the user's roles for the menu."""
    user = getattr(request, "user", None)
    flags = (
        policy.navigation_flags(user)
        if user is not None
        else {"dashboard": False, "admin": False}
    )
    return {
        "site_title": settings.SITE_TITLE,
        "nav_dashboard": flags["dashboard"],
        "nav_admin": flags["admin"],
        "languages": settings.LANGUAGES,
        "unread_notifications": notification_unread_count(user) if user else 0,
    }
