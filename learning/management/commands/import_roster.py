"""Import the staff roster from the command line, for the whole organisation."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from learning.roster.apply import roster_apply
from learning.roster.models import RosterImport
from learning.roster.planning import ACTIONS
from learning.roster.reading import RosterFileError
from learning.roster.services import deactivations_confirm, roster_check


class Command(BaseCommand):
    help = (
        "Check and apply a staff roster (XLSX or CSV) for the whole organisation. "
        "Prints the counts and every error; exits with status 1 on errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check only; change nothing."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="A full roster: active people missing from the file leave.",
        )
        parser.add_argument(
            "--confirm-leavers",
            default="",
            metavar="N",
            help="A full roster that records many leavers (more than "
            "ROSTER_CONFIRM_DEACTIVATE_SHARE of the active people) is applied only "
            "with their number given here.",
        )
        parser.add_argument(
            "--create-departments",
            action="store_true",
            help="Create departments given by a path of names that do not exist.",
        )

    def handle(
        self, *args, file, dry_run, full, create_departments, confirm_leavers, **options
    ):
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        try:
            checked = roster_check(
                actor=None,
                content=source.read_bytes(),
                file_name=source.name,
                full_roster=full,
                create_departments=create_departments,
            )
        except RosterFileError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._print_report(checked)
        if checked.report["counts"]["errors"]:
            raise CommandError(
                f"{checked.report['counts']['errors']} errors: nothing was changed."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        try:
            deactivations_confirm(report=checked.report, typed=confirm_leavers)
        except ValidationError as error:
            raise CommandError(
                " ".join(error.messages) + " (--confirm-leavers N)"
            ) from None
        applied = roster_apply(roster_import=checked)
        if applied.status != RosterImport.Status.APPLIED:
            raise CommandError(f"Not applied: {applied.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied {applied.total_rows} rows (import {applied.pk})."
            )
        )

    def _print_report(self, checked: RosterImport) -> None:
        counts = checked.report["counts"]
        header_row = checked.report.get("header_row", 1)
        if header_row > 1:
            self.stdout.write(f"Column headers read from row {header_row}.")
        self.stdout.write(
            ", ".join(f"{name}: {counts[name]}" for name in (*ACTIONS, "errors"))
        )
        for department in checked.report.get("new_departments", []):
            self.stdout.write(
                f"new department {department['code']}: {department['path']}"
            )
        for line in checked.report["lines"]:
            for error in line[6]:
                self.stderr.write(error)
