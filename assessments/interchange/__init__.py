"""Moving competency frameworks between systems: Moodle's competency framework CSV and
IMS CASE 1.0 JSON, out and in.

Export: `framework_export(framework=…, fmt=…)` returns UTF-8 bytes. The Moodle CSV
is written as Moodle's own exporter writes it (column order, PHP's quoting, "\n"
line ends), plus a byte-order mark so that Excel on Chinese Windows opens it
correctly (Moodle strips it). The README ("Competency frameworks: Moodle and CASE
fidelity") lists every way a Moodle file differs after a trip through here.

Import: `framework_import(content=…, filename=…)` detects the format (a JSON object
with `CFDocument` is CASE; anything else is read as CSV), checks everything first and
only then writes, in one transaction. Moodle CSV is read by column position, as
Moodle reads it, never by the header's words. Any problem raises FrameworkImportError
whose messages name the CSV row (as a spreadsheet counts it: the header is row 1) or
the CASE identifier, and say what to do. Nothing is written when there is an error.

Decisions worth knowing:
- A framework whose code (Moodle "ID number") already exists is refused, not
  updated: competencies carry evidence and targets, and silently moving or renaming
  them under people's levels is worse than asking for a new code. Competency codes
  are unique across all frameworks, so they are checked against every framework.
- Files must be UTF-8 (with or without a byte-order mark). A file that decodes as
  GB18030/GBK (Excel's "CSV" on Chinese Windows) is refused with a message saying
  how to save it as "CSV UTF-8", not guessed at: GB18030 decodes almost any bytes,
  so guessing would silently import garbage from other encodings.
- Chinese text in Moodle CSV uses Moodle's multi-language convention,
  `<span lang="en" class="multilang">…</span><span lang="zh-cn" class="multilang">
  …</span>`, only when Chinese exists. English comes first because Moodle's
  multilang filter falls back to the first span for languages it does not find;
  `zh-cn` because the filter compares with Moodle's language code `zh_cn`. Import
  reads any `zh*` span as Chinese and `en*` as English. Such a field is HTML, so its
  text is HTML-escaped and the Description format is 1 (HTML); plain fields use 2.
  Moodle stores Short name in 100 characters, so a long bilingual name may be cut
  when the file is loaded into Moodle (not when loaded here).
- What Moodle has no column for (scale code and name, level descriptions, the
  framework's version, source, licence and attribution, each competency's evidence
  validity and CASE item type, relations other than cross-references) travels in the
  first element of the framework's Scale configuration under the key "civicskills".
  Moodle keeps unknown keys there (it only rewrites "scaleid"), so the data survives
  a trip through Moodle. The framework's Description is its description; when it
  has none, the attribution (licence credit) stands in, so that Moodle shows it.
- HTML descriptions stay HTML, sanitised (assessments/richtext.py), with their
  Moodle format code; siblings keep the order the file gives.
- CASE: our extra data sits under `extensions.civicskills` on CFDocument and CFItems;
  the standard fields are complete without it. Identifiers are UUID5 of the codes,
  so the same framework always gets the same identifiers; URIs are `urn:uuid:…`.
  `isChildOf` builds the tree (sequenceNumber orders siblings); the other CASE 1.0
  association types are kept as relations; an item with two parents is refused. A
  CASE file from elsewhere (no extension) gets a generic four-level scale.
- A scale code that already exists is reused when its levels are the same, and
  otherwise the imported scale gets the next free code (`CODE-2`, `CODE-3`, …).
"""

from __future__ import annotations

from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import Framework
from ..spreadsheets import content_check, csv_decode
from .case_json import case_json_read, case_json_write
from .data import (
    EXPORT_FORMATS,
    FORMAT_CASE_JSON,
    FORMAT_MOODLE_CSV,
    GENERIC_SCALE,
    FrameworkData,
    FrameworkExportError,
    FrameworkImportError,
    ItemData,
    LevelData,
    ScaleData,
    framework_data_from_db,
)
from .moodle_csv import MOODLE_COLUMNS, moodle_csv_read, moodle_csv_write
from .saving import framework_plan, framework_write

__all__ = [
    "EXPORT_FORMATS",
    "FORMAT_CASE_JSON",
    "FORMAT_MOODLE_CSV",
    "GENERIC_SCALE",
    "MOODLE_COLUMNS",
    "FrameworkData",
    "FrameworkExportError",
    "FrameworkImportError",
    "ItemData",
    "LevelData",
    "ScaleData",
    "framework_data_from_db",
    "framework_export",
    "framework_export_filename",
    "framework_import",
]


def framework_export(*, framework: Framework, fmt: str) -> bytes:
    """The framework as a Moodle competency CSV (`moodle-csv`) or an IMS CASE 1.0
    JSON package (`case-json`), UTF-8 encoded."""
    data = framework_data_from_db(framework=framework)
    if fmt == FORMAT_MOODLE_CSV:
        return moodle_csv_write(data, scale_id=framework.scale_id)
    if fmt == FORMAT_CASE_JSON:
        return case_json_write(data).encode("utf-8")
    raise FrameworkExportError(
        _("Unknown export format “%(fmt)s”; use %(formats)s.")
        % {"fmt": fmt, "formats": ", ".join(EXPORT_FORMATS)}
    )


def framework_export_filename(*, framework: Framework, fmt: str) -> str:
    extension, _content_type = EXPORT_FORMATS[fmt]
    return f"{slugify(framework.code) or 'framework'}-{fmt}.{extension}"


def framework_import(*, content: bytes, filename: str = "") -> Framework:
    """Read a Moodle competency CSV or an IMS CASE JSON file and create the framework,
    its scale and competency tree. Everything is checked before anything is written;
    on any problem FrameworkImportError is raised and the database is unchanged."""
    text = _decode(content)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("{", "[")):
        data = case_json_read(text)
    else:
        data = moodle_csv_read(text)
    plan = framework_plan(data)
    return framework_write(data, plan)


def _decode(content: bytes) -> str:
    """The file's text: UTF-8 only, as both formats define (a GBK file is refused with
    how to save it as “CSV UTF-8”, not guessed at)."""
    content_check(content, error_class=FrameworkImportError)
    return csv_decode(
        content, legacy_chinese=False, error_class=FrameworkImportError
    ).text
