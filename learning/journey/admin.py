"""Site admins look certificates up and withdraw one; the learner's state on course
pages (courses/ asks through these hooks)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from learning.journey.models import Certificate
from learning.journey.selectors import (
    catalog_state,
    course_page_state,
    lesson_page_state,
)

# Screens kept in their own modules; registered here, where Wagtail looks for hooks.


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


@hooks.register("courses_catalog_context")
def _catalog_context(request, page, **kwargs):
    return catalog_state(request.user)


@hooks.register("courses_course_context")
def _course_context(request, page, *, lessons, **kwargs):
    return course_page_state(request, page, lessons=lessons)


@hooks.register("courses_lesson_context")
def _lesson_context(request, page, *, course, lessons, **kwargs):
    return lesson_page_state(request, page, course=course, lessons=lessons)
