"""Synthetic large organisations for benchmarks; see learning/demo/scale.py."""

import time

from django.core.management.base import BaseCommand, CommandError

from learning.demo import scale


class Command(BaseCommand):
    help = (
        "Build a synthetic province with N learners (competency targets, evidence "
        "and levels, study hours, optionally mandatory curricula) for benchmarks. "
        "Idempotent: the same N again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-evidence",
            action="store_true",
            help="Only the organisation and people: no targets, evidence, hours or "
            "curricula.",
        )
        parser.add_argument(
            "--evidence-per-person",
            type=int,
            default=4,
            help="Pieces of competency evidence per person (default 4; 50 gives "
            "10 M rows for 200,000 people).",
        )
        parser.add_argument(
            "--hours-per-person",
            type=int,
            default=6,
            help="Study-hour ledger lines per person, on average (default 6).",
        )
        parser.add_argument(
            "--curricula",
            type=int,
            default=0,
            help="Mandatory curricula for the whole province, each assigned to "
            "everyone (default 0; 10 gives 2 M assignments for 200,000 people).",
        )

    def handle(
        self,
        *args,
        learners,
        seed,
        no_evidence,
        evidence_per_person,
        hours_per_person,
        curricula,
        **options,
    ):
        if not 1 <= learners <= 1_000_000:
            raise CommandError("--learners must be between 1 and 1,000,000.")
        if not 0 <= evidence_per_person <= 200:
            raise CommandError("--evidence-per-person must be between 0 and 200.")
        if not 0 <= hours_per_person <= 100:
            raise CommandError("--hours-per-person must be between 0 and 100.")
        if not 0 <= curricula <= 50:
            raise CommandError("--curricula must be between 0 and 50.")
        started = time.perf_counter()
        counts = scale.seed(
            learners=learners,
            seed=seed,
            evidence=not no_evidence,
            evidence_per_person=evidence_per_person,
            hours_per_person=hours_per_person,
            curricula=curricula,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data: +{counts.departments} departments, "
                f"+{counts.people} people, +{counts.targets} targets, "
                f"+{counts.evidence} evidence rows, +{counts.levels} levels, "
                f"+{counts.hours} study-hour lines, +{counts.curricula} curricula, "
                f"+{counts.assignments} assignments "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
