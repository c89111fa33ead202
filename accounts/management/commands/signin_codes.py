"""Issue first sign-in codes for a department subtree (or one person) and print
them or write the printable sheet."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import codes
from accounts.codes_sheets import by_department, codes_pdf, codes_xlsx, how_to_sign_in
from learning.organisation import rules
from learning.organisation.models import Department

WRITERS = {".pdf": codes_pdf, ".xlsx": codes_xlsx}


class Command(BaseCommand):
    help = (
        "Issue first sign-in codes for everyone not yet signed in under a "
        "department (--all: everyone active there) or for one person, and print "
        "them or write a sheet (.pdf or .xlsx). Earlier codes of those people stop "
        "working."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--department", help="department code, e.g. QX-XZSP")
        scope.add_argument("--person", help="one person's employee number")
        parser.add_argument(
            "--all",
            action="store_true",
            help="also people who have signed in already (their code is a reset)",
        )
        parser.add_argument("--output", help="write the sheet here (.pdf or .xlsx)")

    def handle(self, *args, department=None, person=None, all=False, output=None, **kw):
        writer = None
        if output:
            writer = WRITERS.get(Path(output).suffix.lower())
            if writer is None:
                raise CommandError("--output must end in .pdf or .xlsx")
        if department is not None:
            unit = Department.objects.filter(code=department.strip()).first()
            if unit is None:
                raise CommandError(f"No department has the code {department!r}.")
            people = list(
                codes.code_candidates(
                    actor=None, department=unit, not_activated_only=not all
                )
            )
        else:
            try:
                number = rules.employee_number_clean(person)
            except ValidationError as error:
                raise CommandError(error.messages[0]) from None
            people = list(
                codes.code_candidates(actor=None).filter(employee_number=number)
            )
            if not people:
                raise CommandError(f"No active person has employee number {number}.")
        if not people:
            self.stdout.write("Nobody there needs a code (everyone has signed in).")
            return
        issued = codes.signin_codes_issue(actor=None, profiles=people)
        if writer is not None:
            Path(output).write_bytes(writer(issued))
            self.stdout.write(f"{len(issued)} codes issued; sheet written to {output}.")
            return
        for department_name, group in by_department(issued):
            self.stdout.write(department_name)
            for code in group:
                self.stdout.write(
                    f"  {code.employee_number}\t{code.full_name}\t{code.code}"
                )
        valid_until = timezone.localtime(issued[0].expires_at).strftime(
            "%Y-%m-%d %H:%M"
        )
        self.stdout.write(_("Valid until %(date)s") % {"date": valid_until})
        self.stdout.write(how_to_sign_in())
