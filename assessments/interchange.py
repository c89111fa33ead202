"""Moving competency frameworks between systems: Moodle's competency framework CSV and
IMS CASE 1.0 JSON, out and in.

Export: `framework_export(framework=…, fmt=…)` returns UTF-8 bytes (the CSV starts
with a byte-order mark so that Excel on Chinese Windows opens it correctly; Moodle
strips it).

Import: `framework_import(content=…, filename=…)` detects the format (a JSON object
with `CFDocument` is CASE; anything else is read as CSV), checks everything first and
only then writes, in one transaction. Any problem raises FrameworkImportError whose
messages name the CSV row (as a spreadsheet counts it: the header is row 1) or the
CASE identifier, and say what to do. Nothing is written when there is an error.

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
  framework's version, source and licence, each competency's evidence validity)
  travels in the first element of the framework's Scale configuration under the key
  "civicskills". Moodle keeps unknown keys there (it only rewrites "scaleid"), so the
  data survives a trip through Moodle. The framework's Description holds the
  attribution (licence credit), in both languages.
- CASE: our extra data sits under `extensions.civicskills` on CFDocument and CFItems;
  the standard fields are complete without it. Identifiers are UUID5 of the codes,
  so the same framework always gets the same identifiers; URIs are `urn:uuid:…`.
  Only `isChildOf` associations are read; an item with two parents is refused.
  A CASE file from elsewhere (no extension) gets a generic four-level scale.
- A scale code that already exists is reused when its levels are the same, and
  otherwise the imported scale gets the next free code (`CODE-2`, `CODE-3`, …).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import html
import io
import json
import re
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Competency, Framework, ProficiencyScale, ScaleLevel

FORMAT_MOODLE_CSV = "moodle-csv"
FORMAT_CASE_JSON = "case-json"
# format → (file extension, content type), for downloads.
EXPORT_FORMATS = {
    FORMAT_MOODLE_CSV: ("csv", "text/csv; charset=utf-8"),
    FORMAT_CASE_JSON: ("json", "application/json"),
}

MOODLE_COLUMNS = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
# Moodle's own field names for the columns, used as keyword names when writing rows.
_COLUMN_KEYS = dict(
    zip(
        MOODLE_COLUMNS,
        (
            "parentidnumber",
            "idnumber",
            "shortname",
            "description",
            "descriptionformat",
            "scalevalues",
            "scaleconfiguration",
            "ruletype",
            "ruleoutcome",
            "ruleconfig",
            "relatedidnumbers",
            "exportid",
            "isframework",
            "taxonomy",
        ),
        strict=True,
    )
)
MOODLE_FORMAT_HTML = "1"
MOODLE_FORMAT_PLAIN = "2"
EXTENSION_KEY = "civicskills"
# Fixed namespace: identifiers derived from codes stay the same on every server.
CASE_NAMESPACE = uuid.UUID("6f3f2b1e-8c1d-5a4e-9b7a-2f1c0d9e4a51")
MAX_MESSAGES = 50

LICENCE_URIS = {
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC BY-NC 4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC0 1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


class FrameworkImportError(ValidationError):
    """A framework file was refused; `.messages` say where and what to do."""


class FrameworkExportError(ValidationError):
    """A framework cannot be written in the requested format."""


# The shape both formats are read into and written from --------------------------------


@dataclass
class LevelData:
    value: int
    name: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""


@dataclass
class ScaleData:
    code: str
    name: str
    name_zh: str
    proficient_level: int
    levels: list[LevelData]
    # True when the file named no scale code (a plain Moodle file): then any existing
    # scale with the same levels is reused, as Moodle itself matches scales by values.
    derived_code: bool = False

    def signature(self) -> tuple:
        return (self.proficient_level, tuple((lv.value, lv.name) for lv in self.levels))


@dataclass
class ItemData:
    code: str
    name: str
    where: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""
    parent: str = ""
    validity_months: int | None = None


@dataclass
class FrameworkData:
    code: str
    name: str
    where: str
    scale: ScaleData
    name_zh: str = ""
    version: str = ""
    source: str = ""
    licence: str = ""
    attribution: str = ""
    attribution_zh: str = ""
    items: list[ItemData] = field(default_factory=list)


GENERIC_SCALE = ScaleData(
    code="GENERIC-4",
    name="Generic 4 levels",
    name_zh="通用四级",
    proficient_level=3,
    levels=[
        LevelData(1, "Aware", "了解"),
        LevelData(2, "Practising", "会用"),
        LevelData(3, "Proficient", "熟练"),
        LevelData(4, "Expert", "精通"),
    ],
)


class _Problems:
    """Collects messages so that one import reports every problem at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        messages = self.messages[:MAX_MESSAGES]
        if len(self.messages) > MAX_MESSAGES:
            messages.append(
                _("…and %(count)s more problems.")
                % {"count": len(self.messages) - MAX_MESSAGES}
            )
        raise FrameworkImportError(messages)


def _row(number: int) -> str:
    return _("Row %(row)s") % {"row": number}


def _case_item(identifier: str) -> str:
    return _("CFItem %(identifier)s") % {"identifier": identifier}


# Export ---------------------------------------------------------------------------


