"""Site admins give tools LRS credentials (create: the secret is shown once;
revoke), in the back office; and the lesson page's H5P launches (courses/ asks
through the courses_lesson_context hook)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import CreateView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from courses.h5p.activities import activity_iri
from learning import policy
from learning.journey.selectors import enrollment_for
from learning.xapi.forms import CredentialRevokeForm, LRSCredentialForm
from learning.xapi.models import LRSCredential
from learning.xapi.services import (
    credential_create,
    credential_revoke,
    launches_issue,
    learner_actor,
)


class LRSCredentialPermissionPolicy(ModelPermissionPolicy):
    """Only site admins see, create and revoke credentials; none is edited or
    deleted (the statements a tool wrote keep naming it)."""

    def user_has_permission(self, user, action):
        if action in ("change", "delete"):
            return False
        return policy.is_site_admin(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return LRSCredential.objects.none()
        return LRSCredential.objects.all()

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(actions).filter(is_superuser=True)


REVOKE_URL_NAME = "lrs_credentials:revoke"


class LRSCredentialIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.revoked_at is None:
            buttons.append(
                MenuItem(
                    _("Revoke"),
                    url=reverse(REVOKE_URL_NAME, args=[instance.pk]),
                    icon_name="cross",
                    priority=40,
                )
            )
        return buttons


class LRSCredentialCreateView(CreateView):
    """Creates through credential_create and shows the secret once, on this answer
    (never stored, never redirected to)."""

    def form_valid(self, form):
        try:
            credential, secret = credential_create(
                actor=self.request.user,
                label=form.cleaned_data["label"],
                department=form.cleaned_data["department"],
                can_read=form.cleaned_data["can_read"],
                can_write=form.cleaned_data["can_write"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        context = self.get_context_data(form=form)
        context.update(
            credential=credential,
            secret=secret,
            endpoint=self.request.build_absolute_uri("/xapi/"),
            index_url=reverse("lrs_credentials:index"),
        )
        return TemplateResponse(
            self.request, "learning/admin/lrs_credential_created.html", context
        )


class LRSCredentialRevokeView(WagtailAdminTemplateMixin, FormView):
    form_class = CredentialRevokeForm
    template_name = "learning/admin/lrs_credential_revoke.html"
    page_title = _("Revoke LRS credential")
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        if not policy.is_site_admin(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(LRSCredential, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["credential"] = self.object
        context["back_url"] = reverse("lrs_credentials:index")
        return context

    def form_valid(self, form):
        credential_revoke(actor=self.request.user, credential=self.object)
        messages.success(
            self.request,
            _t("Credential %(key)s revoked: the tool's requests are refused from now.")
            % {"key": self.object.key},
        )
        return redirect("lrs_credentials:index")


class LRSCredentialViewSet(ModelViewSet):
    model = LRSCredential
    icon = "key"
    menu_label = _("LRS credentials")
    menu_order = 320
    add_to_settings_menu = True

    def get_form_class(self, for_update=False):
        return LRSCredentialForm

    index_view_class = LRSCredentialIndexView
    add_view_class = LRSCredentialCreateView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "label",
        "key",
        "department",
        "can_read",
        "can_write",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["label", "key"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("revoke/<int:pk>/", LRSCredentialRevokeView.as_view(), name="revoke")
        ]


register_permission_policy(LRSCredential, LRSCredentialPermissionPolicy(LRSCredential))


@hooks.register("register_admin_viewset")
def register_lrs_credential_viewset():
    return LRSCredentialViewSet("lrs_credentials")


@hooks.register("courses_lesson_context")
def _lesson_launches(request, page, *, course, **kwargs):
    """The learner's xAPI actor and, when enrolled, a launch registration for each
    H5P activity on the page (signed: the page view writes nothing)."""
    user = request.user
    blocks = page.h5p_blocks
    if not user.is_authenticated or not blocks:
        return {}
    context = {"xapi_actor": learner_actor(learner=user)}
    enrollment = enrollment_for(learner=user, course_key=course.translation_key)
    if enrollment is None:
        return context
    iris = {
        block_id: activity_iri(lesson_key=page.translation_key, block_id=block_id)
        for block_id in blocks
    }
    issued = launches_issue(learner=user, activity_iris=list(iris.values()))
    context["h5p_registrations"] = {
        block_id: str(issued[iri]) for block_id, iri in iris.items()
    }
    return context
