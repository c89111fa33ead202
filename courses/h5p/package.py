"""Reading, validating and extracting uploaded ``.h5p`` packages.

An H5P package is a zip archive holding ``h5p.json`` (the manifest), the content
under ``content/`` (``content/content.json`` plus media) and one folder per library,
named ``machineName-major.minor`` and holding that library's ``library.json``.

Uploads come from editors, so everything here treats the archive as hostile:

* member names are checked before anything is read (no absolute paths, ``..``,
  backslashes, drive letters, control characters, duplicates, links or devices);
* members whose path has a segment starting with ``.`` or ``_`` (``__MACOSX/``,
  ``.DS_Store``) are skipped: never read, never written;
* bytes are counted while decompressing, in chunks, against limits on the total size
  and on the overall compression ratio (header sizes are only used to refuse early);
* the file types allowed follow H5P core's lists.

Limits are Django settings, read on every call:

``H5P_MAX_UPLOAD_BYTES``  size of the uploaded file (default 100 MB)
``H5P_MAX_TOTAL_BYTES``   bytes the package unpacks to (default 300 MB)
``H5P_MAX_FILES``         entries in the archive, skipped ones included (default 5000)
``H5P_MAX_RATIO``         unpacked bytes / compressed bytes, overall (default 100)
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import posixpath
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_TOTAL_BYTES = 300 * 1024 * 1024
DEFAULT_MAX_FILES = 5000
DEFAULT_MAX_RATIO = 100

CONTENT_EXTENSIONS = frozenset(
    "json png jpg jpeg gif bmp tif tiff eot ttf woff woff2 otf webm mp4 ogg mp3 m4a"
    " wav txt pdf rtf doc docx xls xlsx ppt pptx odt ods odp csv diff patch swf md"
    " textile vtt webvtt gltf glb".split()
)
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | {"js", "css", "svg", "xml"}
EMBED_TYPES = ("iframe", "div")

MANIFEST = "h5p.json"
CONTENT_JSON = "content/content.json"
LIBRARY_JSON = "library.json"

LIBRARY_FOLDER = re.compile(r"^[\w.-]+-\d+\.\d+$", re.ASCII)
MACHINE_NAME = re.compile(r"^[\w.-]{1,255}$", re.ASCII)
LANGUAGE = re.compile(r"^[A-Za-z0-9-]{1,35}$", re.ASCII)
_VERSION = re.compile(r"^[0-9]{1,5}$", re.ASCII)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_CHUNK = 64 * 1024
_SPOOL = 4 * 1024 * 1024  # members larger than this go through a temporary file
_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}


class H5PPackageError(ValidationError):
    """A package refused. ``member`` is the archive entry at fault (None when the
    package as a whole is), ``problem`` the broken rule and ``message`` both, ready
    to show: ``"content/evil.js: files of type .js are not allowed in content/"``."""

    def __init__(self, problem: str, *, member: str | None = None, code: str):
        self.member = member
        self.problem = str(problem)
        if member is None:
            text = self.problem
        else:
            text = _("%(member)s: %(problem)s") % {
                "member": _show(member),
                "problem": self.problem,
            }
        super().__init__(text, code=code)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class H5PLibrary:
    machine_name: str
    major: int
    minor: int
    patch: int
    title: str
    folder: str  # "H5P.CivicCheck-1.0"
    preloaded_js: tuple[str, ...]  # paths inside the folder, in load order
    preloaded_css: tuple[str, ...]
    dependencies: tuple[str, ...]  # folder names it preloads


@dataclass(frozen=True)
class H5PManifest:
    title: str
    language: str
    main_library: str  # machineName
    main_library_folder: str  # e.g. "H5P.CivicCheck-1.0"
    embed_types: tuple[str, ...]
    libraries: tuple[H5PLibrary, ...]  # every library folder, sorted by folder name
    checksum: str  # sha256 hex of the uploaded file bytes
    file_count: int  # members extracted (skipped ones not counted)
    total_bytes: int  # their unpacked size


# Public API ---------------------------------------------------------------------------


def h5p_checksum(fileobj) -> str:
    """sha256 (hex) of the whole file, read from the start; leaves it rewound."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(_CHUNK):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def h5p_validate(fileobj) -> H5PManifest:
    """Read the whole package, counting, and check every rule. Writes nothing.
    Raises H5PPackageError for the first rule broken."""
    manifest, _members = _validate(fileobj)
    return manifest


