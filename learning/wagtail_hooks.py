"""Back office for the organisation: HR officers manage departments, people and role
scopes inside their own subtree. What they may touch is decided by learning.policy
through one scoped permission policy shared by menus and views."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import journey_selectors, policy, services
from .forms import (
    CompetencyTargetForm,
    DepartmentForm,
    LearnerProfileForm,
    RoleScopeForm,
)
from .models import (
    Certificate,
    CompetencyTarget,
    Department,
    LearnerProfile,
    Position,
    Rank,
    RoleScope,
)


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, narrowed to the HR officer's department subtree."""

    def __init__(self, model, department_of, scoped_queryset):
        super().__init__(model)
        self.department_of = department_of
        self.scoped_queryset = scoped_queryset

    def user_has_permission(self, user, action):
        if not policy.is_active_person(user):
            return False
        return super().user_has_permission(user, action) and (
            user.is_superuser or policy.has_role(user, policy.HR)
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and policy.can_manage_department(
            user, self.department_of(instance)
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance)
            for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model.objects.none()
        return self.scoped_queryset(user)


department_policy = ScopedPermissionPolicy(
    Department, lambda d: d, policy.managed_departments
)
profile_policy = ScopedPermissionPolicy(
    LearnerProfile, lambda p: p.department, policy.managed_profiles
)
role_scope_policy = ScopedPermissionPolicy(
    RoleScope,
    lambda s: s.department,
    lambda user: RoleScope.objects.filter(
        department__in=policy.managed_departments(user)
    ),
)


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
register_permission_policy(LearnerProfile, profile_policy)
register_permission_policy(RoleScope, role_scope_policy)


class FormClassMixin:
    """Use the viewset's own form (it scopes its choices by learning.policy)."""

    form_class = None

    def get_form_class(self, for_update=False):
        return self.form_class


class ScopedIndexMixin:
    def get_base_queryset(self) -> QuerySet:
        queryset = super().get_base_queryset()
        return queryset & self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["change", "view"]
        )


