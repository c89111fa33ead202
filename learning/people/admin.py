"""HR's people screens: staff in the HR officer's subtree, created, edited,
deactivated and reactivated through the people services (which ask the policy)."""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permissions import register_permission_policy

from learning import policy
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
    LearnerProfile,
)
from learning.organisation.selectors import department_labels
from learning.people.forms import LearnerProfileForm
from learning.people.services import (
    person_anonymise,
    person_create,
    person_deactivate,
    person_reactivate,
    person_update,
)

profile_policy = ScopedPermissionPolicy(
    LearnerProfile, lambda p: p.department, policy.managed_profiles
)
register_permission_policy(LearnerProfile, profile_policy)


class ProfileIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department", "position")

    def get_table(self, object_list):
        # A unit's name alone is ambiguous (综合科 exists in dozens of units): the
        # column shows its path below the county, for the page in one query.
        people = list(object_list)
        labels = department_labels(person.department for person in people)
        for person in people:
            person.department_label = labels[person.department.path]
        return super().get_table(people)


class ProfileCreateView(ServiceErrorsMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return person_create(
            actor=self.request.user,
            employee_number=data["employee_number"],
            full_name=data["full_name"],
            department=data["department"],
            position=data.get("position"),
            rank=data.get("rank"),
            hire_date=data.get("hire_date"),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
        )


class ProfileEditView(ServiceErrorsMixin, ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        return person_update(
            actor=self.request.user, profile=self.object, **self.form.cleaned_data
        )

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if not self.object.is_active:
            buttons.append(
                Button(
                    _("Reactivate"),
                    url=reverse("people:reactivate", args=[quote(self.object.pk)]),
                    icon_name="undo",
                    priority=15,
                )
            )
            if policy.is_site_admin(self.request.user):
                buttons.append(
                    Button(
                        _("Anonymise"),
                        url=reverse("people:anonymise", args=[quote(self.object.pk)]),
                        icon_name="user",
                        priority=20,
                    )
                )
        return buttons


class ProfileDeleteView(ScopedObjectMixin, generic.DeleteView):
    """ "Delete" deactivates: leavers keep their history. The service refuses anyone
    recording themself as a leaver."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("people:edit", self.object.pk)

    def delete_action(self):
        person_deactivate(actor=self.request.user, profile=self.object)


class ProfileReactivateView(ScopedObjectMixin, generic.DeleteView):
    """A returner: the GET asks to confirm, the POST reactivates through the
    service (account and record alike)."""

    permission_required = "change"
    template_name = "learning/admin/person_reactivate.html"
    page_title = _("Reactivate")
    success_message = _("%(object)s can sign in again.")
    usage_url_name = None

    def get_delete_url(self):
        return reverse("people:reactivate", args=[quote(self.object.pk)])

    def get_success_url(self):
        return reverse("people:edit", args=[quote(self.object.pk)])

    @property
    def confirmation_message(self):
        return _(
            "Reactivate %(person)s? They sign in again and their mandatory "
            "training is assigned anew; their history stays."
        ) % {"person": self.object}

    def delete_action(self):
        person_reactivate(actor=self.request.user, profile=self.object)


class ProfileAnonymiseView(ProfileReactivateView):
    """PIPL: a site admin makes a leaver unidentifiable; the GET asks to confirm."""

    template_name = "learning/admin/person_anonymise.html"
    page_title = _("Anonymise")
    success_message = _("The person is anonymised.")

    def dispatch(self, request, *args, **kwargs):
        if not policy.is_site_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_delete_url(self):
        return reverse("people:anonymise", args=[quote(self.object.pk)])

    @property
    def confirmation_message(self):
        return _(
            "Anonymise %(person)s? Their name, employee number, phone and the "
            "account's name and e-mail are removed for good; their training records "
            "stay under a number, so department figures do not change. This cannot "
            "be undone."
        ) % {"person": self.object}

    def delete_action(self):
        try:
            person_anonymise(actor=self.request.user, profile=self.object)
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error


class LearnerProfileViewSet(ScopedViewSetMixin, FormClassMixin, ModelViewSet):
    model = LearnerProfile
    form_class = LearnerProfileForm
    icon = "user"
    menu_label = _("People")
    list_display = [
        TitleColumn("full_name", label=_("full name"), url_name="people:edit"),
        Column("employee_number", label=_("employee number")),
        Column("department_label", label=_("department")),
        Column("position", label=_("position")),
        YesNoColumn("is_active", label=_("active")),
    ]
    list_filter = ["is_active", "position"]
    search_fields = ["full_name", "employee_number"]
    index_view_class = ProfileIndexView
    add_view_class = ProfileCreateView
    edit_view_class = ProfileEditView
    delete_view_class = ProfileDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False

    @property
    def reactivate_view(self):
        return self.construct_view(
            ProfileReactivateView, **self.get_delete_view_kwargs()
        )

    @property
    def anonymise_view(self):
        return self.construct_view(
            ProfileAnonymiseView, **self.get_delete_view_kwargs()
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                f"reactivate/<{self.pk_path_converter}:pk>/",
                self.reactivate_view,
                name="reactivate",
            ),
            path(
                f"anonymise/<{self.pk_path_converter}:pk>/",
                self.anonymise_view,
                name="anonymise",
            ),
        ]
