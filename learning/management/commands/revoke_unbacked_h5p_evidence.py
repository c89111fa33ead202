"""Withdraw H5P evidence that no launch backs (issue #15): before launches were
required, any learner could post statements that wrote official competency levels.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from learning.xapi.services import h5p_evidence_unbacked_revoke

DEFAULT_REASON = (
    "Withdrawn: recorded from H5P statements the learner sent without a launch "
    "issued by the site, which can no longer be trusted."
)


class Command(BaseCommand):
    help = (
        "Withdraw H5P evidence recorded from statements no launch backs (a learner "
        "could forge them before launches were required), recompute the levels, "
        "and record it in the audit log. Use --dry-run first to see which."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List only; change nothing."
        )
        parser.add_argument(
            "--reason",
            default=DEFAULT_REASON,
            help="Added to each piece of evidence's note.",
        )

    def handle(self, *args, dry_run=False, reason=DEFAULT_REASON, **options):
        try:
            found = h5p_evidence_unbacked_revoke(reason=reason, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        for evidence in found:
            self.stdout.write(
                f"{evidence.pk}\t{evidence.learner_id}\t{evidence.competency.code}\t"
                f"level {evidence.level}\t{evidence.source_label}"
            )
        verb = "would be withdrawn" if dry_run else "withdrawn"
        self.stdout.write(f"{len(found)} pieces of H5P evidence {verb}.")
