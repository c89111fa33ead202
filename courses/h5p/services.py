"""Storing an uploaded H5P package: validate, extract to its own folder, record it.
The same file uploaded again is the same package; a refused upload leaves nothing.

A package's libraries are code that runs in every learner's browser (in a sandbox:
courses.h5p.serving), so only site administrators install or update them: a package
uploaded by anyone else may bring only libraries already installed, byte for byte."""

import functools
import hashlib
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages
from django.db import transaction
from django.utils.translation import gettext as _

from .models import H5PInstalledLibrary, H5PPackage
from .package import H5PLibrary, H5PPackageError, h5p_checksum, h5p_extract

# The permission that installs or updates library code: site administrators hold
# every permission; no group is given this one.
INSTALL_PERMISSION = "courses.add_h5pinstalledlibrary"
# Libraries that ship with the platform (H5P.CivicCheck): installed by definition.
SHIPPED_LIBRARIES = Path(__file__).resolve().parent.parent / "h5p_library"


def _folder_delete(storage, folder: str) -> None:
    directories, files = storage.listdir(folder) if storage.exists(folder) else ([], [])
    for name in files:
        storage.delete(f"{folder}/{name}")
    for name in directories:
        _folder_delete(storage, f"{folder}/{name}")
    if storage.exists(folder):
        storage.delete(folder)


def _folder_files(storage, folder: str, relative: str = "") -> list[str]:
    directories, files = storage.listdir(folder) if storage.exists(folder) else ([], [])
    found = [f"{relative}{name}" for name in files]
    for name in directories:
        found += _folder_files(storage, f"{folder}/{name}", f"{relative}{name}/")
    return found


def library_checksum(storage, folder: str) -> str:
    """sha256 over every file of an extracted library folder: names and bytes."""
    digest = hashlib.sha256()
    for name in sorted(_folder_files(storage, folder)):
        with storage.open(f"{folder}/{name}", "rb") as handle:
            content = hashlib.sha256(handle.read()).hexdigest()
        digest.update(f"{name}\0{content}\n".encode())
    return digest.hexdigest()


@functools.cache
def shipped_library_checksums() -> dict[str, str]:
    """Library folder -> checksum of the libraries in courses/h5p_library."""
    storage = FileSystemStorage(location=SHIPPED_LIBRARIES)
    return {
        path.name: library_checksum(storage, path.name)
        for path in sorted(SHIPPED_LIBRARIES.iterdir())
        if path.is_dir()
    }


def may_install_libraries(user) -> bool:
    """Site administrators (and the system itself: no user, e.g. the demo)."""
    return user is None or (user.is_active and user.has_perm(INSTALL_PERMISSION))


def _libraries_check(
    libraries: list[tuple[H5PLibrary, str]], *, user
) -> list[tuple[H5PLibrary, str]]:
    """The libraries to install or update; raises H5PPackageError naming the first
    library that someone who may not install libraries brings new or changed."""
    installed = {
        row.folder: row
        for row in H5PInstalledLibrary.objects.filter(
            folder__in=[library.folder for library, _sum in libraries]
        )
    }
    shipped = shipped_library_checksums()
    changes = [
        (library, checksum)
        for library, checksum in libraries
        if shipped.get(library.folder) != checksum
        and (
            library.folder not in installed
            or installed[library.folder].checksum != checksum
        )
    ]
    if not changes or may_install_libraries(user):
        return changes
    library, _checksum = changes[0]
    version = f"{library.major}.{library.minor}.{library.patch}"
    current = installed.get(library.folder)
    if current is None:
        problem = _(
            "This package brings the library %(library)s %(version)s, which is not "
            "installed. Only a site administrator may install library code: ask one "
            "to upload this package, then upload it again."
        ) % {"library": library.machine_name, "version": version}
        code = "library_not_installed"
    else:
        problem = _(
            "This package brings the library %(library)s %(version)s with code "
            "that differs from the installed %(library)s %(installed)s. Only a site "
            "administrator may update library code: export the content with the "
            "installed version, or ask a site administrator to upload this package."
        ) % {
            "library": library.machine_name,
            "version": version,
            "installed": current.version,
        }
        code = "library_changed"
    raise H5PPackageError(problem, code=code)


def h5p_package_store(*, upload, user=None) -> tuple[H5PPackage, bool]:
    """The package for this file, and whether it is new. Raises H5PPackageError
    (a ValidationError naming the member and the rule) for a refused file, also
    when `user` may not install libraries and the package brings a new or changed
    one. A site administrator's upload (or the system's: no user) installs or
    updates the libraries it brings."""
    checksum = h5p_checksum(upload)
    existing = H5PPackage.objects.filter(checksum=checksum).first()
    if existing is not None:
        return existing, False
    storage = storages["h5p"]
    folder = f"packages/{checksum}"
    _folder_delete(storage, folder)  # leftovers of an interrupted upload
    manifest = h5p_extract(upload, storage=storage, prefix=folder)
    try:
        libraries = [
            (library, library_checksum(storage, f"{folder}/{library.folder}"))
            for library in manifest.libraries
        ]
        with transaction.atomic():
            for library, library_sum in _libraries_check(libraries, user=user):
                H5PInstalledLibrary.objects.update_or_create(
                    folder=library.folder,
                    defaults={
                        "machine_name": library.machine_name,
                        "major_version": library.major,
                        "minor_version": library.minor,
                        "patch_version": library.patch,
                        "checksum": library_sum,
                        "installed_by": user,
                    },
                )
            package = H5PPackage.objects.create(
                title=manifest.title,
                main_library=manifest.main_library_folder,
                libraries=[library.folder for library in manifest.libraries],
                language=manifest.language,
                checksum=checksum,
                folder=folder,
                file_count=manifest.file_count,
                total_bytes=manifest.total_bytes,
                uploaded_by=user,
            )
    except BaseException:
        _folder_delete(storage, folder)
        raise
    return package, True


def h5p_package_delete(*, package: H5PPackage) -> None:
    """Remove a package and its files (the caller checks no lesson uses it)."""
    folder = package.folder
    package.delete()
    transaction.on_commit(lambda: _folder_delete(storages["h5p"], folder))
