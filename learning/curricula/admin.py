"""Back office for mandatory curricula: HR officers build them for audiences inside
their scope. Every save and delete runs a curricula service (its rules, its policy
checks, its sync); these screens only show the form and the service's messages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
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
from learning.curricula.services import (
    audience_count,
    curriculum_check_deletable,
    curriculum_create,
    curriculum_delete,
    curriculum_update,
)


class CurriculumPermissionPolicy(ScopedPermissionPolicy):
    """HR manages curricula owned by a department in its scope; one that has
    assignments is archived, never deleted (curriculum_check_deletable)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete":
            try:
                curriculum_check_deletable(instance)
            except ValidationError:
                return False
        return super().user_has_permission_for_instance(user, action, instance)


curriculum_policy = CurriculumPermissionPolicy(
    Curriculum,
    lambda c: c.owner_department,
    lambda user: Curriculum.objects.filter(
        owner_department__in=policy.curriculum_owner_departments(user, managed=True)
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


class CurriculumServiceMixin:
    """Create and edit save through the curricula services, never the form: their
    rules and policy checks apply, and their messages show on the form."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def save_instance(self):
        return self.service(
            actor=self.request.user,
            curriculum=self.form.instance,
            courses=self.form.submitted_courses(),
            audience=self.form.submitted_audience(),
        )

    def active_message(self, instance):
        if instance.status != Curriculum.Status.ACTIVE:
            return None
        return _(
            "“%(name)s” is saved and active: assignments are updated for everyone "
            "it selects."
        ) % {"name": instance.display_name}


class CurriculumCreateView(CurriculumServiceMixin, generic.CreateView):
    service = staticmethod(curriculum_create)

    def get_success_message(self, instance):
        return self.active_message(instance) or super().get_success_message(instance)


class CurriculumEditView(CurriculumServiceMixin, ScopedObjectMixin, generic.EditView):
    service = staticmethod(curriculum_update)

    def get_success_message(self):
        return self.active_message(self.object) or super().get_success_message()


class CurriculumDeleteView(ScopedObjectMixin, generic.DeleteView):
    """Deletes through curriculum_delete; one with assignments is refused with the
    service's message (archive it instead)."""

    def get(self, request, *args, **kwargs):
        curriculum_check_deletable(self.object)
        return super().get(request, *args, **kwargs)

    def delete_action(self):
        curriculum_delete(actor=self.request.user, curriculum=self.object)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("curricula:edit", self.object.pk)


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


    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("preview/", require_POST(self.preview_view), name="preview"),
        ]

    def preview_view(self, request):
        """How many people the form's audience selects, as the form stands (nothing
        is saved): curriculum-form.js shows it as HR edits. Only people in the
        officer's scope are counted, by the rule assignments follow."""
        if not curriculum_policy.user_has_any_permission(
            request.user, ["add", "change"]
        ):
            raise PermissionDenied
        form = self.get_form_class()(
            request.POST, instance=Curriculum(), for_user=request.user
        )
        form.is_valid()  # the count uses what is valid; the form shows the rest
        data = getattr(form, "cleaned_data", {})
        owner = data.get("owner_department")
        if owner is None:
            return JsonResponse(
                {
                    "count": None,
                    "state": "incomplete",
                    "text": gettext(
                        "Choose the owning department to see whom this selects."
                    ),
                }
            )
        count = audience_count(
            owner_department=owner, audience=form.submitted_audience()
        )
        text = ngettext(
            "This selects %(count)d person.", "This selects %(count)d people.", count
        ) % {"count": count}
        active = data.get("status") == Curriculum.Status.ACTIVE
        if not active:
            text += " " + gettext(
                "Nobody is assigned while the curriculum is not active."
            )
        return JsonResponse(
            {"count": count, "state": "active" if active else "draft", "text": text}
        )


@hooks.register("register_admin_viewset")
def register_curriculum_viewset():
    return CurriculumViewSet("curricula")
