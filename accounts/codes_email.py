"""Activation links by e-mail: for people with an address, HR may send a link
(Django's password-reset token: single use, valid PASSWORD_RESET_TIMEOUT) instead
of a code on paper."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learning import policy
from learning.organisation.models import LearnerProfile


def activation_link(user: Any) -> str:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def activation_links_send(
    *, actor: Any | None, profiles: Iterable[LearnerProfile]
) -> list[LearnerProfile]:
    """E-mail an activation link to each person (the actor must manage them) who
    has an e-mail address; the people mailed. Those without an address are left
    for a code."""
    mailed: list[LearnerProfile] = []
    messages: list[EmailMessage] = []
    for profile in profiles:
        policy.require_person_manager(actor, profile)
        user = profile.user
        if not user.email or not user.is_active or not profile.is_active:
            continue
        context = {
            "person": profile,
            "link": activation_link(user),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "site_title": settings.SITE_TITLE,
        }
        messages.append(
            EmailMessage(
                subject=render_to_string(
                    "accounts/email/activation_subject.txt", context
                ).strip(),
                body=render_to_string("accounts/email/activation.txt", context),
                to=[user.email],
            )
        )
        mailed.append(profile)
    if messages:
        get_connection().send_messages(messages)
    return mailed
