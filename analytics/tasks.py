"""Periodic work for analytics. Tasks call the engines in analytics; the engines own
the rules."""

import datetime

from celery import shared_task
from django.utils import timezone

from analytics.report_mail import monthly_reports_send
from analytics.snapshots import snapshot_day


@shared_task(name="analytics.snapshot_daily")
def snapshot_daily_task(day: str | None = None) -> int:
    """Write the department snapshots of `day` (ISO date; default yesterday, the
    last whole day). Idempotent: a second run for the same day writes nothing, so
    beat may retry it freely; returns the number of rows written."""
    if day is None:
        on = timezone.localdate() - datetime.timedelta(days=1)
    else:
        on = datetime.date.fromisoformat(day)
    return snapshot_day(on)


@shared_task(name="analytics.monthly_reports_send")
def monthly_reports_send_task() -> int:
    """Send last month's leadership report to each leader who has not had it (the
    engine keeps it to once per leader and month); returns how many went out."""
    return monthly_reports_send()