def framework_data_from_db(*, framework: Framework) -> FrameworkData:
    """Read one framework, its scale and its tree (parents before children, siblings
    in code order) in three queries."""
    scale = framework.scale
    levels = list(scale.levels.order_by("value"))
    if [lv.value for lv in levels] != list(range(1, len(levels) + 1)):
        raise FrameworkExportError(
            _(
                "The scale “%(scale)s” must have levels numbered 1, 2, 3… without "
                "gaps before it can be exported."
            )
            % {"scale": scale.code}
        )
    nodes = list(Competency.objects.filter(framework=framework).order_by("path"))
    code_by_path = {node.path: node.code for node in nodes}
    items = [
        ItemData(
            code=node.code,
            name=node.name,
            name_zh=node.name_zh,
            description=node.description,
            description_zh=node.description_zh,
            parent=code_by_path.get(node.path[: -Competency.steplen], ""),
            validity_months=node.validity_months,
            where=node.code,
        )
        for node in nodes
    ]
    return FrameworkData(
        code=framework.code,
        name=framework.name,
        name_zh=framework.name_zh,
        version=framework.version,
        source=framework.source,
        licence=framework.licence,
        attribution=framework.attribution,
        attribution_zh=framework.attribution_zh,
        where=framework.code,
        scale=ScaleData(
            code=scale.code,
            name=scale.name,
            name_zh=scale.name_zh,
            proficient_level=scale.proficient_level,
            levels=[
                LevelData(
                    value=lv.value,
                    name=lv.name,
                    name_zh=lv.name_zh,
                    description=lv.description,
                    description_zh=lv.description_zh,
                )
                for lv in levels
            ],
        ),
        items=items,
    )


def framework_export(*, framework: Framework, fmt: str) -> bytes:
    """The framework as a Moodle competency CSV (`moodle-csv`) or an IMS CASE 1.0
    JSON package (`case-json`), UTF-8 encoded."""
    data = framework_data_from_db(framework=framework)
    if fmt == FORMAT_MOODLE_CSV:
        return codecs.BOM_UTF8 + _moodle_csv_write(data).encode("utf-8")
    if fmt == FORMAT_CASE_JSON:
        return _case_json_write(data).encode("utf-8")
    raise FrameworkExportError(
        _("Unknown export format “%(fmt)s”; use %(formats)s.")
        % {"fmt": fmt, "formats": ", ".join(EXPORT_FORMATS)}
    )


def framework_export_filename(*, framework: Framework, fmt: str) -> str:
    extension, _content_type = EXPORT_FORMATS[fmt]
    return f"{slugify(framework.code) or 'framework'}-{fmt}.{extension}"


def _multilang(en: str, zh: str) -> str:
    if not zh:
        return en
    return (
        f'<span lang="en" class="multilang">{html.escape(en, quote=False)}</span>'
        f'<span lang="zh-cn" class="multilang">{html.escape(zh, quote=False)}</span>'
    )


def _moodle_csv_write(data: FrameworkData) -> str:
    for level in data.scale.levels:
        if "," in level.name or "," in level.name_zh:
            raise FrameworkExportError(
                _(
                    "Level “%(level)s” has a comma in its name, and Moodle separates "
                    "scale values with commas. Rename the level, then export again."
                )
                % {"level": level.name}
            )
    extension = {
        "framework": {
            "version": data.version,
            "source": data.source,
            "licence": data.licence,
        },
        "scale": {
            "code": data.scale.code,
            "name": data.scale.name,
            "name_zh": data.scale.name_zh,
            "levels": [
                {"description": lv.description, "description_zh": lv.description_zh}
                for lv in data.scale.levels
            ],
        },
        "validity_months": {
            item.code: item.validity_months
            for item in data.items
            if item.validity_months is not None
        },
    }
    configuration = [{"scaleid": "0", EXTENSION_KEY: extension}] + [
        {
            "id": lv.value,
            "scaledefault": 1 if lv.value == 1 else 0,
            "proficient": 1 if lv.value >= data.scale.proficient_level else 0,
        }
        for lv in data.scale.levels
    ]
    depth = _depths(data.items)
    max_depth = max(depth.values(), default=1)
    taxonomy = ",".join(["domain"] + ["competency"] * (max_depth - 1))

    def description(en: str, zh: str) -> tuple[str, str]:
        text = _multilang(en, zh)
        return text, MOODLE_FORMAT_HTML if zh else MOODLE_FORMAT_PLAIN

    def row(**cells: str) -> list[str]:
        return [cells.get(_COLUMN_KEYS[name], "") for name in MOODLE_COLUMNS]

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MOODLE_COLUMNS)
    text, text_format = description(data.attribution, data.attribution_zh)
    writer.writerow(
        row(
            idnumber=data.code,
            shortname=_multilang(data.name, data.name_zh),
            description=text,
            descriptionformat=text_format,
            scalevalues=",".join(
                _multilang(lv.name, lv.name_zh) for lv in data.scale.levels
            ),
            scaleconfiguration=json.dumps(
                configuration, ensure_ascii=False, separators=(",", ":")
            ),
            isframework="1",
            taxonomy=taxonomy,
        )
    )
    for item in data.items:
        text, text_format = description(item.description, item.description_zh)
        writer.writerow(
            row(
                parentidnumber=item.parent,
                idnumber=item.code,
                shortname=_multilang(item.name, item.name_zh),
                description=text,
                descriptionformat=text_format,
                isframework="0",
            )
        )
    return out.getvalue()