def h5p_extract(fileobj, *, storage, prefix: str) -> H5PManifest:
    """Validate, then write every allowed member to ``storage`` at
    ``<prefix>/<member path>``. ``prefix`` should be a fresh folder: a member that
    cannot be stored at exactly its own path is an error. On any failure everything
    written so far is deleted again and the exception re-raised."""
    prefix = prefix.strip("/")
    if not prefix:
        raise ValueError("h5p_extract needs a non-empty prefix")
    manifest, members = _validate(fileobj)
    if _holds_anything(storage, prefix):
        raise ValueError(f"h5p_extract: {prefix!r} in {storage!r} is not empty")
    written: list[str] = []
    try:
        with _open_zip(fileobj) as archive:
            for info, size in members:
                wanted = f"{prefix}/{info.filename}"
                # Deleted on failure too: a save cut short leaves part of a file.
                written.append(wanted)
                with _spooled_member(archive, info, size) as content:
                    saved = storage.save(wanted, content)
                if saved != wanted:
                    written.append(saved)
                if saved != wanted:
                    raise H5PPackageError(
                        _("could not be stored at its own path"),
                        member=info.filename,
                        code="storage_collision",
                    )
    except BaseException as error:
        _remove(storage, prefix, written)
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise H5PPackageError(
                _(
                    "The server has no room left to store this package, so nothing "
                    "of it was kept. Ask the site administrator to free disk space, "
                    "then upload it again."
                ),
                code="disk_full",
            ) from error
        raise
    finally:
        fileobj.seek(0)
    return manifest


# Validation ---------------------------------------------------------------------------


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _validate(fileobj) -> tuple[H5PManifest, list[tuple[zipfile.ZipInfo, int]]]:
    max_upload = _limit("H5P_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
    upload_size = _upload_size(fileobj)
    if upload_size > max_upload:
        raise H5PPackageError(
            _("The file is %(size)s; packages may be at most %(limit)s.")
            % {
                "size": filesizeformat(upload_size),
                "limit": filesizeformat(max_upload),
            },
            code="upload_too_large",
        )
    checksum = h5p_checksum(fileobj)
    try:
        with _open_zip(fileobj) as archive:
            members = _check_entries(archive.infolist(), upload_size)
            sizes, json_data = _read_all(archive, members, upload_size)
    finally:
        fileobj.seek(0)

    files = {info.filename for info in members}
    for required in (MANIFEST, CONTENT_JSON):
        if required not in files:
            raise H5PPackageError(
                _("the file is missing; every H5P package needs one"),
                member=required,
                code="missing_file",
            )
    fields = _manifest_fields(_json_object(MANIFEST, json_data[MANIFEST]))
    title, language, main_library, embed_types, dependencies = fields
    _json_object(CONTENT_JSON, json_data[CONTENT_JSON])

    libraries = {}
    for folder in sorted({name.split("/", 1)[0] for name in files if "/" in name}):
        if folder == "content":
            continue
        member = f"{folder}/{LIBRARY_JSON}"
        if member not in json_data:
            raise H5PPackageError(
                _("the file is missing; every library folder needs one"),
                member=member,
                code="missing_file",
            )
        libraries[folder] = _library(folder, json_data[member], files)

    main_folder = next(folder for name, folder in dependencies if name == main_library)
    needs = [(MANIFEST, folder) for _name, folder in dependencies]
    for library in libraries.values():
        library_json = f"{library.folder}/{LIBRARY_JSON}"
        needs.extend((library_json, folder) for folder in library.dependencies)
    for member, folder in needs:
        if folder not in libraries:
            raise H5PPackageError(
                _("needs the library %(folder)s, which is not in the package")
                % {"folder": folder},
                member=member,
                code="missing_dependency",
            )

    result = H5PManifest(
        title=title,
        language=language,
        main_library=main_library,
        main_library_folder=main_folder,
        embed_types=embed_types,
        libraries=tuple(libraries.values()),
        checksum=checksum,
        file_count=len(members),
        total_bytes=sum(sizes.values()),
    )
    return result, [(info, sizes[info.filename]) for info in members]


def _upload_size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


class _open_zip:
    """``zipfile.ZipFile`` on the upload, a corrupt or foreign file refused."""

    def __init__(self, fileobj):
        fileobj.seek(0)
        try:
            self.archive = zipfile.ZipFile(fileobj)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            OSError,
            ValueError,
        ):
            raise H5PPackageError(
                _("This file is not an H5P package: it is not a valid zip archive."),
                code="not_zip",
            ) from None

    def __enter__(self) -> zipfile.ZipFile:
        return self.archive

    def __exit__(self, *exc) -> None:
        self.archive.close()


