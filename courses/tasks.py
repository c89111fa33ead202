from celery import shared_task
from django.core.management import call_command


@shared_task(name="courses.publish_scheduled")
def publish_scheduled() -> None:
    """Publish pages whose scheduled time has come and unpublish expired ones
    (Wagtail's own command; running it twice changes nothing)."""
    call_command("publish_scheduled")