def _depths(items: list[ItemData]) -> dict[str, int]:
    parent = {item.code: item.parent for item in items}
    depth: dict[str, int] = {}
    for code in parent:
        chain, node = 0, code
        while node and chain <= len(parent):
            chain += 1
            node = parent.get(node, "")
        depth[code] = chain
    return depth


def _case_id(kind: str, code: str) -> str:
    return str(uuid.uuid5(CASE_NAMESPACE, f"{kind}:{code}"))


def _case_json_write(data: FrameworkData) -> str:
    changed = timezone.now().replace(microsecond=0).astimezone(datetime.UTC)
    changed_at = changed.isoformat()
    doc_id = _case_id("framework", data.code)
    doc_ref = {"title": data.name, "identifier": doc_id, "uri": f"urn:uuid:{doc_id}"}
    document = {
        "identifier": doc_id,
        "uri": doc_ref["uri"],
        "creator": data.attribution or data.name,
        "title": data.name,
        "lastChangeDateTime": changed_at,
        "description": data.source,
        "language": "en",
        "version": data.version,
        "publisher": "CivicSkills",
        "adoptionStatus": "Adopted",
        "extensions": {
            EXTENSION_KEY: {
                "code": data.code,
                "title_zh": data.name_zh,
                "source": data.source,
                "licence": data.licence,
                "attribution": data.attribution,
                "attribution_zh": data.attribution_zh,
                "scale": {
                    "code": data.scale.code,
                    "name": data.scale.name,
                    "name_zh": data.scale.name_zh,
                    "proficient_level": data.scale.proficient_level,
                    "levels": [
                        {
                            "value": lv.value,
                            "name": lv.name,
                            "name_zh": lv.name_zh,
                            "description": lv.description,
                            "description_zh": lv.description_zh,
                        }
                        for lv in data.scale.levels
                    ],
                },
            }
        },
    }
    if data.licence in LICENCE_URIS:
        document["licenseURI"] = {
            "title": data.licence,
            "identifier": _case_id("licence", data.licence),
            "uri": LICENCE_URIS[data.licence],
        }
    refs: dict[str, dict] = {}
    items = []
    for item in data.items:
        item_id = _case_id("competency", item.code)
        refs[item.code] = {
            "title": item.name,
            "identifier": item_id,
            "uri": f"urn:uuid:{item_id}",
        }
        entry = {
            "identifier": item_id,
            "uri": refs[item.code]["uri"],
            "CFDocumentURI": doc_ref,
            "fullStatement": item.name,
            "humanCodingScheme": item.code,
            "CFItemType": "Competency" if item.parent else "Area",
            "language": "en",
            "lastChangeDateTime": changed_at,
            "extensions": {
                EXTENSION_KEY: {
                    "fullStatement_zh": item.name_zh,
                    "notes_zh": item.description_zh,
                    "validity_months": item.validity_months,
                }
            },
        }
        if item.description:
            entry["notes"] = item.description
        items.append(entry)
    associations = []
    positions: dict[str, int] = {}
    for item in data.items:
        destination = refs[item.parent] if item.parent else doc_ref
        positions[item.parent] = positions.get(item.parent, 0) + 1
        assoc_id = _case_id("isChildOf", f"{item.code}>{item.parent or data.code}")
        associations.append(
            {
                "identifier": assoc_id,
                "uri": f"urn:uuid:{assoc_id}",
                "associationType": "isChildOf",
                "sequenceNumber": positions[item.parent],
                "CFDocumentURI": doc_ref,
                "originNodeURI": refs[item.code],
                "destinationNodeURI": destination,
                "lastChangeDateTime": changed_at,
            }
        )
    package = {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
    }
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"


# Import ---------------------------------------------------------------------------


def framework_import(*, content: bytes, filename: str = "") -> Framework:
    """Read a Moodle competency CSV or an IMS CASE JSON file and create the framework,
    its scale and competency tree. Everything is checked before anything is written;
    on any problem FrameworkImportError is raised and the database is unchanged."""
    text = _decode(content)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("{", "[")):
        data = _case_read(text)
    else:
        data = _moodle_csv_read(text)
    plan = _validate(data)
    return _write(data, plan)


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FrameworkImportError(
            _(
                "The file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8 "
                "(comma delimited)” and import it again."
            )
        )
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        try:
            looks_chinese = bool(
                re.search(r"[\u4e00-\u9fff]", content.decode("gb18030"))
            )
        except UnicodeDecodeError:
            looks_chinese = False
        if looks_chinese:
            message = _(
                "The file is not UTF-8: it looks like GBK/GB18030, which Excel uses "
                "for “CSV” on Chinese Windows (first problem on line %(line)s). In "
                "Excel choose File › Save As › “CSV UTF-8 (comma delimited)” and "
                "import that file."
            )
        else:
            message = _(
                "The file is not UTF-8 text (first problem on line %(line)s). Save it "
                "as UTF-8 (in Excel: “CSV UTF-8 (comma delimited)”) and import again."
            )
        raise FrameworkImportError(message % {"line": line}) from exc
    if "\x00" in text:
        raise FrameworkImportError(
            _(
                "The file contains NUL characters, so it is probably UTF-16 or not a "
                "text file. Save it as “CSV UTF-8 (comma delimited)” and import again."
            )
        )
    if not text.strip():
        raise FrameworkImportError(
            _("The file is empty. Choose a Moodle competency CSV or a CASE JSON file.")
        )
    return text