def _show(name: str) -> str:
    """A member name fit for a message: control characters escaped, length capped."""
    if not name:
        return _("(entry without a name)")
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)
    return shown if len(shown) <= 200 else shown[:200] + "…"


def _check_name(name: str) -> str | None:
    """What is wrong with this member name, or None."""
    if not name:
        return _("an entry without a name is not allowed")
    if "\x00" in name:
        return _("names may not contain NUL bytes")
    if _CONTROL.search(name):
        return _("names may not contain control characters")
    if "\\" in name:
        return _("names may not contain backslashes")
    if name.startswith("/"):
        return _("absolute paths are not allowed")
    if _DRIVE.match(name):
        return _("drive letters are not allowed")
    if ":" in name:
        return _("names may not contain colons")
    segments = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if any(segment in (".", "..") for segment in segments):
        return _("'.' and '..' path segments are not allowed (path traversal)")
    if "" in segments:
        return _("empty path segments are not allowed")
    if posixpath.normpath(name) != name.rstrip("/"):
        return _("the path is not in normal form")
    return None


def _skipped(name: str) -> bool:
    return any(segment[:1] in (".", "_") for segment in name.rstrip("/").split("/"))


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def _check_entries(infos: list[zipfile.ZipInfo], upload_size: int):
    """Refuse hostile or unexpected entries; the members to read, in archive order."""
    max_files = _limit("H5P_MAX_FILES", DEFAULT_MAX_FILES)
    if len(infos) > max_files:
        raise H5PPackageError(
            _("The package holds %(count)d entries; at most %(limit)d are allowed.")
            % {"count": len(infos), "limit": max_files},
            code="too_many_files",
        )
    seen: set[str] = set()
    seen_folded: set[str] = set()
    members = []
    for info in infos:
        name = info.orig_filename
        problem = _check_name(name)
        if problem is not None:
            raise H5PPackageError(problem, member=name, code="unsafe_path")
        if name in seen:
            raise H5PPackageError(
                _("the name occurs more than once in the archive"),
                member=name,
                code="duplicate",
            )
        if name.casefold() in seen_folded:
            raise H5PPackageError(
                _("another entry has the same name but for letter case"),
                member=name,
                code="duplicate",
            )
        seen.add(name)
        seen_folded.add(name.casefold())
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise H5PPackageError(
                _("symbolic links are not allowed"), member=name, code="symlink"
            )
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise H5PPackageError(
                _("only plain files and folders are allowed"),
                member=name,
                code="special_file",
            )
        if info.flag_bits & 0x1:
            raise H5PPackageError(
                _("encrypted entries are not supported"),
                member=name,
                code="encrypted",
            )
        if info.compress_type not in _COMPRESSION:
            raise H5PPackageError(
                _("compression method %(method)d is not supported")
                % {"method": info.compress_type},
                member=name,
                code="compression",
            )
        if name.endswith("/") or _skipped(name):
            continue
        _check_place(name)
        members.append(info)

    # Early refusal from the headers; _read_all counts the real bytes.
    declared = _Budget(members, upload_size)
    for info in members:
        declared.add(info.filename, info.file_size)
    return members


