"""Check a backup, or restore it into an empty database and folders (cms.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.backup import BackupError, backup_check, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `backup` into this site's empty database and "
        "empty MEDIA_ROOT and H5P_ROOT, then compare each table's row count with the "
        "backup; --check only checks the backup's files and database copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the backup (checksums, database copy readable).",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, backup, check, database, **options):
        try:
            if check:
                manifest = backup_check(source=backup)
                self.stdout.write(
                    _(
                        "Backup %(path)s of %(created)s is sound: %(tables)s tables, "
                        "%(rows)s rows, %(files)s files."
                    )
                    % {
                        "path": backup,
                        "created": manifest["created_at"],
                        "tables": len(manifest["tables"]),
                        "rows": sum(manifest["tables"].values()),
                        "files": len(manifest["files"]),
                    }
                )
                return
            report = backup_restore(source=backup, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "Restored %(path)s: %(tables)s tables with %(rows)s rows, the same "
                "counts as the backup, and %(files)s files. If this code has newer "
                "migrations than the backup, run `manage.py migrate` now."
            )
            % {
                "path": backup,
                "tables": report.tables,
                "rows": report.rows,
                "files": report.files,
            }
        )
