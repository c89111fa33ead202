"""Storing an uploaded H5P package: validate, extract to its own folder, record it.
The same file uploaded again is the same package; a refused upload leaves nothing."""

from django.core.files.storage import storages
from django.db import transaction

from .models import H5PPackage
from .package import h5p_checksum, h5p_extract


def _folder_delete(storage, folder: str) -> None:
    directories, files = storage.listdir(folder) if storage.exists(folder) else ([], [])
    for name in files:
        storage.delete(f"{folder}/{name}")
    for name in directories:
        _folder_delete(storage, f"{folder}/{name}")
    if storage.exists(folder):
        storage.delete(folder)


def h5p_package_store(*, upload, user=None) -> tuple[H5PPackage, bool]:
    """The package for this file, and whether it is new. Raises H5PPackageError
    (a ValidationError naming the member and the rule) for a refused file."""
    checksum = h5p_checksum(upload)
    existing = H5PPackage.objects.filter(checksum=checksum).first()
    if existing is not None:
        return existing, False
    storage = storages["h5p"]
    folder = f"packages/{checksum}"
    _folder_delete(storage, folder)  # leftovers of an interrupted upload
    manifest = h5p_extract(upload, storage=storage, prefix=folder)
    try:
        with transaction.atomic():
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
    except Exception:
        _folder_delete(storage, folder)
        raise
    return package, True


def h5p_package_delete(*, package: H5PPackage) -> None:
    """Remove a package and its files (the caller checks no lesson uses it)."""
    folder = package.folder
    package.delete()
    transaction.on_commit(lambda: _folder_delete(storages["h5p"], folder))
