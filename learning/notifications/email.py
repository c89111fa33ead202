"""The engine the worker runs: e-mail one notification, find those a dead worker
dropped."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone, translation

from learning import policy
from learning.claims import NOTIFICATION_EMAIL, working_lock
from learning.notifications.models import Notification

EMAIL_SWEEP_AFTER = datetime.timedelta(minutes=10)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Where the database has no advisory locks, a claim this old belongs to a worker
# that died: longer than a send may take (EMAIL_TIMEOUT per exchange).
EMAIL_CLAIM_STALE_AFTER = datetime.timedelta(minutes=10)


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
    """Send one notification by e-mail once. The sending worker claims the row; a
    delivery of the task after that worker died takes the claim over (on
    PostgreSQL at once, the dead worker's lock being gone; elsewhere once the claim
    is EMAIL_CLAIM_STALE_AFTER old) and a delivery while it lives leaves it alone. A
    failed send releases the claim for a retry. The Message-ID is the
    notification's, so that a send repeated after a crash between the mail server's
    acceptance and the record of it shows as one message. True when sent."""
    with working_lock(NOTIFICATION_EMAIL, notification_id) as lock:
        if lock is False:
            return False
        now = timezone.now()
        claimable = Q(pk=notification_id, email_wanted=True, emailed_at__isnull=True)
        if lock is None:
            claimable &= Q(email_claimed_at__isnull=True) | Q(
                email_claimed_at__lt=now - EMAIL_CLAIM_STALE_AFTER
            )
        if not Notification.objects.filter(claimable).update(email_claimed_at=now):
            return False
        notification = Notification.objects.select_related("user").get(
            pk=notification_id
        )
        try:
            _send(notification)
        except Exception:
            Notification.objects.filter(pk=notification_id).update(
                email_claimed_at=None
            )
            raise
        Notification.objects.filter(pk=notification_id).update(
            emailed_at=timezone.now()
        )
    return True


def _send(notification: Notification) -> None:
    link = ""
    if notification.url:
        link = "\n\n" + settings.WAGTAILADMIN_BASE_URL.rstrip("/") + notification.url
    # In the recipient's language, whatever the language of the request or task.
    with translation.override(_language_of(notification.user)):
        subject, body = notification.text
    domain = urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    EmailMessage(
        subject=subject_line(f"[{settings.SITE_TITLE}] {subject}"),
        body=body + link,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
        headers={"Message-ID": f"<notification-{notification.pk}@{domain}>"},
    ).send()


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
