"""Leaders' and HR officers' dashboards: every page scoped by analytics.scope (a
department outside the viewer's scope is a 404), every table exportable."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from analytics import action, pages
from analytics.scope import DashboardScope, dashboard_scope, id_param, single_param
from analytics.tables import export_requested, export_response
from audit.limits import EXPORTS, rate_limited
from learning import policy

# A dashboard page is an export when it is asked for one of its tables (?export=).
export_limited = rate_limited(
    EXPORTS, methods=("GET", "HEAD"), when=lambda request: "export" in request.GET
)


def _scope(request) -> DashboardScope:
    if not policy.can_use_dashboard(request.user):
        raise PermissionDenied
    return dashboard_scope(request.user, request.GET)


def _page(request, template: str, scope: DashboardScope, context: dict, tables):
    wanted = export_requested(request.GET)
    if wanted is not None:
        return export_response(tables, *wanted, today=scope.today)
    query = request.GET.copy()
    for name in ("export", "format"):
        query.pop(name, None)
    context |= {
        "scope": scope,
        "tables": {t.name: t for t in tables},
        "query": query.urlencode(),
    }
    return render(request, template, context)


@login_required
@export_limited
def dashboard(request):
    """Overview: headline figures for the chosen department."""
    scope = _scope(request)
    overview = pages.overview(scope)
    return _page(
        request,
        "analytics/overview.html",
        scope,
        {"overview": overview, "section": "overview"},
        overview.tables,
    )


@login_required
@export_limited
def gaps(request):
    """The department × competency (or area) heatmap."""
    scope = _scope(request)
    by = single_param(request.GET, "by") or "competency"
    result = pages.gaps(scope, by=by)
    return _page(
        request,
        "analytics/gaps.html",
        scope,
        {
            "heatmap": result.heatmap,
            "uncovered": result.uncovered,
            "by": by,
            "section": "gaps",
        },
        result.tables,
    )


@login_required
@export_limited
def gap_people(request):
    """A heatmap cell's people below target (names only inside the scope)."""
    scope = _scope(request)
    cell = pages.cell_from(scope, request.GET)
    result = pages.cell_people(scope, cell)
    return _page(
        request,
        "analytics/gap_people.html",
        scope,
        {"cell": cell, "people": result.people, "section": "gaps"},
        result.tables,
    )


@login_required
@export_limited
@require_http_methods(["GET", "HEAD", "POST"])
def gap_action(request):
    """From a gap to action: courses that close it, ranked by measured gain; HR
    turns the selection into a draft mandatory curriculum."""
    scope = _scope(request)
    cell = pages.cell_from(scope, request.GET)
    plan = action.gap_plan(scope, cell)
    if request.method == "POST":
        try:
            curriculum = action.curriculum_from_gap(
                actor=request.user,
                plan=plan,
                course_ids=[
                    int(v)
                    for v in request.POST.getlist("course")
                    if v.isascii() and v.isdigit() and len(v) <= 12
                ],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied as error:
            messages.error(request, str(error) or _("You may not do that."))
        else:
            messages.success(
                request,
                _(
                    "Draft curriculum created for %(n)s people. Set the due date "
                    "and activate it when it is right."
                )
                % {"n": len(plan.people)},
            )
            return redirect(reverse("curricula:edit", args=[curriculum.pk]))
    return _page(
        request,
        "analytics/gap_action.html",
        scope,
        {
            "cell": cell,
            "plan": plan,
            "can_assign": action.can_assign(request.user, plan),
            "section": "gaps",
        },
        plan.tables,
    )


@login_required
@export_limited
def compliance(request):
    """Mandatory curricula per curriculum and sub-unit, slowest units first."""
    scope = _scope(request)
    curriculum_id = id_param(request.GET, "curriculum")
    result = pages.compliance(scope, curriculum_id=curriculum_id)
    return _page(
        request,
        "analytics/compliance.html",
        scope,
        {"result": result, "section": "compliance"},
        result.tables,
    )


def _simple_page(name: str, build):
    """A page that is its builder's result rendered with its tables."""

    @login_required
    @export_limited
    def view(request):
        scope = _scope(request)
        result = build(scope)
        return _page(
            request,
            f"analytics/{name}.html",
            scope,
            {"result": result, "section": name},
            result.tables,
        )

    view.__name__ = name
    view.__doc__ = build.__doc__
    return view


hours = _simple_page("hours", pages.hours)
effect = _simple_page("effect", pages.effect)
trends = _simple_page("trends", pages.trends)