def _split_multilang(text: str) -> tuple[str, str] | None:
    """(English, Chinese) from Moodle multilang spans, or None when there are none."""
    spans = []
    for attrs, inner in re.findall(r"<span\b([^>]*)>(.*?)</span>", text, re.S | re.I):
        lang = re.search(r'\blang\s*=\s*"([^"]+)"', attrs, re.I)
        css = re.search(r'\bclass\s*=\s*"([^"]*)"', attrs, re.I)
        if lang and css and "multilang" in css.group(1).split():
            spans.append((lang.group(1).lower().replace("_", "-"), inner))
    if not spans:
        return None
    en = zh = None
    for lang, inner in spans:
        value = html.unescape(strip_tags(inner))
        if lang.startswith("zh") and zh is None:
            zh = value
        elif (lang == "en" or lang.startswith("en-")) and en is None:
            en = value
    if en is None:
        # No English span: the first other language stands in, as in Moodle.
        others = [inner for lang, inner in spans if not lang.startswith("zh")]
        en = html.unescape(strip_tags(others[0])) if others else ""
    return en, zh or ""


def _text(value: str, *, html_format: bool = False) -> tuple[str, str]:
    """(English, Chinese) from one Moodle text field."""
    parts = _split_multilang(value)
    if parts is not None:
        return parts
    if html_format:
        return html.unescape(strip_tags(value)).strip(), ""
    return value.strip(), ""


_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"", "0", "false", "no", "n"}


