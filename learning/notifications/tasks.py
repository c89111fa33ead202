"""Celery tasks that e-mail notifications."""

from celery import shared_task

from learning.notifications.email import notification_email, notification_email_pending


@shared_task(
    name="learning.notification_email_send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def notification_email_send(notification_id: int) -> bool:
    return notification_email(notification_id=notification_id)


@shared_task(name="learning.notifications_email_sweep")
def notifications_email_sweep() -> int:
    pending = notification_email_pending()
    for notification_id in pending:
        notification_email_send.delay(notification_id)
    return len(pending)
