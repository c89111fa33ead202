"""HR's people screens: staff in the HR officer's subtree, created, edited and
deactivated through the people services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from learning import policy
from learning.admin_base import (
    FormClassMixin,
    ScopedIndexMixin,
    ScopedObjectMixin,
    ScopedPermissionPolicy,
    ScopedViewSetMixin,
)
from learning.organisation.models import (
    LearnerProfile,
)
from learning.people.forms import LearnerProfileForm
from learning.people.services import person_create, person_deactivate, person_update

profile_policy = ScopedPermissionPolicy(
    LearnerProfile, lambda p: p.department, policy.managed_profiles
)
register_permission_policy(LearnerProfile, profile_policy)


class ProfileIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department", "position")


class ProfileCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        if not policy.can_manage_department(self.request.user, data["department"]):
            raise PermissionDenied
        return person_create(
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
        return person_update(profile=self.object, email=email, **data)


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
        person_deactivate(profile=self.object)


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
