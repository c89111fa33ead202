"""Write a backup of the database, media and H5P content (cms.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write a consistent backup (database snapshot, media, H5P content, manifest "
        "of row counts and checksums) into a new folder under DESTINATION."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, destination, database, **options):
        try:
            folder = backup_write(parent=destination, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backup written to %(folder)s") % {"folder": folder})
