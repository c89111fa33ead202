from django.conf import settings

from learning import policy


def site_shell(request):
    """What the base template needs on every page: the user's roles for the menu."""
    user = getattr(request, "user", None)
    active = policy.is_active_person(user) if user is not None else False
    return {
        "site_title": settings.SITE_TITLE,
        "nav_dashboard": active and policy.can_use_dashboard(user),
        "nav_admin": active and user.has_perm("wagtailadmin.access_admin"),
        "languages": settings.LANGUAGES,
    }
