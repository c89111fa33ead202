"""Issue #16 part 4: `manage.py backup` writes the database (one snapshot), media and
H5P content with a manifest; `manage.py restore` into an empty database and empty
folders gives the same site: every table has the same rows, every file the same
bytes, and the restored site (its own process) serves a course, a lesson with its
document and H5P activity, and the back office."""

import contextlib
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql
from wagtail.documents.models import Document

from cms.services import home_page_ensure
from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.services import h5p_package_store
from courses.models import LessonPage
from learning.journey.services import course_enroll
from learning.roster.models import RosterImport
from tests.courses.builders import course_tree, publish
from tests.factories import UserFactory, county_tree, person_in

REPO = Path(__file__).resolve().parents[2]
H5P_BLOCK = "0b5e0b5e-0b5e-4b5e-8b5e-0b5e0b5e0b5e"
DOCUMENT_BYTES = b"%PDF-1.4 service guide checklist"
ROSTER_BYTES = "工号,姓名\nQX-1,周晓雯\n".encode("gbk")


@pytest.fixture
def site_folders(tmp_path, settings):
    """Media and H5P content in folders of their own, as on a server."""
    media, h5p = tmp_path / "site-media", tmp_path / "site-h5p"
    settings.MEDIA_ROOT = str(media)
    settings.STORAGES = {
        **settings.STORAGES,
        "h5p": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(h5p), "base_url": None},
        },
    }
    return media, h5p


def table_counts_here() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


@contextlib.contextmanager
def empty_database(tmp_path):
    """(DATABASE_URL of an empty database of the session's engine, a function
    returning its row counts and running one query); dropped afterwards."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"

        def query(statement):
            with contextlib.closing(sqlite3.connect(path)) as restored:
                return restored.execute(statement).fetchall()

        def counts():
            names = query(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
            return {n: query(f'SELECT count(*) FROM "{n}"')[0][0] for (n,) in names}  # noqa: S608

        yield f"sqlite:///{path}", counts, query
        return
    database = connection.settings_dict
    name = f"civicskills_restore_{uuid.uuid4().hex[:10]}"
    server = {
        "host": database["HOST"] or "127.0.0.1",
        "port": database["PORT"] or 5432,
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def query(statement):
        with psycopg.connect(dbname=name, **server) as restored:
            return restored.execute(statement).fetchall()

    def counts():
        names = query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {n: query(f'SELECT count(*) FROM "{n}"')[0][0] for (n,) in names}  # noqa: S608

    try:
        yield (
            f"postgres://{server['user'] or ''}:{server['password'] or ''}@"
            f"{server['host']}:{server['port']}/{name}",
            counts,
            query,
        )
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def restored_site_environment(database_url: str, media: Path, h5p: Path) -> dict:
    """The restored site's own process: only the restored database and folders,
    no cache or broker shared with this test run."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings.base",
            "ENV_FILE": "",
            "DEBUG": "1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media),
            "H5P_ROOT": str(h5p),
            "PYTHONPATH": str(REPO),
            "LOG_LEVEL": "WARNING",
        }
    )
    return environment


def run(command, environment, stdin=None) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603
        [sys.executable, *command],
        cwd=REPO,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def render(environment, requests) -> dict[str, dict]:
    result = run(
        ["tests/ops/render_pages.py"], environment, json.dumps({"requests": requests})
    )
    return {page["path"]: page for page in json.loads(result.stdout)}


@pytest.fixture
def county_with_content(site_folders):
    """A published course whose reading lesson has a document and an H5P activity,
    a learner enrolled, a site admin, a roster upload still kept."""
    # A transactional test before this one may have flushed the migrations' rows
    # (the root collection documents need, the home page).
    home_page_ensure()
    county = county_tree()
    learner = person_in(county.section_a1).user
    admin = UserFactory(is_superuser=True, is_staff=True)
    tree = course_tree()
    document = Document.objects.create(
        title="办事指南清单", file=ContentFile(DOCUMENT_BYTES, name="checklist.pdf")
    )
    package, _created = h5p_package_store(
        upload=ContentFile(
            civiccheck_package(
                title="材料核对",
                language="zh-hans",
                question="材料缺一份时怎么办？",
                options=["一次性告知", "回去补齐再来"],
                correct=0,
            ),
            name="check.h5p",
        )
    )
    lesson = LessonPage.objects.get(pk=tree.reading.pk)
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "document", "value": {"document": document.pk, "title": "清单"}},
        {
            "type": "h5p",
            "id": H5P_BLOCK,
            "value": {
                "package": package.pk,
                "required": False,
                "pass_percent": 100,
                "competency": tree.framework.c3.code,
                "level": 2,
            },
        },
    ]
    publish(lesson)
    course_enroll(learner=learner, course=tree.course)
    roster = RosterImport.objects.create(
        file_name="roster.csv", checksum="0" * 64, content=ROSTER_BYTES
    )
    return tree, lesson, document, learner, admin, roster


