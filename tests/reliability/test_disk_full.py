"""The disk fills up while an H5P package is being unpacked (issue #16 part 2): the
H5P folder is a real 1 MB tmpfs, the package unpacks to 3 MB, so the kernel answers
ENOSPC in the middle of a file. The uploader is told clearly, in their language;
no file or folder of the package stays behind and no package is recorded, so the
same upload works once there is room."""

import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from courses.models import H5PPackage
from tests.conftest import service_missing
from tests.h5p_builder import as_file, build_h5p, minimal_members

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def small_disk(tmp_path, settings):
    """A 1 MB tmpfs as H5P_ROOT."""
    if os.geteuid() != 0:
        service_missing("mounting a small tmpfs needs root")
    folder = tmp_path / "h5p"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode:
        service_missing(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    settings.STORAGES = {
        **settings.STORAGES,
        "h5p": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def upload(client, data: bytes, language: str):
    return client.post(
        "/admin/h5p/upload/",
        {"upload": as_file(data, "big.h5p")},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_a_full_disk_while_unpacking_an_h5p_package_keeps_nothing(
    admin_client, small_disk
):
    big = os.urandom(3 * 1024 * 1024)  # does not compress
    data = build_h5p({**minimal_members(), "content/images/photo.jpg": big})

    response = upload(admin_client, data, "en")
    assert response.status_code == 200
    assert "no room left to store this package" in response.content.decode()
    assert not H5PPackage.objects.exists()
    # Nothing half-extracted: no file, no package folder (only the shared parent).
    assert [p.relative_to(small_disk) for p in small_disk.rglob("*")] in (
        [],
        [Path("packages")],
    )

    response = upload(admin_client, data, "zh-hans")
    assert "磁盘空间" in response.content.decode()

    # With room, the same upload works.
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    response = upload(admin_client, data, "en")
    assert response.status_code == 302, response.content.decode()[:2000]
    package = H5PPackage.objects.get()
    assert FileSystemStorage(location=small_disk).exists(
        f"{package.folder}/content/images/photo.jpg"
    )