class ScopedObjectMixin:
    """Edit, delete and inspect views refuse objects outside the user's scope."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", instance
        ):
            raise PermissionDenied
        return instance


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, UsageView):
    pass


class ScopedViewSetMixin:
    """Every per-object screen (edit, delete, history, usage) checks the scope."""

    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView


class DepartmentIndexView(ScopedIndexMixin, generic.IndexView):
    default_ordering = "path"


class DepartmentCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        parent = data.get("parent")
        if parent is not None and not policy.can_manage_department(
            self.request.user, parent
        ):
            raise PermissionDenied
        return services.department_create(
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            kind=data["kind"],
            parent=parent,
        )


class DepartmentEditView(ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.department_update(
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
            services.department_deactivate(department=self.object)
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
        BooleanColumn("is_active", label=_("active")),
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "name_en", "code"]
    index_view_class = DepartmentIndexView
    add_view_class = DepartmentCreateView
    edit_view_class = DepartmentEditView
    delete_view_class = DepartmentDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False


class ProfileIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department", "position")


class ProfileCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        if not policy.can_manage_department(self.request.user, data["department"]):
            raise PermissionDenied
        return services.person_create(
            employee_number=data["employee_number"],
            full_name=data["full_name"],
            department=data["department"],
            position=data.get("position"),
            rank=data.get("rank"),
            hire_date=data.get("hire_date"),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
        )


class ProfileEditView(ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        data = dict(self.form.cleaned_data)
        email = data.pop("email", "")
        return services.person_update(profile=self.object, email=email, **data)


class ProfileDeleteView(ScopedObjectMixin, generic.DeleteView):
    """ "Delete" deactivates: leavers keep their history. Nobody records themself
    as a leaver (that would lock them out mid-task); another HR officer does."""

    def post(self, request, *args, **kwargs):
        if self.object.user_id == request.user.pk:
            messages.error(
                request,
                _("You cannot record yourself as a leaver; ask another HR officer."),
            )
            return redirect("people:edit", self.object.pk)
        return super().post(request, *args, **kwargs)

    def delete_action(self):
        services.person_deactivate(profile=self.object)


class LearnerProfileViewSet(ScopedViewSetMixin, FormClassMixin, ModelViewSet):
    model = LearnerProfile
    form_class = LearnerProfileForm
    icon = "user"
    menu_label = _("People")
    list_display = [
        TitleColumn("full_name", label=_("full name"), url_name="people:edit"),
        Column("employee_number", label=_("employee number")),
        Column("department", label=_("department")),
        Column("position", label=_("position")),
        BooleanColumn("is_active", label=_("active")),
    ]
    list_filter = ["is_active", "position"]
    search_fields = ["full_name", "employee_number"]
    index_view_class = ProfileIndexView
    add_view_class = ProfileCreateView
    edit_view_class = ProfileEditView
    delete_view_class = ProfileDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False


class RoleScopeIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "department")


class RoleScopeCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        if not policy.can_manage_department(self.request.user, data["department"]):
            raise PermissionDenied
        return services.role_scope_grant(
            user=data["user"], role=data["role"], department=data["department"]
        )


class RoleScopeEditView(ScopedObjectMixin, generic.EditView):
    pass


class RoleScopeDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


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


class TargetIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("position", "competency", "department")
            .order_by("position__code", "competency__code")
        )


class TargetCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.target_set(
            actor=self.request.user,
            position=data["position"],
            competency=data["competency"],
            required_level=data["required_level"],
            department=data.get("department"),
        )


class TargetEditView(ScopedObjectMixin, generic.EditView):
    @transaction.atomic
    def save_instance(self):
        data = self.form.cleaned_data
        # The form has already written the new values onto self.object; compare
        # with the stored row to see whether the target moved to another key.
        stored = CompetencyTarget.objects.get(pk=self.object.pk)
        if (data["position"], data["competency"], data.get("department")) != (
            stored.position,
            stored.competency,
            stored.department,
        ):
            services.target_remove(actor=self.request.user, target=stored)
        return services.target_set(
            actor=self.request.user,
            position=data["position"],
            competency=data["competency"],
            required_level=data["required_level"],
            department=data.get("department"),
        )


class TargetDeleteView(ScopedObjectMixin, generic.DeleteView):
    def delete_action(self):
        services.target_remove(actor=self.request.user, target=self.object)


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


class PositionViewSet(ModelViewSet):
    model = Position
    icon = "tag"
    menu_label = _("Positions")
    form_fields = ["code", "title", "title_en", "rank", "is_leader"]
    list_display = ["title", "title_en", "code", "rank", "is_leader"]
    search_fields = ["title", "title_en", "code"]
    copy_view_enabled = False


class RankViewSet(ModelViewSet):
    model = Rank
    icon = "order"
    menu_label = _("Ranks")
    form_fields = ["code", "name", "name_en", "order"]
    list_display = ["name", "name_en", "code", "order"]
    copy_view_enabled = False


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


# Certificates: site admins look them up and withdraw one issued in error --------------


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Certificates are issued by course completion only and never deleted (the
    verification page must keep answering); an admin may only withdraw one."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full-inverse"
    menu_label = _("Certificates")
    menu_order = 310
    add_to_admin_menu = True
    form_fields = ["revoked_at"]
    list_display = [
        "code",
        "learner_name",
        "course_title_zh",
        "issued_at",
        "valid_until",
        "revoked_at",
    ]
    search_fields = ["code", "learner_name", "course_title_zh", "course_title_en"]
    list_filter = ["revoked_at"]
    copy_view_enabled = False
    inspect_view_enabled = True


register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet("certificates")


# The learner's state on course pages (courses/ asks through these hooks) -----------


@hooks.register("courses_catalog_context")
def _catalog_context(request, page, **kwargs):
    return journey_selectors.catalog_state(request.user)


@hooks.register("courses_course_context")
def _course_context(request, page, *, lessons, **kwargs):
    return journey_selectors.course_page_state(request, page, lessons=lessons)


@hooks.register("courses_lesson_context")
def _lesson_context(request, page, *, course, lessons, **kwargs):
    return journey_selectors.lesson_page_state(
        request, page, course=course, lessons=lessons
    )


# Screens kept in their own modules; registered here, where Wagtail looks for hooks.
from . import (  # noqa: E402
    compliance_hooks,  # noqa: F401
    curriculum_hooks,  # noqa: F401
    roster_hooks,  # noqa: F401
)