@pytest.mark.services
def test_a_backup_restores_into_an_empty_database_as_the_same_site(
    transactional_db,
    county_with_content,
    site_folders,
    tmp_path,
):
    tree, lesson, document, learner, admin, roster = county_with_content
    media, h5p = site_folders
    call_command("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    assert not backup.name.endswith(".partial")
    before = table_counts_here()
    assert before["courses_h5ppackage"] == 1 and before["wagtaildocs_document"] == 1
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["tables"] == before  # the snapshot's counts, every table

    restored_media, restored_h5p = tmp_path / "new-media", tmp_path / "new-h5p"
    with empty_database(tmp_path) as (database_url, restored_counts, query):
        environment = restored_site_environment(
            database_url, restored_media, restored_h5p
        )
        result = run(["manage.py", "restore", str(backup)], environment)
        # The command speaks the site's language (Chinese here): the figures.
        assert f"{len(before)} " in result.stdout
        assert f"{sum(before.values())} " in result.stdout

        assert restored_counts() == before
        assert folder_bytes(restored_media) == folder_bytes(media)
        assert folder_bytes(restored_h5p) == folder_bytes(h5p)
        assert any(name.endswith("h5p.json") for name in folder_bytes(restored_h5p))
        (content,) = query(
            f"SELECT content FROM learning_rosterimport WHERE id = {roster.pk}"
        )  # noqa: S608, E501
        assert bytes(content[0]) == ROSTER_BYTES

        pages = render(
            environment,
            [
                {"path": tree.course.url, "user": learner.username},
                {"path": lesson.url, "user": learner.username},
                {"path": document.url, "user": learner.username},
                {"path": "/admin/", "user": admin.username, "second_factor": True},
                {
                    "path": "/admin/documents/",
                    "user": admin.username,
                    "second_factor": True,
                },
            ],
        )
        assert {path: page["status"] for path, page in pages.items()} == {
            tree.course.url: 200,
            lesson.url: 200,
            document.url: 200,
            "/admin/": 200,
            "/admin/documents/": 200,
        }
        assert tree.course.title in pages[tree.course.url]["body"]
        assert lesson.title in pages[tree.course.url]["body"]
        lesson_page = pages[lesson.url]["body"]
        assert document.url in lesson_page
        assert pages[document.url]["body"].encode() == DOCUMENT_BYTES
        assert "办事指南清单" in pages["/admin/documents/"]["body"]

        # The activity plays from the restored H5P folder.
        token = re.search(r'src="/h5p/frame/([^/"]+)/"', lesson_page)[1]
        (frame,) = render(
            environment, [{"path": f"/h5p/content/{token}/h5p.json"}]
        ).values()
        assert frame["status"] == 200
        assert json.loads(frame["body"])["title"] == "材料核对"


# Outside a test transaction, as a backup run by cron is (SQLite's backup API would
# wait for the test's open transaction to end); the media are files on disk.


def media_files(media: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)


def test_a_changed_backup_fails_its_check_naming_each_file(
    transactional_db, site_folders, tmp_path
):
    media, _h5p = site_folders
    media_files(media, {"documents/a.txt": b"one", "documents/b.txt": b"two"})
    call_command("backup", str(tmp_path))
    (backup,) = tmp_path.glob("civicskills-*")
    call_command("restore", str(backup), "--check")  # sound as written

    (backup / "media" / "documents" / "a.txt").write_bytes(b"One")
    (backup / "media" / "documents" / "b.txt").unlink()
    (backup / "media" / "documents" / "c.txt").write_bytes(b"three")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup), "--check")
    message = str(refused.value)
    assert "media/documents/a.txt has changed" in message
    assert "media/documents/b.txt is missing" in message
    assert "media/documents/c.txt is not in the manifest" in message


def test_restore_refuses_a_database_that_has_tables_and_writes_nothing(
    transactional_db, site_folders, tmp_path
):
    media, _h5p = site_folders
    media_files(media, {"documents/a.txt": b"one"})
    call_command("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    before, files = table_counts_here(), folder_bytes(media)
    with pytest.raises(CommandError, match="already has .* tables: restore into an"):
        call_command("restore", str(backup))
    assert table_counts_here() == before
    assert folder_bytes(media) == files


def test_a_backup_refuses_h5p_content_it_cannot_copy(db, tmp_path):
    # The test settings keep H5P content in memory, as a cloud storage would be.
    with pytest.raises(CommandError, match="not a folder on this server"):
        call_command("backup", str(tmp_path / "backups"))
    assert not (tmp_path / "backups").exists()


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    with pytest.raises(CommandError, match="is not a CivicSkills backup"):
        call_command("restore", str(tmp_path), "--check")
