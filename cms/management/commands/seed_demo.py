"""Build the demo county. Each app contributes its own step; later steps (courses,
assessments, curricula, history) append to STEPS. Every step is idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments import demo as assessments_demo
from cms.demo import seed_site
from cms.services import home_page_ensure
from courses import demo as courses_demo
from learning.demo import courses as course_history
from learning.demo import curricula as curricula_demo
from learning.demo import history, organisation


class Command(BaseCommand):
    help = "Create the demo county, its people and the demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create demo accounts even with DEBUG off (never on a real server).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "DEBUG is off: seed_demo would create accounts with a published "
                    "password. Run it only on a development machine, or add --force."
                )
            )
        password = settings.DEMO_PASSWORD
        home_page_ensure()
        site_pages = seed_site()
        counts = organisation.seed(password=password)
        competence = assessments_demo.seed()
        course_counts = courses_demo.seed()
        past = history.seed()
        enrollments = course_history.seed()
        assignments = curricula_demo.seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo county ready: +{counts.departments} departments, "
                f"+{counts.people} staff, +{counts.accounts} demo accounts, "
                f"+{site_pages} pages."
            )
        )
        self.stdout.write(
            "Competence: "
            + ", ".join(f"{key} {value}" for key, value in competence.items())
        )
        self.stdout.write(
            f"Courses: +{course_counts.topics} topics, +{course_counts.pages} pages, "
            f"+{course_counts.activities} H5P activities."
        )
        self.stdout.write(
            f"History: +{past.targets} targets, +{past.attempts} quiz attempts, "
            f"+{past.ratings} ratings, +{enrollments} course enrollments, "
            f"+{assignments} curriculum assignments."
        )
        self.stdout.write("Demo accounts (password from DEMO_PASSWORD):")
        for username in ("learner", "hr", "leader", "editor", "admin"):
            self.stdout.write(f"  {username:8} / {password}")
