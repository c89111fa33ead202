from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from learning import policy
from learning.people.selectors import department_headcount_rows


@login_required
def dashboard(request):
    """Leaders' and HR officers' view over the departments in their scope."""
    if not policy.can_use_dashboard(request.user):
        raise PermissionDenied
    rows = department_headcount_rows(request.user)
    context = {
        "rows": rows,
        "total_staff": sum(row.subtree_staff for row in rows if row.depth == 0),
    }
    return render(request, "analytics/dashboard.html", context)
