"""Rebuild the daily department snapshots of past days from the records' dates."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.snapshots import snapshot_backfill


def _date(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--{name} {value!r} is not a date: write it as YYYY-MM-DD."
        ) from None


class Command(BaseCommand):
    help = (
        "Rebuild the department snapshots (the trends) of every day from --since to "
        "--until (default: yesterday, the last whole day), replacing those days' "
        "rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--until", metavar="YYYY-MM-DD")

    def handle(self, *args, since, until, **options):
        today = timezone.localdate()
        yesterday = today - datetime.timedelta(days=1)
        first = _date(since, "since")
        last = _date(until, "until") if until else yesterday
        for name, day in (("since", first), ("until", last)):
            if day > today:
                raise CommandError(
                    f"--{name} {day} is in the future (today is {today}): "
                    "snapshots are of days that have happened."
                )
            if day == today:
                raise CommandError(
                    f"--{name} {day} is today, which is not over: the daily task "
                    f"writes it tomorrow. Give {yesterday} or earlier."
                )
        if first > last:
            raise CommandError(
                f"--since {first} is after --until {last}: give the earlier day first."
            )
        days = (last - first).days + 1
        self.stdout.write(f"Rebuilding {days} day(s) of snapshots, {first} to {last}.")
        done = 0

        def progress(day: datetime.date, rows: int) -> None:
            nonlocal done
            done += 1
            if done == days or done % 10 == 0 or days <= 31:
                self.stdout.write(f"  {day}: {rows} departments ({done}/{days})")

        total = snapshot_backfill(first, last, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {total} snapshots over {days} day(s).")
        )
