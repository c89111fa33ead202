"""Sign-in's reactions to changes of the user: a new session is recorded, a new
password or a deactivation ends every session, leaving ends the open codes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.codes import signin_codes_revoke
from accounts.sessions import session_signed_in, user_sessions_end
from accounts.throttle import address_failure_count


@receiver(user_logged_in, dispatch_uid="accounts_session_signed_in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_signed_in(user=user, session=request.session)


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts_user_saved")
def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        return
    # set_password() keeps the raw password here until save() has run the
    # validators' password_changed hooks: the one sign that the password changed.
    if getattr(instance, "_password", None) is not None:
        user_sessions_end(user_id=instance.pk)
    update_fields = kwargs.get("update_fields")
    if not instance.is_active and (
        update_fields is None or "is_active" in update_fields
    ):
        user_sessions_end(user_id=instance.pk)
        signin_codes_revoke(user_id=instance.pk)


@receiver(user_login_failed, dispatch_uid="accounts_address_failures")
def _sign_in_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any):
    address_failure_count(request)
