from celery import shared_task

from accounts.sessions import inactive_user_sessions_end


@shared_task(name="accounts.inactive_sessions_end")
def inactive_sessions_end() -> int:
    """End the sessions of accounts deactivated without a signal (roster imports
    update people in bulk)."""
    return inactive_user_sessions_end()
