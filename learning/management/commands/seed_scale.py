"""Synthetic large organisations for benchmarks; see learning/demo/scale.py."""

from django.core.management.base import BaseCommand, CommandError

from learning.demo import scale


class Command(BaseCommand):
    help = (
        "Build a synthetic province with N learners (and competency evidence) for "
        "benchmarks. Idempotent: the same N again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-evidence",
            action="store_true",
            help="Only the organisation and people, no competency evidence.",
        )

    def handle(self, *args, learners, seed, no_evidence, **options):
        if not 1 <= learners <= 1_000_000:
            raise CommandError("--learners must be between 1 and 1,000,000.")
        counts = scale.seed(learners=learners, seed=seed, evidence=not no_evidence)
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data: +{counts.departments} departments, "
                f"+{counts.people} people, +{counts.evidence} evidence rows."
            )
        )
