"""The audit log in the back office: site admins only, read-only, filterable by
action, person, address and date, exportable (the export is itself recorded)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from audit.limits import EXPORTS, Limited, request_limit_hit, too_many_requests
from audit.models import AuditEntry
from audit.services import record


class AuditPermissionPolicy(ModelPermissionPolicy):
    """Only active site admins, and only to read."""

    def user_has_permission(self, user, action):
        return action in ("view", "inspect") and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model  # noqa: PLC0415

        if not {"view", "inspect"} & set(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


register_permission_policy(AuditEntry, AuditPermissionPolicy(AuditEntry))


class AuditIndexView(generic.IndexView):
    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export:
            try:
                request_limit_hit(EXPORTS, request)
            except Limited as limited:
                return too_many_requests(request, limited)
            filters = {
                key: request.GET.getlist(key)
                for key in request.GET
                if key not in ("export", "p")
            }
            record(
                "export",
                object_type="audit.auditentry",
                object_label=str(_("audit log")),
                changes={"format": export, "filters": filters},
            )
        return super().get(request, *args, **kwargs)


class AuditViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit log")
    add_to_settings_menu = True
    name = "audit"
    index_view_class = AuditIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_filter = {"action": ["exact"], "at": ["gte", "lte"], "actor_label": ["exact"]}
    search_fields = ["actor_label", "object_label", "action", "address"]
    search_backend_name = None
    # No add or edit screens answer (the permission policy refuses both); the form
    # is declared only because the viewset builds its views from one.
    form_fields = ["action"]
    list_per_page = 100
    list_export = [
        "at",
        "actor_label",
        "address",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "changes",
    ]
    export_filename = "audit-log"
    inspect_view_fields = list_export
    list_display = [
        Column("at", label=_("When")),
        Column("actor_label", label=_("Who")),
        Column("address", label=_("From address")),
        Column("action", label=_("Action")),
        Column("object_label", label=_("Object")),
        Column("changes", label=_("Changes")),
    ]
