from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def me(request):
    """The learner's home: who they are in the organisation and what they hold."""
    profile = selectors.profile_get_for_user(request.user)
    context = {
        "profile": profile,
        "department_chain": (
            selectors.department_ancestors(profile.department) if profile else []
        ),
        "role_scopes": selectors.role_scope_list(request.user),
    }
    return render(request, "learning/me.html", context)
