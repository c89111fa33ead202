"""Build the demo county. Each app contributes its own step; later steps (courses,
assessments, curricula, history) build on earlier ones. Every step is idempotent.
Each step prints one line with what it made and the seconds it took, so that a
first `make run` (a few minutes) shows where it is."""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts import demo as signin_demo
from analytics import demo as analytics_demo
from assessments import demo as assessments_demo
from cms.demo import seed_site
from cms.services import home_page_ensure, site_address_ensure
from courses import demo as courses_demo
from learning.demo import courses as course_history
from learning.demo import curricula as curricula_demo
from learning.demo import history, journeys, organisation


class Command(BaseCommand):
    help = "Create the demo county, its people and the demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create demo accounts even with DEBUG off (never on a real server).",
        )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _step(self, label: str, run: Callable, describe: Callable) -> object:
        """Run one step and print its line: what it made, and how long it took."""
        started = time.monotonic()
        result = run()
        seconds = time.monotonic() - started
        self._say(f"{label}: {describe(result)} ({seconds:.1f} s)")
        return result

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "DEBUG is off: seed_demo would create accounts with a published "
                    "password. Run it only on a development machine, or add --force."
                )
            )
        password = settings.DEMO_PASSWORD
        began = time.monotonic()
        self._step(
            "Site",
            lambda: (home_page_ensure(), site_address_ensure(), seed_site())[2],
            lambda pages: (
                f"+{pages} pages, served and linked as "
                f"{settings.WAGTAILADMIN_BASE_URL}"
            ),
        )
        self._step(
            "County",
            lambda: organisation.seed(password=password),
            lambda c: (
                f"+{c.departments} departments, +{c.people} staff, "
                f"+{c.accounts} demo accounts"
            ),
        )
        self._step(
            "Competence",
            assessments_demo.seed,
            lambda c: ", ".join(f"{key} {value}" for key, value in c.items()),
        )
        self._step(
            "Courses",
            courses_demo.seed,
            lambda c: (
                f"+{c.topics} topics, +{c.pages} pages, +{c.activities} H5P activities"
            ),
        )
        self._step(
            "Targets and the demo learner's quizzes",
            history.seed,
            lambda c: (
                f"+{c.targets} targets, +{c.attempts} quiz attempts, "
                f"+{c.ratings} ratings"
            ),
        )
        self._step(
            "The demo learner's courses",
            course_history.seed,
            lambda n: f"+{n} enrollments",
        )
        self._say("County course history (the longest step) is under way …")
        self._step(
            "County course history",
            lambda: journeys.seed(progress=lambda line: self._say(f"  … {line}")),
            lambda c: (
                f"{c.people} learners, +{c.enrollments} enrollments, "
                f"+{c.completions} completions, +{c.attempts} quiz attempts, "
                f"+{c.feedback} feedback, +{c.ratings} leader ratings, "
                f"+{c.adjustments} hour adjustments, +{c.leaders} unit leaders"
            ),
        )
        self._step(
            "Mandatory curricula",
            curricula_demo.seed,
            lambda n: f"+{n} assignments",
        )
        self._step(
            "Dashboard trends (snapshots of each month's end)",
            analytics_demo.seed,
            lambda n: f"+{n} department snapshots",
        )
        issued = self._step(
            "First sign-in codes",
            signin_demo.seed,
            lambda codes: f"+{len(codes)} codes",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo county ready in {time.monotonic() - began:.0f} s."
            )
        )
        self.stdout.write("Demo accounts (password from DEMO_PASSWORD):")
        for username in ("learner", "hr", "leader", "editor", "admin"):
            self.stdout.write(f"  {username:8} / {password}")
        if issued:
            self.stdout.write(
                "Try a first sign-in at /accounts/first-sign-in/ (employee number, "
                "code); HR issues more in Back office → Sign-in codes:"
            )
            for code in issued:
                self.stdout.write(
                    f"  {code.employee_number:12} {code.code}  {code.full_name}"
                )
