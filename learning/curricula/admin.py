"""Back office for mandatory curricula: HR officers build them for audiences inside
their scope; saving an active curriculum re-syncs its assignments."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from learning import policy
from learning.admin_base import (
    ScopedIndexMixin,
    ScopedObjectMixin,
    ScopedPermissionPolicy,
    ScopedViewSetMixin,
)
from learning.curricula.forms import CurriculumForm
from learning.curricula.models import Assignment, Curriculum
from learning.curricula.services import curriculum_changed


class CurriculumPermissionPolicy(ScopedPermissionPolicy):
    """HR manages curricula owned by a department in its scope; one that has
    assignments is archived, never deleted (its history stays)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and instance.assignments.exists():
            return False
        return super().user_has_permission_for_instance(user, action, instance)


curriculum_policy = CurriculumPermissionPolicy(
    Curriculum,
    lambda c: c.owner_department,
    lambda user: Curriculum.objects.filter(
        owner_department__in=policy.managed_departments(user)
    ),
)


register_permission_policy(Curriculum, curriculum_policy)


class CurriculumIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        open_now = Q(assignments__state=Assignment.State.OPEN)
        return (
            super()
            .get_base_queryset()
            .select_related("owner_department")
            .annotate(
                assigned_count=Count("assignments", filter=open_now),
                completed_count=Count(
                    "assignments",
                    filter=Q(assignments__state=Assignment.State.COMPLETED),
                ),
            )
        )


class SyncAfterSaveMixin:
    def save_instance(self):
        instance = super().save_instance()
        curriculum_changed(curriculum=instance)
        return instance

    def active_message(self, instance):
        if instance.status != Curriculum.Status.ACTIVE:
            return None
        return _(
            "“%(name)s” is saved and active: assignments are updated for everyone "
            "it selects."
        ) % {"name": instance.display_name}


class CurriculumCreateView(SyncAfterSaveMixin, generic.CreateView):
    def get_success_message(self, instance):
        return self.active_message(instance) or super().get_success_message(instance)

    def save_instance(self):
        owner = self.form.cleaned_data.get("owner_department")
        if not policy.can_manage_department(self.request.user, owner):
            raise PermissionDenied
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class CurriculumEditView(SyncAfterSaveMixin, ScopedObjectMixin, generic.EditView):
    def get_success_message(self):
        return self.active_message(self.object) or super().get_success_message()


class CurriculumDeleteView(ScopedObjectMixin, generic.DeleteView):
    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if instance.assignments.exists():
            raise PermissionDenied
        return instance

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            messages.error(
                request,
                _("A curriculum with assignments cannot be deleted: archive it."),
            )
            return redirect("curricula:index")


class CurriculumViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Curriculum
    icon = "list-ol"
    menu_label = _("Mandatory curricula")
    menu_order = 305
    add_to_admin_menu = True
    list_display = [
        TitleColumn("display_name", label=_("Curriculum"), url_name="curricula:edit"),
        Column("owner_department", label=_("owned by department")),
        StatusTagColumn(
            "get_status_display",
            label=_("status"),
            primary=lambda c: c.status == Curriculum.Status.ACTIVE,
        ),
        Column("assigned_count", label=_("open")),
        Column("completed_count", label=_("completed")),
        Column("recurrence_label", label=_("recurrence")),
    ]
    list_filter = ["status"]
    search_fields = ["name", "name_en"]
    index_view_class = CurriculumIndexView
    add_view_class = CurriculumCreateView
    edit_view_class = CurriculumEditView
    delete_view_class = CurriculumDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("name_en"),
                    FieldPanel("description"),
                    FieldPanel("owner_department"),
                    FieldPanel("status"),
                    InlinePanel("items", label=_("Courses"), min_num=0),
                    FieldPanel("required_count"),
                ],
                heading=_("Curriculum"),
            ),
            ObjectList(
                [
                    FieldPanel("departments"),
                    FieldPanel("departments_exact"),
                    FieldPanel("positions"),
                    FieldPanel("ranks"),
                    FieldPanel("individual_numbers"),
                    FieldPanel("excluded_departments"),
                    FieldPanel("excluded_numbers"),
                ],
                heading=_("Audience"),
            ),
            ObjectList(
                [
                    FieldPanel("due_kind"),
                    FieldRowPanel([FieldPanel("due_date"), FieldPanel("due_days")]),
                    FieldPanel("grace_days"),
                    FieldRowPanel(
                        [
                            FieldPanel("recurrence_months"),
                            FieldPanel("renewal_window_days"),
                        ]
                    ),
                ],
                heading=_("Due dates and cycles"),
            ),
        ],
        base_form_class=CurriculumForm,
    )


@hooks.register("register_admin_viewset")
def register_curriculum_viewset():
    return CurriculumViewSet("curricula")
