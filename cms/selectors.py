"""Reads for the site shell."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from learning import policy


@dataclass(frozen=True)
class HomeSection:
    key: str
    title: str | Promise
    text: str | Promise
    url: str
    action: str | Promise


def home_sections_for(user) -> list[HomeSection]:
    """The entry points the home page offers this user, most personal first."""
    if not policy.is_active_person(user):
        return []
    sections = [
        HomeSection(
            "learn",
            _("My learning"),
            _("Your profile, courses in progress, study hours and competencies."),
            reverse("learning:me"),
            _("Open my learning"),
        ),
        HomeSection(
            "catalog",
            _("Course catalogue"),
            _("E-government operation, service, security awareness and data literacy."),
            "/courses/",
            _("Browse courses"),
        ),
    ]
    if policy.can_use_dashboard(user):
        sections.append(
            HomeSection(
                "dashboard",
                _("Department dashboard"),
                _(
                    "People, competency gaps and compliance in the departments "
                    "you cover."
                ),
                reverse("analytics:dashboard"),
                _("Open the dashboard"),
            )
        )
    if policy.has_role(user, policy.HR):
        sections.append(
            HomeSection(
                "hr",
                _("HR back office"),
                _("Manage departments, positions and people in your scope."),
                reverse("wagtailadmin_home"),
                _("Open the back office"),
            )
        )
    elif user.has_perm("wagtailadmin.access_admin"):
        sections.append(
            HomeSection(
                "editor",
                _("Course editing"),
                _("Write and review courses, lessons and quizzes."),
                reverse("wagtailadmin_home"),
                _("Open the editor"),
            )
        )
    return sections
