"""python manage.py framework_import FILE (Moodle competency CSV or IMS CASE JSON)"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments.interchange import FrameworkImportError, framework_import


class Command(BaseCommand):
    help = (
        "Import a competency framework from a Moodle competency CSV or an IMS CASE "
        "JSON file (the format is detected). Nothing is written if the file has any "
        "problem; an existing framework code is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .csv or .json file.")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s")
                % {"path": file, "error": exc.strerror}
            ) from exc
        try:
            framework = framework_import(content=content, filename=path.name)
        except FrameworkImportError as exc:
            raise CommandError(
                _("%(path)s was not imported:") % {"path": file}
                + "\n"
                + "\n".join(f"- {message}" for message in exc.messages)
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported framework %(code)s (%(name)s) with %(count)s competencies.")
                % {
                    "code": framework.code,
                    "name": framework.name,
                    "count": framework.competencies.count(),
                }
            )
        )
