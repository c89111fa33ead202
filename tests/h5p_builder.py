"""Build ``.h5p`` archives in memory for tests, well-formed or hostile.

    data = build_h5p(minimal_members())                      # a valid package
    data = build_h5p({**minimal_members(), "../evil.js": "x"})  # zip slip
    data = build_h5p(minimal_members(), symlinks={"content/link": "/etc/passwd"})

Member values may be bytes, str (UTF-8) or a dict/list (written as JSON). Names are
written exactly as given: NUL bytes, backslashes, absolute paths and duplicates
included (zipfile would otherwise cut a name at its first NUL)."""

from __future__ import annotations

import io
import json
import stat
import warnings
import zipfile

TIMESTAMP = (1980, 1, 1, 0, 0, 0)
LIBRARY = "H5P.Demo-1.0"


def manifest(**changes) -> dict:
    """A valid h5p.json for minimal_members(); keyword arguments replace fields (a
    value of None removes the field)."""
    value = {
        "title": "Demo",
        "language": "en",
        "mainLibrary": "H5P.Demo",
        "embedTypes": ["div"],
        "preloadedDependencies": [
            {"machineName": "H5P.Demo", "majorVersion": 1, "minorVersion": 0}
        ],
    }
    value.update(changes)
    return {key: item for key, item in value.items() if item is not None}


def library_json(**changes) -> dict:
    """A valid library.json for H5P.Demo-1.0; as manifest(), None removes a field."""
    value = {
        "title": "Demo",
        "machineName": "H5P.Demo",
        "majorVersion": 1,
        "minorVersion": 0,
        "patchVersion": 3,
        "runnable": 1,
        "preloadedJs": [{"path": "demo.js"}],
        "preloadedCss": [{"path": "demo.css"}],
    }
    value.update(changes)
    return {key: item for key, item in value.items() if item is not None}


def minimal_members() -> dict:
    """The members of a small valid package: manifest, content, one library."""
    return {
        "h5p.json": manifest(),
        "content/content.json": {"text": "Hello"},
        f"{LIBRARY}/library.json": library_json(),
        f"{LIBRARY}/demo.js": "H5P.Demo = function () {};\n",
        f"{LIBRARY}/demo.css": ".h5p-demo { color: black; }\n",
    }


def _bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


def _info(name: str, mode: int, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("placeholder", date_time=TIMESTAMP)
    info.filename = name  # exactly as given, NUL and all
    info.orig_filename = name
    info.compress_type = compression
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def build_h5p(
    members: dict | list[tuple[str, object]] | None = None,
    *,
    symlinks: dict[str, str] | None = None,
    special: dict[str, int] | None = None,
    declared_sizes: dict[str, int] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """Zip bytes holding ``members`` (a dict, or a list of (name, value) pairs to
    repeat a name), in order, then:

    symlinks        {name: target}: entries marked as symbolic links
    special         {name: st_mode}: entries with another file type (FIFO, device)
    declared_sizes  {name: size}: the central directory claims this unpacked size
                    (the real data stays), to imitate lying headers
    """
    items = list(members.items()) if isinstance(members, dict) else list(members or [])
    entries = [
        (name, _bytes(value), stat.S_IFREG | 0o644, compression)
        for name, value in items
    ]
    for name, target in (symlinks or {}).items():
        entries.append((name, target.encode(), stat.S_IFLNK | 0o777, 0))
    for name, mode in (special or {}).items():
        entries.append((name, b"", mode, 0))

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data, mode, method in entries:
                info = _info(name, mode, method)
                archive.writestr(info, data)
                if declared_sizes and name in declared_sizes:
                    info.file_size = declared_sizes[name]  # lands in the directory
    return buffer.getvalue()


def as_file(data: bytes, name: str = "package.h5p") -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream
