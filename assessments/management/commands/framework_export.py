"""manage.py framework_export CODE --format moodle-csv|case-json [--output FILE]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments.interchange import (
    EXPORT_FORMATS,
    FORMAT_MOODLE_CSV,
    FrameworkExportError,
    framework_export,
)
from assessments.models import Framework


class Command(BaseCommand):
    help = (
        "Export a competency framework as a Moodle competency CSV or an IMS CASE "
        "1.0 JSON package (to standard output unless --output is given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The framework's code, e.g. DC22.")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=sorted(EXPORT_FORMATS),
            default=FORMAT_MOODLE_CSV,
            help="File format (default: moodle-csv).",
        )
        parser.add_argument("--output", help="Write to this file instead.")

    def handle(self, *args, code, fmt, output=None, **options):
        try:
            framework = Framework.objects.select_related("scale").get(code=code)
        except Framework.DoesNotExist:
            known = ", ".join(Framework.objects.values_list("code", flat=True))
            raise CommandError(
                _("No framework has the code “%(code)s”. Known codes: %(known)s.")
                % {"code": code, "known": known or _("none")}
            ) from None
        try:
            content = framework_export(framework=framework, fmt=fmt)
        except FrameworkExportError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(
                _("Wrote %(framework)s to %(path)s.")
                % {"framework": framework.code, "path": output}
            )
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
