"""Demo step: the daily snapshots the trends and the overview's month-on-month
arrows read, for the demo county's year — each month's last day for the past
twelve months, the day a month ago and yesterday — computed from the records' own
dates by the same engine as the nightly task (analytics.snapshots). Writing every
day of the year (`manage.py analytics_backfill --since …`) gives the same points
and takes about a minute and a half more; the trends read only month ends.
Idempotent: a day already written is left alone."""

from __future__ import annotations

import datetime

from django.utils import timezone

from analytics.snapshots import snapshot_day
from analytics.trends import first_month


def snapshot_days(today: datetime.date) -> list[datetime.date]:
    """The days the demo needs, oldest first."""
    ends = [
        first_month(today, months) - datetime.timedelta(days=1)
        for months in range(12, 0, -1)
    ]
    wanted = {*ends, today - datetime.timedelta(days=30)}
    wanted.add(today - datetime.timedelta(days=1))
    return sorted(day for day in wanted if day < today)


def seed(*, today: datetime.date | None = None) -> int:
    """Write the demo's snapshots; returns how many rows were written."""
    today = today or timezone.localdate()
    return sum(snapshot_day(day) for day in snapshot_days(today))
