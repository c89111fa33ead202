"""Backups of the whole site and their restore (README "Running it for real").

A backup is one folder: the database (PostgreSQL: a pg_dump of one snapshot;
SQLite: a copy by SQLite's online backup API), the media folder (documents, images,
videos), the extracted H5P packages and a manifest.json holding the row count of
every table in that same snapshot and the size and SHA-256 of every file. Roster
uploads still kept live in the database (RosterImport.content), so they are in the
dump. A backup is written under a ".partial" name and renamed when complete, so a
folder without that suffix is a whole backup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from courses.models import H5PPackage

MANIFEST = "manifest.json"
FORMAT = 1
POSTGRES_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
H5P = "h5p"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup could not be written, checked or restored; the message says why and
    what to do."""


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    files: int


# Where things are -------------------------------------------------------------------


def _h5p_root() -> Path:
    storage = storages["h5p"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(
            _(
                "The H5P content storage is not a folder on this server; back it up "
                "with that storage's own tools."
            )
        )
    return Path(storage.location)


def _folders() -> dict[str, Path]:
    """The folders a backup holds, by their name inside the backup."""
    return {MEDIA: Path(settings.MEDIA_ROOT), H5P: _h5p_root()}


def _pg_environment(database: dict) -> dict[str, str]:
    """libpq's variables for pg_dump and pg_restore (the password never on the
    command line, where other users of the machine could read it)."""
    environment = dict(os.environ)
    values = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGSSLMODE": (database.get("OPTIONS") or {}).get("sslmode", ""),
    }
    environment.update({key: value for key, value in values.items() if value})
    return environment


def _pg_connect(database: dict) -> psycopg.Connection:
    options = database.get("OPTIONS") or {}
    return psycopg.connect(
        dbname=database["NAME"],
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        sslmode=options.get("sslmode"),
    )


def _run(command: list[str], *, environment: dict[str, str] | None = None) -> None:
    try:
        subprocess.run(  # noqa: S603 - fixed programs, arguments are ours
            command, env=environment, check=True, capture_output=True, text=True
        )
    except FileNotFoundError as error:
        raise BackupError(
            _(
                "%(program)s is not installed (on Debian: apt-get install "
                "postgresql-client)."
            )
            % {"program": command[0]}
        ) from error
    except subprocess.CalledProcessError as error:
        raise BackupError(
            _("%(program)s failed: %(message)s")
            % {"program": command[0], "message": error.stderr.strip()[-2000:]}
        ) from error


# Row counts and referenced files ------------------------------------------------------


def _pg_row_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
        "('pg_catalog', 'information_schema') ORDER BY schemaname, tablename"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        name = table if schema == "public" else f"{schema}.{table}"
        counts[name] = cursor.fetchone()[0]
    return counts


def _sqlite_row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        for table in tables
    }


def _referenced_paths() -> list[tuple[str, str, str]]:
    """(table, column, folder in the backup) of every file the database names."""
    document, image = get_document_model(), get_image_model()
    return [
        (document._meta.db_table, "file", MEDIA),
        (image._meta.db_table, "file", MEDIA),
        (H5PPackage._meta.db_table, "folder", H5P),
    ]


def _missing_files(fetch_column, files: dict[str, dict]) -> list[str]:
    """Files the database snapshot names that the copied folders lack (deleted
    between the snapshot and the copy)."""
    missing = []
    for table, column, folder in _referenced_paths():
        for (name,) in fetch_column(table, column):
            if not name:
                continue
            path = f"{folder}/{name}"
            if folder == H5P:
                if not any(key.startswith(f"{path}/") for key in files):
                    missing.append(path + "/")
            elif path not in files:
                missing.append(path)
    return missing


# Files ------------------------------------------------------------------------------


