"""HR's back office for competency targets, scoped to their subtree."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from learning import policy

# Screens kept in their own modules; registered here, where Wagtail looks for hooks.
from learning.admin_base import (
    FormClassMixin,
    ScopedIndexMixin,
    ScopedObjectMixin,
    ScopedPermissionPolicy,
    ScopedViewSetMixin,
    ServiceErrorsMixin,
)
from learning.targets.forms import CompetencyTargetForm
from learning.targets.models import CompetencyTarget
from learning.targets.services import target_remove, target_set, target_update


class TargetPermissionPolicy(ScopedPermissionPolicy):
    """County-wide targets (no department) belong to county HR; others to the HR
    officer who manages the department."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view":
            return self.user_has_permission(user, action)
        return self.user_has_permission(user, action) and policy.can_set_targets(
            user, instance.department
        )


target_policy = TargetPermissionPolicy(
    CompetencyTarget,
    lambda t: t.department,
    lambda user: CompetencyTarget.objects.filter(
        Q(department__isnull=True) | Q(department__in=policy.managed_departments(user))
    ),
)


register_permission_policy(CompetencyTarget, target_policy)


class TargetIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("position", "competency", "department")
            .order_by("position__code", "competency__code")
        )


class TargetCreateView(ServiceErrorsMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return target_set(
            actor=self.request.user,
            position=data["position"],
            competency=data["competency"],
            required_level=data["required_level"],
            department=data.get("department"),
        )


class TargetEditView(ServiceErrorsMixin, ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return target_update(
            actor=self.request.user,
            target=self.object,
            position=data["position"],
            competency=data["competency"],
            required_level=data["required_level"],
            department=data.get("department"),
        )


class TargetDeleteView(ScopedObjectMixin, generic.DeleteView):
    def delete_action(self):
        target_remove(actor=self.request.user, target=self.object)


class CompetencyTargetViewSet(ScopedViewSetMixin, FormClassMixin, ModelViewSet):
    model = CompetencyTarget
    form_class = CompetencyTargetForm
    icon = "pick"
    menu_label = _("Competency targets")
    list_display = [
        TitleColumn("position", label=_("position"), url_name="targets:edit"),
        Column("competency", label=_("competency")),
        Column("required_level", label=_("required level")),
        Column("department", label=_("only in department (with its subtree)")),
    ]
    list_filter = ["position"]
    index_view_class = TargetIndexView
    add_view_class = TargetCreateView
    edit_view_class = TargetEditView
    delete_view_class = TargetDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False
