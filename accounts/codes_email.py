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

from accounts.codes import links_end, signin_codes_revoke_many
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
    profiles = list(profiles)
    for profile in profiles:
        policy.require_person_manager(actor, profile)
    reached = [
        profile
        for profile in profiles
        if profile.user.email and profile.user.is_active and profile.is_active
    ]
    # A new link (or code) ends the person's earlier link and open code.
    links_end(profile.user_id for profile in reached)
    signin_codes_revoke_many(profile.user_id for profile in reached)
    for profile in reached:
        user = profile.user
        user.refresh_from_db(fields=["password"])
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
