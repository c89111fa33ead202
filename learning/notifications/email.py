"""The engine the worker runs: e-mail one notification, find those a dead worker
dropped."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from learning import policy
from learning.notifications.models import Notification

EMAIL_SWEEP_AFTER = datetime.timedelta(minutes=10)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


EMAIL_SWEEP_FOR = datetime.timedelta(days=2)


def subject_line(text: str) -> str:
    """`text` on one line: line breaks, tabs and other control characters become
    single spaces. A subject goes into an e-mail header, where a CR or LF would
    start a new header (Django refuses to send it, BadHeaderError)."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _language_of(user) -> str:
    profile = policy.profile_of(user)
    if profile is not None and profile.preferred_language:
        return profile.preferred_language
    return settings.LANGUAGE_CODE


def notification_email(*, notification_id: int) -> bool:
    """Send one notification by e-mail, at most once: the row is claimed first. A
    failed send releases the claim so that a retry can send it. True when sent."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_wanted=True, emailed_at__isnull=True
    ).update(emailed_at=now)
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    link = ""
    if notification.url:
        link = "\n\n" + settings.WAGTAILADMIN_BASE_URL.rstrip("/") + notification.url
    # In the recipient's language, whatever the language of the request or task.
    with translation.override(_language_of(notification.user)):
        subject, body = notification.text
    try:
        send_mail(
            subject=subject_line(f"[{settings.SITE_TITLE}] {subject}"),
            message=body + link,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def notification_email_pending() -> list[int]:
    """Notifications whose e-mail task never ran (a worker died between commit and
    enqueue): their ids, for the sweep to enqueue again."""
    now = timezone.now()
    # Two days of retries: an address that keeps failing is left to the
    # notification centre rather than retried for ever.
    return list(
        Notification.objects.filter(
            email_wanted=True,
            emailed_at__isnull=True,
            created_at__lt=now - EMAIL_SWEEP_AFTER,
            created_at__gte=now - EMAIL_SWEEP_FOR,
        ).values_list("pk", flat=True)[:5000]
    )
