"""Wagtail looks for hooks here: each unit registers its back-office screens in its
own admin module, imported for that side effect; the organisation menu groups the
screens of two units."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from learning.curricula import admin as curricula_admin  # noqa: F401
from learning.curricula import compliance_admin  # noqa: F401
from learning.journey import admin as journey_admin  # noqa: F401
from learning.people.admin import LearnerProfileViewSet
from learning.people.organisation_admin import (
    DepartmentViewSet,
    PositionViewSet,
    RankViewSet,
    RoleScopeViewSet,
)
from learning.roster import admin as roster_admin  # noqa: F401
from learning.targets.admin import CompetencyTargetViewSet
from learning.xapi import admin as xapi_admin  # noqa: F401


class OrganisationViewSetGroup(ViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "site"
    menu_order = 300
    items = (
        DepartmentViewSet("departments"),
        LearnerProfileViewSet("people"),
        RoleScopeViewSet("role_scopes"),
        CompetencyTargetViewSet("targets"),
        PositionViewSet("positions"),
        RankViewSet("ranks"),
    )


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return OrganisationViewSetGroup()
