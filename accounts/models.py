"""What sign-in keeps besides Django's user: first sign-in codes, the passwords a
person used before, and which sessions each person holds (so that a password change
or a deactivation can end them all at once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SigninCode(models.Model):
    """A one-time code that lets a person set a password (first sign-in, or a reset
    by HR). Only a keyed hash is stored; the code itself is shown once."""

    class Purpose(models.TextChoices):
        ACTIVATION = "activation", _("First sign-in")
        RESET = "reset", _("Password reset")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="signin_codes",
    )
    code_hash = models.CharField(_("code hash"), max_length=128)
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.ACTIVATION
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        constraints = [
            # At most one code per person can be used: issuing revokes the last.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="accounts_signincode_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        issued = f"{self.created_at:%Y-%m-%d}"
        return f"{self.user} · {self.get_purpose_display()} · {issued}"


class PasswordHistory(models.Model):
    """A password the person set (its hash), newest last: the reuse rule and the
    optional maximum age read it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A session a person signed in with, so that all of them can be ended at once
    (the session store itself cannot be searched by user)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
