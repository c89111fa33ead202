from django.core.management.base import BaseCommand

from assessments.services.frameworks import framework_load_defaults


class Command(BaseCommand):
    help = (
        "Load or refresh the frameworks shipped with CivicSkills (DigComp 2.2 and the "
        "e-government branch). Idempotent; run after migrate on a new server."
    )

    def handle(self, *args, **options):
        for framework in framework_load_defaults():
            self.stdout.write(
                f"{framework.code}: {framework.competencies.count()} competencies"
            )
