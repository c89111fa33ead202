"""Shared back-office pieces: a permission policy and view mixins narrowed to the
HR officer's department subtree by learning.policy."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import yesno
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.permission_policies import ModelPermissionPolicy

from learning import policy


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, narrowed to the HR officer's department subtree."""

    def __init__(self, model, department_of, scoped_queryset):
        super().__init__(model)
        self.department_of = department_of
        self.scoped_queryset = scoped_queryset

    def user_has_permission(self, user, action):
        if not policy.is_active_person(user):
            return False
        return super().user_has_permission(user, action) and policy.has_role(
            user, policy.HR
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


class FormClassMixin:
    """Use the viewset's own form (it scopes its choices by learning.policy)."""

    form_class = None

    def get_form_class(self, for_update=False):
        return self.form_class


class ServiceErrorsMixin:
    """Create and edit screens save through a service: a ValidationError it raises
    (a rule the form could not check, such as a name already taken) comes back as
    the form's errors, and nothing is written."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PermissionDenied as error:
            # A rule about who may change what (an account above the actor's own
            # powers): said on the form, nothing written.
            self.produced_error_code = "permission_denied"
            self.produced_error_message = self.get_error_message()
            form.add_error(None, str(error) or _("You may not make this change."))
            return self.form_invalid(form)
        except ValidationError as error:
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            errors = error.error_dict if hasattr(error, "error_dict") else None
            if errors is None:
                form.add_error(None, error)
            else:
                for field, field_errors in errors.items():
                    form.add_error(
                        field if field in form.fields else NON_FIELD_ERRORS,
                        field_errors,
                    )
            return self.form_invalid(form)


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


class ScopedDepartmentForm(WagtailAdminModelForm):
    """A back-office form whose `department` field offers only the departments the
    signed-in HR officer manages, in tree order."""

    department_field = "department"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.department_field].queryset = policy.managed_departments(
            self.for_user
        ).order_by("path")


class YesNoColumn(Column):
    """A yes/no field as words in the reader's language ("是"/"否"), where Wagtail's
    BooleanColumn shows an icon titled "True"/"False"."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return "" if value is None else yesno(bool(value))
