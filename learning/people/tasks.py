"""Celery tasks of the people unit: the e-mail change confirmation."""

from celery import shared_task

from learning.people.email import email_change_mail


@shared_task(
    name="learning.email_change_send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def email_change_send(user_id: int, new_email: str, requested_by: str) -> None:
    email_change_mail(user_id=user_id, new_email=new_email, requested_by=requested_by)