def _copy_file(source: Path, target: Path) -> dict:
    """Copy one file, returning its size and SHA-256 as read."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return {"size": size, "sha256": digest.hexdigest()}


def _copy_folder(source: Path, target: Path, prefix: str) -> dict[str, dict]:
    """Copy the regular files under `source` (links are not followed), keyed
    `prefix/relative/path`."""
    files: dict[str, dict] = {}
    if not source.is_dir():
        return files
    for folder, directories, names in os.walk(source):
        directories.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(source).as_posix()
            files[f"{prefix}/{relative}"] = _copy_file(path, target / relative)
    return files


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _folder_is_empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


# Backup -----------------------------------------------------------------------------


@contextlib.contextmanager
def _pg_snapshot(database: dict) -> Iterator[tuple[psycopg.Cursor, str]]:
    """A read-only REPEATABLE READ transaction and its exported snapshot id, held
    open until the block ends: pg_dump reads exactly what this transaction sees."""
    with _pg_connect(database) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            yield cursor, cursor.fetchone()[0]
        connection.rollback()


def _backup_postgresql(database: dict, work: Path) -> tuple[dict, dict, list[str]]:
    with _pg_snapshot(database) as (cursor, snapshot):
        counts = _pg_row_counts(cursor)
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={work / POSTGRES_DUMP}",
                f"--dbname={database['NAME']}",
            ],
            environment=_pg_environment(database),
        )
        files = _copy_folders(work)

        def fetch_column(table, column):
            cursor.execute(
                sql.SQL("SELECT {} FROM {}").format(
                    sql.Identifier(column), sql.Identifier(table)
                )
            )
            return cursor.fetchall()

        missing = _missing_files(fetch_column, files)
    return counts, files, missing


def _backup_sqlite(using: str, work: Path) -> tuple[dict, dict, list[str]]:
    connection = connections[using]
    if connection.in_atomic_block:
        # SQLite's backup would wait for this very transaction to end.
        raise BackupError(_("Run the backup outside a database transaction."))
    connection.ensure_connection()
    target = sqlite3.connect(work / SQLITE_COPY)
    try:
        # One consistent copy, even while the site writes (SQLite restarts the copy
        # when another connection changes the database during it).
        connection.connection.backup(target)
        counts = _sqlite_row_counts(target)
        files = _copy_folders(work)

        def fetch_column(table, column):
            return target.execute(f'SELECT "{column}" FROM "{table}"').fetchall()  # noqa: S608

        missing = _missing_files(fetch_column, files)
    finally:
        target.close()
    return counts, files, missing


def _copy_folders(work: Path) -> dict[str, dict]:
    files: dict[str, dict] = {}
    for name, folder in _folders().items():
        files.update(_copy_folder(folder, work / name, name))
    return files


def backup_write(*, parent: Path, using: str = "default") -> Path:
    """Write a complete backup into a new folder under `parent` and return it.
    Raises BackupError (nothing left behind) if the database or a file the database
    names cannot be copied."""
    _folders()  # refuse a storage this cannot copy before writing anything
    vendor = connections[using].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.")
            % {"vendor": vendor}
        )
    created = timezone.now()
    name = f"civicskills-{created.strftime('%Y%m%d-%H%M%S')}"
    final = parent / name
    work = parent / f"{name}.partial"
    if final.exists() or work.exists():
        raise BackupError(
            _("%(path)s already exists; wait a second and try again.") % {"path": final}
        )
    work.mkdir(parents=True)
    try:
        if vendor == "postgresql":
            database = connections[using].settings_dict
            counts, files, missing = _backup_postgresql(database, work)
            database_file = POSTGRES_DUMP
        else:
            counts, files, missing = _backup_sqlite(using, work)
            database_file = SQLITE_COPY
        if missing:
            raise BackupError(
                _(
                    "Files the database names are missing from the copy (deleted "
                    "while the backup ran?): %(files)s. Run the backup again."
                )
                % {"files": ", ".join(missing[:20])}
            )
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "engine": vendor,
            "database_file": database_file,
            "database_sha256": _file_sha256(work / database_file),
            "tables": counts,
            "files": files,
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True),
            encoding="utf-8",
        )
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


# Check ------------------------------------------------------------------------------


def backup_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(
            _("%(path)s is not a CivicSkills backup (no readable manifest.json).")
            % {"path": source}
        ) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(path)s was written in a format this version does not read.")
            % {"path": source}
        )
    return manifest


def backup_check(*, source: Path) -> dict:
    """The backup's manifest, after checking that every file it lists is there
    with its size and SHA-256, that nothing else is, and that the database copy is
    readable (pg_restore --list, or SQLite's integrity check). Raises BackupError
    naming each problem."""
    manifest = backup_manifest(source)
    problems = []
    database_file = source / manifest["database_file"]
    if not database_file.is_file():
        problems.append(_("%(file)s is missing") % {"file": manifest["database_file"]})
    elif _file_sha256(database_file) != manifest["database_sha256"]:
        problems.append(_("%(file)s has changed") % {"file": manifest["database_file"]})
    elif manifest["engine"] == "postgresql":
        try:
            _run(["pg_restore", "--list", str(database_file)])
        except BackupError as error:
            problems.append(str(error))
    else:
        with contextlib.closing(
            sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
        ) as copy:
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            problems.append(
                _("the database copy is damaged: %(result)s") % {"result": result}
            )
    found = {
        path.relative_to(source).as_posix()
        for folder in (MEDIA, H5P)
        for path in (source / folder).rglob("*")
        if path.is_file()
    }
    for name, entry in sorted(manifest["files"].items()):
        path = source / name
        if name not in found:
            problems.append(_("%(file)s is missing") % {"file": name})
        elif (
            path.stat().st_size != entry["size"]
            or _file_sha256(path) != entry["sha256"]
        ):
            problems.append(_("%(file)s has changed") % {"file": name})
    for name in sorted(found - set(manifest["files"])):
        problems.append(_("%(file)s is not in the manifest") % {"file": name})
    if problems:
        raise BackupError(
            _("The backup %(path)s is not sound: %(problems)s.")
            % {"path": source, "problems": "; ".join(problems[:20])}
        )
    return manifest


# Restore ----------------------------------------------------------------------------


def _restore_target_check(manifest: dict, using: str) -> None:
    """Refuse before writing anything: another engine, a database with tables, a
    folder with files."""
    connection = connections[using]
    if connection.vendor != manifest["engine"]:
        raise BackupError(
            _("This backup is of a %(backup)s database; this site uses %(site)s.")
            % {"backup": manifest["engine"], "site": connection.vendor}
        )
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            _(
                "The database %(name)s already has %(count)s tables: restore into an "
                "empty database (PostgreSQL: createdb a new one; SQLite: a new file "
                "name in DATABASE_URL)."
            )
            % {"name": connection.settings_dict["NAME"], "count": len(tables)}
        )
    for folder in _folders().values():
        if not _folder_is_empty(folder):
            raise BackupError(
                _(
                    "%(folder)s is not empty: restore into empty folders (set "
                    "MEDIA_ROOT and H5P_ROOT to new ones, or move the old ones away)."
                )
                % {"folder": folder}
            )


def _restored_row_counts(using: str) -> dict[str, int]:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with contextlib.closing(_pg_connect(connection.settings_dict)) as restored:
            with restored.cursor() as cursor:
                return _pg_row_counts(cursor)
    connection.ensure_connection()
    return _sqlite_row_counts(connection.connection)


def backup_restore(*, source: Path, using: str = "default") -> RestoreReport:
    """Restore a checked backup into this site's empty database and empty media
    and H5P folders, then compare every table's row count with the manifest.
    Raises BackupError, having written nothing, when the backup is not sound or the
    target is not empty."""
    manifest = backup_check(source=source)
    _restore_target_check(manifest, using)
    connection = connections[using]
    database_file = source / manifest["database_file"]
    if manifest["engine"] == "postgresql":
        database = connection.settings_dict
        connection.close()
        _run(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={database['NAME']}",
                str(database_file),
            ],
            environment=_pg_environment(database),
        )
    else:
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(database_file)) as copy:
            copy.backup(connection.connection)
    for name, folder in _folders().items():
        for relative, entry in _copy_folder(source / name, folder, name).items():
            if entry["sha256"] != manifest["files"][relative]["sha256"]:
                raise BackupError(
                    _("%(file)s changed while it was restored.") % {"file": relative}
                )
    counts = _restored_row_counts(using)
    different = sorted(
        table
        for table in set(counts) | set(manifest["tables"])
        if counts.get(table) != manifest["tables"].get(table)
    )
    if different:
        raise BackupError(
            _("Restored tables differ from the backup's counts: %(tables)s.")
            % {
                "tables": ", ".join(
                    f"{t} ({counts.get(t)} != {manifest['tables'].get(t)})"
                    for t in different[:20]
                )
            }
        )
    return RestoreReport(
        tables=len(counts), rows=sum(counts.values()), files=len(manifest["files"])
    )