def _moodle_csv_read(text: str) -> FrameworkData:
    problems = _Problems()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise FrameworkImportError(
            _row(reader.line_num)
            + ": "
            + _(
                "the CSV cannot be read (%(error)s). Check for an unclosed quotation "
                "mark, then save the file again as CSV."
            )
            % {"error": exc}
        ) from exc
    rows = [(number, cells) for number, cells in rows if any(c.strip() for c in cells)]
    if not rows:
        raise FrameworkImportError(
            _("The file is empty. Choose a Moodle competency CSV or a CASE JSON file.")
        )
    header_number, header = rows[0]
    columns = _moodle_header(header_number, header)
    data_rows = rows[1:]

    framework_rows = []
    items: list[ItemData] = []
    for number, cells in data_rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.add(
                _row(number),
                _(
                    "it has more cells than the header has columns. Remove the extra "
                    "cells or put quotation marks around text that contains commas."
                ),
            )
            continue

        def cell(name: str, cells=cells) -> str:
            index = columns[name]
            return cells[index] if index < len(cells) else ""

        flag = cell("Is framework").strip().lower()
        if flag not in _TRUE | _FALSE:
            problems.add(
                _row(number),
                _("“Is framework” must be 1 (the framework row) or 0 (a competency)."),
            )
            continue
        if flag in _TRUE:
            framework_rows.append((number, cell))
            continue
        code = cell("ID number").strip()
        html_format = cell("Description format").strip() == MOODLE_FORMAT_HTML
        name, name_zh = _text(cell("Short name"))
        description, description_zh = _text(
            cell("Description"), html_format=html_format
        )
        if not code:
            problems.add(
                _row(number),
                _("“ID number” is empty. Give every competency a unique ID number."),
            )
            continue
        if cell("Scale values").strip():
            problems.add(
                _row(number),
                _(
                    "this competency has its own scale, but CivicSkills uses one scale "
                    "per framework. Clear “Scale values” and “Scale configuration” on "
                    "this row."
                ),
            )
        items.append(
            ItemData(
                code=code,
                name=name,
                name_zh=name_zh,
                description=description,
                description_zh=description_zh,
                parent=cell("Parent ID number").strip(),
                where=_row(number),
            )
        )
    if not framework_rows:
        problems.add(
            "",
            _(
                "No framework row: one row must have “Is framework” = 1, with the "
                "framework's ID number, name and scale."
            ),
        )
        problems.raise_if_any()
    if len(framework_rows) > 1:
        problems.add(
            _("Rows %(rows)s")
            % {"rows": ", ".join(str(number) for number, _c in framework_rows)},
            _(
                "more than one row has “Is framework” = 1. A file holds one framework; "
                "split it into one file per framework."
            ),
        )
        problems.raise_if_any()
    number, cell = framework_rows[0]
    where = _row(number)
    name, name_zh = _text(cell("Short name"))
    attribution, attribution_zh = _text(
        cell("Description"),
        html_format=cell("Description format").strip() == MOODLE_FORMAT_HTML,
    )
    scale, extension = _moodle_scale(where, cell, problems)
    meta = extension.get("framework") if isinstance(extension, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    validity = extension.get("validity_months") if extension else None
    if isinstance(validity, dict):
        for item in items:
            months = validity.get(item.code)
            if months is not None and (not isinstance(months, int) or months < 0):
                problems.add(
                    where,
                    _(
                        "the validity for %(code)s in “Scale configuration” must be a "
                        "whole number of months."
                    )
                    % {"code": item.code},
                )
            elif months is not None:
                item.validity_months = months
    problems.raise_if_any()
    code = cell("ID number").strip()
    data = FrameworkData(
        code=code,
        name=name,
        name_zh=name_zh,
        version=str(meta.get("version") or ""),
        source=str(meta.get("source") or ""),
        licence=str(meta.get("licence") or ""),
        attribution=attribution,
        attribution_zh=attribution_zh,
        where=where,
        scale=scale,
        items=items,
    )
    # Moodle files sometimes name the framework as the parent of the areas.
    for item in items:
        if item.parent == code:
            item.parent = ""
    return data


def _moodle_header(number: int, header: list[str]) -> dict[str, int]:
    found = [cell.strip().lstrip("\ufeff") for cell in header]
    expected = ", ".join(f"“{name}”" for name in MOODLE_COLUMNS)
    if len(found) == 1 and (";" in found[0] or "\t" in found[0]):
        raise FrameworkImportError(
            _row(number)
            + ": "
            + _(
                "the columns are separated by semicolons or tabs. Save the file as "
                "comma-separated CSV (“CSV UTF-8 (comma delimited)”)."
            )
        )
    by_name = {name.lower(): name for name in MOODLE_COLUMNS}
    columns: dict[str, int] = {}
    duplicates, unknown = [], []
    for index, name in enumerate(found):
        canonical = by_name.get(name.lower())
        if canonical is None:
            if name:
                unknown.append(name)
        elif canonical in columns:
            duplicates.append(canonical)
        else:
            columns[canonical] = index
    missing = [name for name in MOODLE_COLUMNS if name not in columns]
    if missing or duplicates:
        parts = []
        if missing:
            parts.append(
                _("missing column(s) %(names)s")
                % {"names": ", ".join(f"“{n}”" for n in missing)}
            )
        if unknown:
            parts.append(
                _("unexpected column(s) %(names)s")
                % {"names": ", ".join(f"“{n}”" for n in unknown)}
            )
        if duplicates:
            parts.append(
                _("repeated column(s) %(names)s")
                % {"names": ", ".join(f"“{n}”" for n in duplicates)}
            )
        raise FrameworkImportError(
            _row(number)
            + _(
                " (the header): %(problems)s. The first row must name these columns: "
                "%(expected)s."
            )
            % {"problems": "; ".join(parts), "expected": expected}
        )
    return columns


def _moodle_scale(where, cell, problems: _Problems) -> tuple[ScaleData, dict]:
    """The framework row's scale and our extension (empty when absent)."""
    values = cell("Scale values").strip()
    if not values:
        problems.add(
            where,
            _(
                "“Scale values” is empty. List the level names from lowest to highest, "
                "separated by commas."
            ),
        )
        return GENERIC_SCALE, {}
    levels = []
    for position, raw in enumerate(values.split(","), start=1):
        name, name_zh = _text(raw)
        if not name:
            problems.add(
                where,
                _("level %(position)s in “Scale values” has no name.")
                % {"position": position},
            )
        levels.append(LevelData(value=position, name=name, name_zh=name_zh))
    names = [lv.name for lv in levels if lv.name]
    if len(set(names)) != len(names):
        problems.add(where, _("two levels in “Scale values” have the same name."))
    raw_config = cell("Scale configuration").strip()
    try:
        config = json.loads(raw_config) if raw_config else None
    except json.JSONDecodeError:
        config = None
        problems.add(
            where,
            _(
                "“Scale configuration” is not valid JSON. It should look like "
                '[{"scaleid":"0"},{"id":1,"scaledefault":1,"proficient":0},…].'
            ),
        )
        return GENERIC_SCALE, {}
    if not (
        isinstance(config, list)
        and config
        and isinstance(config[0], dict)
        and "scaleid" in config[0]
    ):
        problems.add(
            where,
            _(
                "“Scale configuration” must be a list starting with "
                '{"scaleid":…} followed by one entry per level, e.g. '
                '{"id":1,"scaledefault":1,"proficient":0}.'
            ),
        )
        return GENERIC_SCALE, {}
    proficient = []
    for entry in config[1:]:
        level_id = entry.get("id") if isinstance(entry, dict) else None
        try:
            level_id = int(level_id)
        except (TypeError, ValueError):
            level_id = None
        if level_id is None or not 1 <= level_id <= len(levels):
            problems.add(
                where,
                _(
                    "“Scale configuration” refers to level %(id)s, but “Scale values” "
                    "lists %(count)s levels."
                )
                % {
                    "id": entry.get("id") if isinstance(entry, dict) else entry,
                    "count": len(levels),
                },
            )
            continue
        if str(entry.get("proficient", 0)) in {"1", "True", "true"}:
            proficient.append(level_id)
    if not proficient:
        problems.add(
            where,
            _(
                "“Scale configuration” marks no level as proficient. Set "
                '"proficient":1 on the lowest proficient level and every level above.'
            ),
        )
    extension = config[0].get(EXTENSION_KEY) or {}
    if not isinstance(extension, dict):
        extension = {}
    scale_ext = (
        extension.get("scale") if isinstance(extension.get("scale"), dict) else {}
    )
    ext_levels = scale_ext.get("levels") or []
    if ext_levels and len(ext_levels) != len(levels):
        problems.add(
            where,
            _(
                "“Scale configuration” describes %(described)s levels but “Scale "
                "values” lists %(count)s. Make them match, or delete the "
                "“civicskills” part of the scale configuration."
            )
            % {"described": len(ext_levels), "count": len(levels)},
        )
        ext_levels = []
    for level, described in zip(levels, ext_levels, strict=False):
        if isinstance(described, dict):
            level.description = str(described.get("description") or "")
            level.description_zh = str(described.get("description_zh") or "")
    framework_code = cell("ID number").strip()
    scale = ScaleData(
        code=str(scale_ext.get("code") or framework_code)[:32],
        name=str(scale_ext.get("name") or _text(cell("Short name"))[0])[:200],
        name_zh=str(scale_ext.get("name_zh") or ""),
        proficient_level=min(proficient) if proficient else 1,
        levels=levels,
        derived_code=not scale_ext.get("code"),
    )
    return scale, extension


def _case_read(text: str) -> FrameworkData:
    problems = _Problems()
    try:
        package = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameworkImportError(
            _(
                "The file is not valid JSON (line %(line)s, column %(column)s: "
                "%(error)s). Export it again from the source system."
            )
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from exc
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise FrameworkImportError(
            _(
                "This JSON file is not an IMS CASE framework: it has no CFDocument. "
                "Export the framework as a CASE package (CFDocument, CFItems, "
                "CFAssociations)."
            )
        )
    document = package["CFDocument"]
    doc_id = str(document.get("identifier") or "")
    where_doc = _("CFDocument %(identifier)s") % {"identifier": doc_id or "?"}
    ext = _extension(document)
    title = document.get("title")
    if not doc_id:
        problems.add(where_doc, _("“identifier” is missing."))
    if not isinstance(title, str) or not title.strip():
        problems.add(where_doc, _("“title” is missing; give the framework a title."))
        title = ""
    code = str(ext.get("code") or "") or (
        slugify(title).upper()[:32] or f"CASE-{doc_id[:8]}"
    )
    scale = _case_scale(where_doc, ext.get("scale"), problems)

    items_raw = package.get("CFItems", [])
    associations = package.get("CFAssociations", [])
    if not isinstance(items_raw, list) or not isinstance(associations, list):
        problems.add(where_doc, _("“CFItems” and “CFAssociations” must be lists."))
        problems.raise_if_any()
    by_id: dict[str, ItemData] = {}
    for position, raw in enumerate(items_raw, start=1):
        identifier = str(raw.get("identifier") or "") if isinstance(raw, dict) else ""
        where = _case_item(identifier or f"#{position}")
        if not identifier:
            problems.add(where, _("the item has no “identifier”."))
            continue
        if identifier in by_id:
            problems.add(where, _("two CFItems share this identifier."))
            continue
        statement = raw.get("fullStatement")
        if not isinstance(statement, str) or not statement.strip():
            problems.add(where, _("“fullStatement” is empty; every item needs one."))
            continue
        item_ext = _extension(raw)
        months = item_ext.get("validity_months")
        if months is not None and (not isinstance(months, int) or months < 0):
            problems.add(where, _("validity_months must be a whole number of months."))
            months = None
        by_id[identifier] = ItemData(
            code=str(raw.get("humanCodingScheme") or identifier).strip(),
            name=statement.strip(),
            name_zh=str(item_ext.get("fullStatement_zh") or ""),
            description=str(raw.get("notes") or ""),
            description_zh=str(item_ext.get("notes_zh") or ""),
            validity_months=months,
            where=where,
        )
    parents: dict[str, str] = {}
    for position, raw in enumerate(associations, start=1):
        if not isinstance(raw, dict) or raw.get("associationType") != "isChildOf":
            continue
        assoc_where = _("CFAssociation %(identifier)s") % {
            "identifier": raw.get("identifier") or f"#{position}"
        }
        origin = _node_id(raw.get("originNodeURI"))
        destination = _node_id(raw.get("destinationNodeURI"))
        if origin not in by_id:
            problems.add(
                assoc_where,
                _(
                    "its child (originNodeURI) %(origin)s is not among the CFItems. "
                    "Add the item or remove the association."
                )
                % {"origin": origin or "?"},
            )
            continue
        if destination != doc_id and destination not in by_id:
            problems.add(
                assoc_where,
                _(
                    "its parent (destinationNodeURI) %(destination)s is neither a "
                    "CFItem nor the CFDocument. Add the item or remove the association."
                )
                % {"destination": destination or "?"},
            )
            continue
        if origin in parents:
            problems.add(
                by_id[origin].where,
                _(
                    "it is a child of more than one item; a CivicSkills competency has "
                    "one parent. Keep one isChildOf association."
                ),
            )
            continue
        parents[origin] = destination
    problems.raise_if_any()
    for identifier, item in by_id.items():
        parent = parents.get(identifier, doc_id)
        item.parent = "" if parent == doc_id else by_id[parent].code
    return FrameworkData(
        code=code,
        name=title.strip(),
        name_zh=str(ext.get("title_zh") or ""),
        version=str(document.get("version") or ""),
        source=str(ext.get("source") or document.get("description") or ""),
        licence=str(
            ext.get("licence") or (document.get("licenseURI") or {}).get("title") or ""
        ),
        attribution=str(ext.get("attribution") or document.get("creator") or ""),
        attribution_zh=str(ext.get("attribution_zh") or ""),
        where=where_doc,
        scale=scale,
        items=list(by_id.values()),
    )


def _extension(node: dict) -> dict:
    extensions = node.get("extensions")
    ours = extensions.get(EXTENSION_KEY) if isinstance(extensions, dict) else None
    return ours if isinstance(ours, dict) else {}


def _node_id(ref) -> str:
    return str(ref.get("identifier") or "") if isinstance(ref, dict) else ""


def _case_scale(where: str, raw, problems: _Problems) -> ScaleData:
    if raw is None:
        return GENERIC_SCALE
    levels_raw = raw.get("levels") if isinstance(raw, dict) else None
    if not isinstance(levels_raw, list) or not levels_raw:
        problems.add(
            where,
            _("the CivicSkills scale has no levels; list them from 1 upwards."),
        )
        return GENERIC_SCALE
    levels = []
    for position, level in enumerate(levels_raw, start=1):
        if not isinstance(level, dict) or level.get("value") != position:
            problems.add(
                where,
                _("scale level %(position)s must have value %(position)s.")
                % {"position": position},
            )
            continue
        levels.append(
            LevelData(
                value=position,
                name=str(level.get("name") or "").strip(),
                name_zh=str(level.get("name_zh") or ""),
                description=str(level.get("description") or ""),
                description_zh=str(level.get("description_zh") or ""),
            )
        )
    proficient = raw.get("proficient_level")
    if not isinstance(proficient, int) or not 1 <= proficient <= len(levels_raw):
        problems.add(
            where,
            _("the scale's proficient_level must be one of its levels (1–%(max)s).")
            % {"max": len(levels_raw)},
        )
        proficient = 1
    return ScaleData(
        code=str(raw.get("code") or ""),
        name=str(raw.get("name") or ""),
        name_zh=str(raw.get("name_zh") or ""),
        proficient_level=proficient,
        levels=levels,
    )


# Checks shared by both formats, then the writes ----------------------------------


@dataclass
class _Plan:
    scale: ProficiencyScale | None  # an existing scale to reuse
    scale_code: str  # the code for a new scale when `scale` is None
    order: list[ItemData]  # parents before children


def _validate(data: FrameworkData) -> _Plan:
    problems = _Problems()
    _field_errors(
        problems,
        data.where,
        Framework(
            code=data.code,
            name=data.name,
            name_zh=data.name_zh,
            version=data.version,
            source=data.source,
            licence=data.licence,
            attribution=data.attribution,
            attribution_zh=data.attribution_zh,
        ),
        exclude=["scale"],
    )
    if data.code and Framework.objects.filter(code=data.code).exists():
        problems.add(
            data.where,
            _(
                "a framework with ID number “%(code)s” already exists, and imports "
                "never change an existing framework. Give the framework a new ID "
                "number (and its competencies new ones), or remove the existing "
                "framework first."
            )
            % {"code": data.code},
        )
    scale_model = ProficiencyScale(
        code=data.scale.code or "SCALE",
        name=data.scale.name or data.name,
        name_zh=data.scale.name_zh,
        proficient_level=data.scale.proficient_level,
    )
    _field_errors(problems, data.where, scale_model)
    for level in data.scale.levels:
        _field_errors(
            problems,
            data.where,
            ScaleLevel(
                value=level.value,
                name=level.name,
                name_zh=level.name_zh,
                description=level.description,
                description_zh=level.description_zh,
            ),
            exclude=["scale"],
            prefix=_("scale level %(value)s") % {"value": level.value},
        )
    if not data.items:
        problems.add(
            data.where,
            _("the framework has no competencies. Add at least one competency row."),
        )

    first_seen: dict[str, ItemData] = {}
    for item in data.items:
        if item.code in first_seen:
            problems.add(
                item.where,
                _(
                    "ID number “%(code)s” is used twice (first at %(first)s). Every "
                    "competency needs its own ID number."
                )
                % {"code": item.code, "first": first_seen[item.code].where},
            )
            continue
        first_seen[item.code] = item
        _field_errors(
            problems,
            item.where,
            Competency(
                code=item.code,
                name=item.name,
                name_zh=item.name_zh,
                description=item.description,
                description_zh=item.description_zh,
                validity_months=item.validity_months,
                path="0",
                depth=1,
            ),
            exclude=["framework", "path", "depth", "numchild"],
        )
    taken = dict(
        Competency.objects.filter(code__in=list(first_seen)).values_list(
            "code", "framework__code"
        )
    )
    for code, framework_code in taken.items():
        problems.add(
            first_seen[code].where,
            _(
                "ID number “%(code)s” already belongs to framework “%(framework)s”; "
                "competency ID numbers are unique across all frameworks. Rename it "
                "in the file."
            )
            % {"code": code, "framework": framework_code},
        )
    for item in first_seen.values():
        if item.parent and item.parent not in first_seen:
            problems.add(
                item.where,
                _(
                    "its parent “%(parent)s” is not in the file. Add a row for "
                    "“%(parent)s”, correct the Parent ID number, or leave it empty "
                    "for a top-level area."
                )
                % {"parent": item.parent},
            )
    problems.raise_if_any()
    _cycles(first_seen, problems)
    problems.raise_if_any()

    order = []
    children: dict[str, list[ItemData]] = {}
    for item in first_seen.values():
        children.setdefault(item.parent, []).append(item)
    stack = sorted(children.get("", []), key=lambda i: i.code, reverse=True)
    while stack:
        item = stack.pop()
        order.append(item)
        stack.extend(
            sorted(children.get(item.code, []), key=lambda i: i.code, reverse=True)
        )
    scale, scale_code = _scale_plan(data.scale)
    return _Plan(scale=scale, scale_code=scale_code, order=order)


def _field_errors(problems, where, instance, *, exclude=None, prefix="") -> None:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            label = instance._meta.get_field(field_name).verbose_name
            for message in messages:
                text = f"{label}: {message}"
                problems.add(where, f"{prefix}, {text}" if prefix else text)


def _cycles(items: dict[str, ItemData], problems: _Problems) -> None:
    reported: set[str] = set()
    for start in items:
        seen: list[str] = []
        node = start
        while node and node not in seen:
            seen.append(node)
            node = items[node].parent
        if node and node not in reported:
            cycle = seen[seen.index(node) :]
            reported.update(cycle)
            problems.add(
                ", ".join(items[code].where for code in cycle),
                _(
                    "these competencies are each other's parents (%(cycle)s), so "
                    "none of them hangs from a top-level area. Correct the Parent ID "
                    "number of one of them."
                )
                % {"cycle": " → ".join([*cycle, node])},
            )


def _scale_plan(scale: ScaleData) -> tuple[ProficiencyScale | None, str]:
    """Reuse an existing scale with the same code and levels, else pick a free code."""
    base = scale.code or "SCALE"
    if scale.derived_code:
        same = [
            s
            for s in ProficiencyScale.objects.filter(
                proficient_level=scale.proficient_level
            ).prefetch_related("levels")
            if _signature(s) == scale.signature()
        ]
        if same:
            oldest = min(same, key=lambda s: s.pk)
            return oldest, oldest.code
    existing = {
        s.code: s
        for s in ProficiencyScale.objects.filter(
            code__startswith=base
        ).prefetch_related("levels")
    }
    candidate, number = base, 1
    while candidate in existing:
        current = existing[candidate]
        if _signature(current) == scale.signature():
            return current, candidate
        number += 1
        suffix = f"-{number}"
        candidate = base[: 32 - len(suffix)] + suffix
    return None, candidate


def _signature(scale: ProficiencyScale) -> tuple:
    levels = sorted(scale.levels.all(), key=lambda lv: lv.value)
    return (scale.proficient_level, tuple((lv.value, lv.name) for lv in levels))


@transaction.atomic
def _write(data: FrameworkData, plan: _Plan) -> Framework:
    try:
        scale = plan.scale
        if scale is None:
            scale = ProficiencyScale(
                code=plan.scale_code,
                name=data.scale.name or data.name,
                name_zh=data.scale.name_zh,
                proficient_level=data.scale.proficient_level,
            )
            scale.full_clean()
            scale.save()
            for level in data.scale.levels:
                row = ScaleLevel(
                    scale=scale,
                    value=level.value,
                    name=level.name,
                    name_zh=level.name_zh,
                    description=level.description,
                    description_zh=level.description_zh,
                )
                row.full_clean()
                row.save()
        framework = Framework(
            code=data.code,
            name=data.name,
            name_zh=data.name_zh,
            version=data.version,
            source=data.source,
            licence=data.licence,
            attribution=data.attribution,
            attribution_zh=data.attribution_zh,
            scale=scale,
        )
        framework.full_clean()
        framework.save()
        pks: dict[str, int] = {}
        for item in plan.order:
            node = Competency(
                framework=framework,
                code=item.code,
                name=item.name,
                name_zh=item.name_zh,
                description=item.description,
                description_zh=item.description_zh,
                validity_months=item.validity_months,
            )
            if item.parent:
                # Sorted inserts may shift paths, so read the parent fresh.
                parent = Competency.objects.get(pk=pks[item.parent])
                node = parent.add_child(instance=node)
            else:
                node = Competency.add_root(instance=node)
            pks[item.code] = node.pk
    except IntegrityError as exc:
        raise FrameworkImportError(
            _(
                "Another change saved the same framework or competency codes while "
                "this file was being imported. Nothing was imported; try again."
            )
        ) from exc
    return framework
