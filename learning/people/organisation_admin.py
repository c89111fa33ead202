"""Back office for the organisation: HR officers manage departments, people and role
scopes inside their own subtree. What they may touch is decided by learning.policy
through one scoped permission policy shared by menus and views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
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
    YesNoColumn,
)
from learning.organisation.models import (
    Department,
    Position,
    Rank,
    RoleScope,
)
from learning.people.forms import DepartmentForm, RoleScopeForm
from learning.people.services import (
    department_create,
    department_deactivate,
    department_update,
    role_scope_grant,
    role_scope_revoke,
    role_scope_update,
)

department_policy = ScopedPermissionPolicy(
    Department, lambda d: d, policy.managed_departments
)


role_scope_policy = ScopedPermissionPolicy(
    RoleScope,
    lambda s: s.department,
    lambda user: RoleScope.objects.filter(
        department__in=policy.managed_departments(user)
    ),
)


class CountyReferencePolicy(ModelPermissionPolicy):
    """Positions and ranks are shared by the whole organisation: everyone with the
    model permission reads them, only county HR (or a site admin) changes them."""

    def user_has_permission(self, user, action):
        if not super().user_has_permission(user, action):
            return False
        return action == "view" or policy.can_set_targets(user, None)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(Position, CountyReferencePolicy(Position))


register_permission_policy(Rank, CountyReferencePolicy(Rank))


register_permission_policy(Department, department_policy)


register_permission_policy(RoleScope, role_scope_policy)


class DepartmentIndexView(ScopedIndexMixin, generic.IndexView):
    default_ordering = "path"


class DepartmentCreateView(ServiceErrorsMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return department_create(
            actor=self.request.user,
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            kind=data["kind"],
            parent=data.get("parent"),
        )


class DepartmentEditView(ServiceErrorsMixin, ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return department_update(
            actor=self.request.user,
            department=self.object,
            parent=data.get("parent"),
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            kind=data["kind"],
            is_active=data["is_active"],
        )


class DepartmentDeleteView(ScopedObjectMixin, generic.DeleteView):
    """ "Delete" deactivates the department and its subtree; history stays. Refused
    while active people still work there."""

    def post(self, request, *args, **kwargs):
        try:
            department_deactivate(actor=self.request.user, department=self.object)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("departments:edit", self.object.pk)
        messages.success(
            request,
            _("“%(name)s” and the units below it were deactivated.")
            % {"name": self.object.display_name},
        )
        return redirect("departments:index")


class DepartmentViewSet(ScopedViewSetMixin, FormClassMixin, ModelViewSet):
    model = Department
    form_class = DepartmentForm
    icon = "group"
    menu_label = _("Departments")
    list_display = [
        TitleColumn("tree_label", label=_("Department"), url_name="departments:edit"),
        Column("code", label=_("code")),
        Column("kind", label=_("kind"), accessor="get_kind_display"),
        YesNoColumn("is_active", label=_("active")),
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "name_en", "code"]
    index_view_class = DepartmentIndexView
    add_view_class = DepartmentCreateView
    edit_view_class = DepartmentEditView
    delete_view_class = DepartmentDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False


class RoleScopeIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "department")


class RoleScopeCreateView(ServiceErrorsMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return role_scope_grant(
            actor=self.request.user,
            user=data["user"],
            role=data["role"],
            department=data["department"],
        )


class RoleScopeEditView(ServiceErrorsMixin, ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return role_scope_update(
            actor=self.request.user,
            scope=self.object,
            user=data["user"],
            role=data["role"],
            department=data["department"],
        )


class RoleScopeDeleteView(ScopedObjectMixin, generic.DeleteView):
    def delete_action(self):
        role_scope_revoke(actor=self.request.user, scope=self.object)


class RoleScopeViewSet(ScopedViewSetMixin, FormClassMixin, ModelViewSet):
    model = RoleScope
    form_class = RoleScopeForm
    icon = "key"
    menu_label = _("Role scopes")
    list_display = ["user", "role", "department"]
    list_filter = ["role"]
    index_view_class = RoleScopeIndexView
    add_view_class = RoleScopeCreateView
    edit_view_class = RoleScopeEditView
    delete_view_class = RoleScopeDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False


class PositionViewSet(ModelViewSet):
    model = Position
    icon = "tag"
    menu_label = _("Positions")
    form_fields = ["code", "title", "title_en", "rank", "is_leader"]
    list_display = [
        "title",
        "title_en",
        "code",
        "rank",
        # Yes/no in the reader's language, not Python's True/False.
        YesNoColumn("is_leader", label=_("leader position")),
    ]
    search_fields = ["title", "title_en", "code"]
    copy_view_enabled = False


class RankViewSet(ModelViewSet):
    model = Rank
    icon = "order"
    menu_label = _("Ranks")
    form_fields = ["code", "name", "name_en", "order"]
    list_display = ["name", "name_en", "code", "order"]
    copy_view_enabled = False
