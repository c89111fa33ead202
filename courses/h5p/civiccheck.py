"""Packages of the project's own H5P content type, H5P.CivicCheck 1.0: one question,
a few options, one right answer. The library itself (JavaScript and CSS) lives in
``courses/h5p_library/H5P.CivicCheck-1.0/`` and is zipped into every package, so a
package plays in any H5P player without installing anything.

The same input always gives the same bytes (fixed timestamps and member order), so
the package checksum is stable too."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _

from courses.h5p.package import LANGUAGE

MACHINE_NAME = "H5P.CivicCheck"
MAJOR, MINOR = 1, 0
LIBRARY_FOLDER = f"{MACHINE_NAME}-{MAJOR}.{MINOR}"
LIBRARY_DIR = Path(__file__).resolve().parent.parent / "h5p_library" / LIBRARY_FOLDER

# Labels shown by the player, in the content's language (H5P content carries its own
# labels: the player does not know the site's translations).
LABELS = {
    "en": {
        "check": "Check",
        "right": "Correct!",
        "wrong": "Not quite.",
        "retry": "Try again",
    },
    "zh": {
        "check": "检查答案",
        "right": "回答正确！",
        "wrong": "回答不正确。",
        "retry": "再试一次",
    },
}

_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold


def civiccheck_labels(language: str) -> dict[str, str]:
    """The player's labels for a content language ("zh-hans" → Chinese); English
    for languages without labels of their own."""
    primary = (language or "").split("-", 1)[0].lower()
    return dict(LABELS.get(primary, LABELS["en"]))


def civiccheck_package(
    *,
    title: str,
    language: str,
    question: str,
    options: list[str],
    correct: int,
    feedback_right: str = "",
    feedback_wrong: str = "",
    l10n: dict[str, str] | None = None,
) -> bytes:
    """A complete ``.h5p`` package (zip bytes) for one CivicCheck question.
    ``l10n`` overrides some of the player's labels (check, right, wrong, retry);
    the others follow the content language."""
    labels = civiccheck_labels(language)
    for key, label in (l10n or {}).items():
        if key not in labels or not isinstance(label, str) or not label.strip():
            raise ValueError(_("Unknown or empty label: %(key)s") % {"key": key})
        labels[key] = label
    if not isinstance(title, str) or not title.strip() or len(title) > 255:
        raise ValueError(_("The title must be 1 to 255 characters long."))
    if not isinstance(language, str) or not LANGUAGE.match(language):
        raise ValueError(_("The language must be a code such as zh-hans or en."))
    if not isinstance(question, str) or not question.strip():
        raise ValueError(_("The question must not be empty."))
    if len(options) < 2 or any(
        not isinstance(option, str) or not option.strip() for option in options
    ):
        raise ValueError(_("Give at least two options, none of them empty."))
    if isinstance(correct, bool) or not 0 <= correct < len(options):
        raise ValueError(_("The right answer must be one of the options."))

    manifest = {
        "title": title,
        "language": language,
        "mainLibrary": MACHINE_NAME,
        "embedTypes": ["div"],
        "license": "U",
        "preloadedDependencies": [
            {"machineName": MACHINE_NAME, "majorVersion": MAJOR, "minorVersion": MINOR}
        ],
    }
    content = {
        "question": question,
        "options": list(options),
        "correct": correct,
        "feedback": {"right": feedback_right, "wrong": feedback_wrong},
        "l10n": labels,
    }
    members = {
        "h5p.json": _json_bytes(manifest),
        "content/content.json": _json_bytes(content),
    }
    for path in sorted(LIBRARY_DIR.rglob("*")):
        if path.is_file() and not path.name.startswith((".", "_")):
            relative = path.relative_to(LIBRARY_DIR).as_posix()
            members[f"{LIBRARY_FOLDER}/{relative}"] = path.read_bytes()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system builds it
            info.external_attr = 0o100644 << 16  # a plain file, rw-r--r--
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
