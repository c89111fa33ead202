"""Site admins look certificates up and withdraw one (a POST through
certificate_revoke, never an edited field); the learner's state on course pages
(courses/ asks through these hooks)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from learning import policy
from learning.journey.forms import CertificateWithdrawForm, CourseFeedbackForm
from learning.journey.models import Certificate, Enrollment
from learning.journey.selectors import (
    catalog_state,
    course_page_state,
    lesson_page_state,
)
from learning.journey.services import certificate_revoke, course_retake_due

# Screens kept in their own modules; registered here, where Wagtail looks for hooks.


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Certificates are issued by course completion only and never deleted (the
    verification page must keep answering) nor edited: an admin looks one up and
    withdraws it through the withdraw screen (certificate_revoke)."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)


WITHDRAW_URL_NAME = "certificates:withdraw"


def _withdraw_url(certificate: Certificate, user) -> str | None:
    if certificate.revoked_at is not None or not policy.can_withdraw_certificate(user):
        return None
    return reverse(WITHDRAW_URL_NAME, args=[certificate.pk])


class CertificateIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := _withdraw_url(instance, self.request.user):
            buttons.append(
                MenuItem(_("Withdraw"), url=url, icon_name="cross", priority=40)
            )
        return buttons


class CertificateInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if url := _withdraw_url(self.object, self.request.user):
            buttons.append(Button(_("Withdraw"), url=url, icon_name="cross"))
        return buttons


class CertificateWithdrawView(WagtailAdminTemplateMixin, FormView):
    """Confirm page with the reason; the POST withdraws the certificate and what it
    earned (evidence, hours, completed mandatory cycles)."""

    form_class = CertificateWithdrawForm
    template_name = "learning/admin/certificate_withdraw.html"
    page_title = _("Withdraw certificate")
    header_icon = "doc-full-inverse"

    def dispatch(self, request, *args, **kwargs):
        if not policy.can_withdraw_certificate(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(Certificate, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["certificate"] = self.object
        context["back_url"] = reverse("certificates:inspect", args=[self.object.pk])
        return context

    def form_valid(self, form):
        try:
            certificate_revoke(
                actor=self.request.user,
                certificate=self.object,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _t(
                "Certificate %(code)s withdrawn: its evidence, study hours and "
                "completed mandatory training no longer count."
            )
            % {"code": self.object.code},
        )
        return redirect("certificates:inspect", self.object.pk)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full-inverse"
    menu_label = _("Certificates")
    menu_order = 310
    add_to_admin_menu = True
    # Nothing is edited here (the permission policy refuses "change"); the form
    # fields only satisfy the viewset.
    form_fields = ["revoked_at"]
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
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

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "withdraw/<int:pk>/",
                CertificateWithdrawView.as_view(),
                name="withdraw",
            )
        ]


register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet("certificates")


@hooks.register("courses_catalog_context")
def _catalog_context(request, page, **kwargs):
    return catalog_state(request.user)


@hooks.register("courses_course_context")
def _course_context(request, page, *, lessons, **kwargs):
    # The page's state is a read; the screen adds the survey form and the retake
    # offer (a question about the learner's mandatory cycles).
    state = course_page_state(request, page, lessons=lessons)
    enrollment = state.get("enrollment")
    if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return state
    if course_retake_due(learner=request.user, course_key=page.translation_key):
        state["retake_url"] = reverse("learning:course_retake", args=[page.pk])
    if state.get("certificate") is not None:
        state["feedback_form"] = CourseFeedbackForm(instance=state.get("feedback"))
    return state


@hooks.register("courses_lesson_context")
def _lesson_context(request, page, *, course, lessons, **kwargs):
    return lesson_page_state(request, page, course=course, lessons=lessons)