def _check_place(name: str) -> None:
    """May a file of this type live where it is?"""
    if "/" not in name:
        if name == MANIFEST:
            return
        raise H5PPackageError(
            _("only h5p.json is allowed at the top level of the package"),
            member=name,
            code="misplaced_file",
        )
    folder = name.split("/", 1)[0]
    if folder == "content":
        allowed, where = CONTENT_EXTENSIONS, _("in content/")
    elif LIBRARY_FOLDER.match(folder):
        allowed, where = LIBRARY_EXTENSIONS, _("in a library folder")
    else:
        raise H5PPackageError(
            _(
                "%(folder)s/ is neither content/ nor a library folder named "
                "machineName-major.minor (such as H5P.CivicCheck-1.0)"
            )
            % {"folder": folder},
            member=name,
            code="bad_folder",
        )
    extension = _extension(name)
    if not extension:
        raise H5PPackageError(
            _("files without an extension are not allowed %(where)s")
            % {"where": where},
            member=name,
            code="file_type",
        )
    if extension not in allowed:
        raise H5PPackageError(
            _("files of type .%(ext)s are not allowed %(where)s")
            % {"ext": extension, "where": where},
            member=name,
            code="file_type",
        )


class _Budget:
    """Bytes unpacked so far against the total and ratio limits."""

    def __init__(self, members, upload_size: int):
        self.max_total = _limit("H5P_MAX_TOTAL_BYTES", DEFAULT_MAX_TOTAL_BYTES)
        self.max_ratio = _limit("H5P_MAX_RATIO", DEFAULT_MAX_RATIO)
        # Compressed bytes of the members read; never more than the upload itself
        # (entries sharing one compressed stream must not inflate the allowance).
        compressed = min(sum(info.compress_size for info in members), upload_size)
        self.max_expanded = self.max_ratio * max(compressed, 1)
        self.total = 0

    def add(self, member: str, count: int) -> None:
        self.total += count
        if self.total > self.max_total:
            raise self.too_large(member)
        if self.total > self.max_expanded:
            raise self.too_compressed(member)

    def too_large(self, member: str | None) -> H5PPackageError:
        return H5PPackageError(
            _("the package unpacks to more than %(limit)s")
            % {"limit": filesizeformat(self.max_total)},
            member=member,
            code="too_large",
        )

    def too_compressed(self, member: str | None) -> H5PPackageError:
        return H5PPackageError(
            _(
                "the package unpacks to more than %(ratio)d times its compressed "
                "size (suspected zip bomb)"
            )
            % {"ratio": self.max_ratio},
            member=member,
            code="zip_bomb",
        )


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The member's bytes in chunks; a damaged entry refused by name."""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except Exception as error:  # zipfile, zlib, bz2 and lzma each raise their own
        logger.info("Damaged H5P member %r: %s", info.orig_filename, error)
        raise H5PPackageError(
            _("the entry is damaged and cannot be unpacked"),
            member=info.orig_filename,
            code="damaged",
        ) from None


def _wants_json(name: str) -> bool:
    if name in (MANIFEST, CONTENT_JSON):
        return True
    folder, _sep, rest = name.partition("/")
    return rest == LIBRARY_JSON and folder != "content"


def _read_all(archive, members, upload_size):
    """Decompress every member, counting; keep the JSON files the checks need."""
    budget = _Budget(members, upload_size)
    sizes: dict[str, int] = {}
    json_data: dict[str, bytes] = {}
    for info in members:
        keep = _wants_json(info.filename)
        parts = []
        size = 0
        for chunk in _chunks(archive, info):
            budget.add(info.filename, len(chunk))
            size += len(chunk)
            if keep:
                parts.append(chunk)
        sizes[info.filename] = size
        if keep:
            json_data[info.filename] = b"".join(parts)
    return sizes, json_data


def _refuse_constant(value):
    raise ValueError(f"{value} is not JSON")


def _json_object(member: str, data: bytes) -> dict:
    try:
        value = json.loads(data.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise H5PPackageError(
            _("is not UTF-8 text"), member=member, code="bad_json"
        ) from None
    except json.JSONDecodeError as error:
        raise H5PPackageError(
            _("is not valid JSON (line %(line)d, column %(column)d)")
            % {"line": error.lineno, "column": error.colno},
            member=member,
            code="bad_json",
        ) from None
    except (ValueError, RecursionError):
        raise H5PPackageError(
            _("is not valid JSON"), member=member, code="bad_json"
        ) from None
    if not isinstance(value, dict):
        raise H5PPackageError(
            _("must hold a JSON object ({…})"), member=member, code="bad_json"
        )
    return value


def _version(value) -> int | None:
    """H5P writes versions as numbers, some tools as digit strings: accept both."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 99999 else None
    if isinstance(value, str) and _VERSION.match(value):
        return int(value)
    return None


def _dependencies(member: str, value) -> list[tuple[str, str]]:
    """``preloadedDependencies`` as (machineName, folder) pairs."""
    if not isinstance(value, list):
        raise H5PPackageError(
            _("preloadedDependencies must be a list"),
            member=member,
            code="bad_dependencies",
        )
    found = []
    for index, entry in enumerate(value):
        entry = entry if isinstance(entry, dict) else {}
        name = entry.get("machineName")
        major = _version(entry.get("majorVersion"))
        minor = _version(entry.get("minorVersion"))
        if not _is_machine_name(name) or major is None or minor is None:
            raise H5PPackageError(
                _(
                    "preloadedDependencies[%(index)d] must be an object with "
                    "machineName, majorVersion and minorVersion"
                )
                % {"index": index},
                member=member,
                code="bad_dependencies",
            )
        found.append((name, f"{name}-{major}.{minor}"))
    return found


def _is_machine_name(value) -> bool:
    return isinstance(value, str) and MACHINE_NAME.match(value) is not None


def _is_title(value) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= 255


def _manifest_fields(manifest: dict):
    if not _is_title(manifest.get("title")):
        raise H5PPackageError(
            _("title must be text of 1 to 255 characters"),
            member=MANIFEST,
            code="bad_manifest",
        )
    language = manifest.get("language")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        raise H5PPackageError(
            _("language must be a language code such as en, zh-hans or und"),
            member=MANIFEST,
            code="bad_manifest",
        )
    embed_types = manifest.get("embedTypes")
    if (
        not isinstance(embed_types, list)
        or not embed_types
        or any(kind not in EMBED_TYPES for kind in embed_types)
    ):
        raise H5PPackageError(
            _('embedTypes must be a non-empty list of "iframe" and/or "div"'),
            member=MANIFEST,
            code="bad_manifest",
        )
    main_library = manifest.get("mainLibrary")
    if not _is_machine_name(main_library):
        raise H5PPackageError(
            _("mainLibrary must be a library machine name"),
            member=MANIFEST,
            code="bad_manifest",
        )
    if "preloadedDependencies" not in manifest:
        raise H5PPackageError(
            _("preloadedDependencies is missing"),
            member=MANIFEST,
            code="bad_dependencies",
        )
    dependencies = _dependencies(MANIFEST, manifest["preloadedDependencies"])
    if main_library not in {name for name, _folder in dependencies}:
        raise H5PPackageError(
            _("mainLibrary %(name)s is not among the preloadedDependencies")
            % {"name": main_library},
            member=MANIFEST,
            code="bad_manifest",
        )
    return (
        manifest["title"],
        language,
        main_library,
        tuple(dict.fromkeys(embed_types)),
        dependencies,
    )


def _library(folder: str, data: bytes, files: set[str]) -> H5PLibrary:
    member = f"{folder}/{LIBRARY_JSON}"
    info = _json_object(member, data)
    name = info.get("machineName")
    if not _is_machine_name(name):
        raise H5PPackageError(
            _("machineName must be letters, digits, '.', '_' or '-'"),
            member=member,
            code="bad_library",
        )
    versions = {}
    for key in ("majorVersion", "minorVersion", "patchVersion"):
        versions[key] = _version(info.get(key))
        if versions[key] is None:
            raise H5PPackageError(
                _("%(key)s must be a whole number") % {"key": key},
                member=member,
                code="bad_library",
            )
    title = info.get("title")
    if not _is_title(title):
        raise H5PPackageError(
            _("title must be text of 1 to 255 characters"),
            member=member,
            code="bad_library",
        )
    expected = f"{name}-{versions['majorVersion']}.{versions['minorVersion']}"
    if folder != expected:
        raise H5PPackageError(
            _("the folder is named %(folder)s but the library is %(expected)s")
            % {"folder": folder, "expected": expected},
            member=member,
            code="bad_library",
        )
    preloaded = {}
    for key in ("preloadedJs", "preloadedCss"):
        preloaded[key] = _preloaded_files(member, folder, key, info.get(key, []), files)
    dependencies = _dependencies(member, info.get("preloadedDependencies", []))
    return H5PLibrary(
        machine_name=name,
        major=versions["majorVersion"],
        minor=versions["minorVersion"],
        patch=versions["patchVersion"],
        title=title,
        folder=folder,
        preloaded_js=preloaded["preloadedJs"],
        preloaded_css=preloaded["preloadedCss"],
        dependencies=tuple(dict.fromkeys(folder for _name, folder in dependencies)),
    )


def _preloaded_files(member, folder, key, value, files) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise H5PPackageError(
            _('%(key)s must be a list of {"path": …} objects') % {"key": key},
            member=member,
            code="bad_library",
        )
    paths = []
    for entry in value:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or _check_name(path) or path.endswith("/"):
            raise H5PPackageError(
                _('%(key)s must be a list of {"path": …} objects') % {"key": key},
                member=member,
                code="bad_library",
            )
        if f"{folder}/{path}" not in files:
            raise H5PPackageError(
                _("%(key)s lists %(path)s, which is not in the library folder")
                % {"key": key, "path": path},
                member=member,
                code="missing_file",
            )
        paths.append(path)
    return tuple(paths)


# Extraction ---------------------------------------------------------------------------


class _spooled_member:
    """One member, counted again against its validated size, as a Django File."""

    def __init__(self, archive, info: zipfile.ZipInfo, size: int):
        self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)
        written = 0
        try:
            for chunk in _chunks(archive, info):
                written += len(chunk)
                if written > size:
                    break
                self.spool.write(chunk)
        except BaseException:
            self.spool.close()
            raise
        if written != size:
            self.spool.close()
            raise H5PPackageError(
                _("the entry changed while it was being unpacked"),
                member=info.filename,
                code="damaged",
            )
        self.spool.seek(0)
        self.file = File(self.spool, name=posixpath.basename(info.filename))

    def __enter__(self) -> File:
        return self.file

    def __exit__(self, *exc) -> None:
        self.spool.close()


def _holds_anything(storage, prefix: str) -> bool:
    """Whether any file exists under the prefix (empty folders do not count)."""
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError, NotImplementedError):
        return False
    return bool(files) or any(
        _holds_anything(storage, f"{prefix}/{folder}") for folder in folders
    )


def _remove(storage, prefix: str, names: list[str]) -> None:
    """Delete what an extraction wrote, best effort; on a local file system also the
    folders under the prefix that this left empty."""
    for name in reversed(names):
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete %s after a failed H5P extraction", name)
    if not isinstance(storage, FileSystemStorage):
        return
    folders = {prefix}
    for name in names:
        folder = posixpath.dirname(name)
        while folder.startswith(prefix + "/"):
            folders.add(folder)
            folder = posixpath.dirname(folder)
    for folder in sorted(folders, key=len, reverse=True):
        try:
            os.rmdir(storage.path(folder))
        except (OSError, SuspiciousOperation):
            pass  # not empty, already gone, or not ours
