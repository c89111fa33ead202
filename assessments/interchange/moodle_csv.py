"""Moodle's competency framework CSV (admin/tool/lpimportcsv), out and in.

Moodle's importer reads the columns by position and shows the header only for display
(Moodle writes it in the exporting user's language), so this reader does the same: it
checks the number of columns and what the cells hold, never the header's words. The
writer follows Moodle's exporter (framework_exporter.php) cell by cell and PHP's
fputcsv quoting, so that a file Moodle wrote comes back out as Moodle wrote it, apart
from the differences listed in the README.
"""

from __future__ import annotations

import html
import json
import re

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from ..grading import id_from_text
from ..models import Competency, CompetencyRelation, DescriptionFormat, taxonomy_error
from ..richtext import HTML_FORMATS, rich_text_clean
from .data import (
    EXTENSION_KEY,
    GENERIC_SCALE,
    FrameworkData,
    FrameworkExportError,
    FrameworkImportError,
    ItemData,
    LevelData,
    Problems,
    RelationData,
    ScaleData,
    row_where,
)

# The columns in Moodle's order (framework_importer::list_required_headers()), with
# the English header Moodle writes today. Only the position counts on import.
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
(
    PARENT,
    IDNUMBER,
    SHORTNAME,
    DESCRIPTION,
    DESCRIPTION_FORMAT,
    SCALE_VALUES,
    SCALE_CONFIGURATION,
    RULE_TYPE,
    RULE_OUTCOME,
    RULE_CONFIG,
    RELATED,
    EXPORT_ID,
    IS_FRAMEWORK,
    TAXONOMY,
) = range(len(MOODLE_COLUMNS))

# Header words other Moodle versions wrote (older English strings); used only to
# tell someone that a file's columns were moved, since Moodle reads by position.
_KNOWN_HEADERS = {
    name.lower(): index
    for index, names in enumerate(
        (
            ("Parent ID number", "Parent id number"),
            ("ID number", "Id number"),
            ("Short name", "Shortname"),
            ("Description",),
            ("Description format",),
            ("Scale values",),
            ("Scale configuration",),
            ("Rule type (optional)",),
            ("Rule outcome (optional)",),
            ("Rule config (optional)",),
            (
                "Cross-referenced competency ID numbers",
                "Cross referenced competency id numbers",
                "Cross referenced competency id numbers (optional)",
            ),
            ("Exported ID (optional)", "Exported id (optional)"),
            ("Is framework",),
            ("Taxonomy",),
        )
    )
    for name in names
}

RULE_CLASSES = {
    Competency.RuleType.ALL: "core_competency\\competency_rule_all",
    Competency.RuleType.POINTS: "core_competency\\competency_rule_points",
}
_RULE_BY_CLASS = {name: rule for rule, name in RULE_CLASSES.items()}
_FORMATS = {str(int(choice)) for choice in DescriptionFormat}


# PHP's CSV, as Moodle writes and reads it ------------------------------------------


def php_csv_line(cells: list[str]) -> str:
    """One line as PHP's fputcsv writes it (Moodle's csv_export_writer): a cell is
    quoted when it holds a comma, quote, backslash, space, tab or line break; quotes
    are doubled except right after a backslash (PHP's escape character)."""
    out = []
    for cell in cells:
        if not any(ch in cell for ch in ',"\\ \t\r\n'):
            out.append(cell)
            continue
        buf, escaped = ['"'], False
        for ch in cell:
            if ch == "\\":
                escaped = True
            elif not escaped and ch == '"':
                buf.append('"')
            else:
                escaped = False
            buf.append(ch)
        buf.append('"')
        out.append("".join(buf))
    return ",".join(out) + "\n"


def php_csv_rows(text: str) -> list[list[str]]:
    """Rows as Moodle's csv_import_reader reads them with PHP's fgetcsv: line ends
    normalised, a backslash keeps the next character inside a quoted cell (so a
    quote after a backslash does not end it), doubled quotes are one quote."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    quoted = False
    at_start = True
    while i < n:
        ch = text[i]
        if quoted:
            if ch == "\\" and i + 1 < n:
                cell.append(ch)
                cell.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    cell.append('"')
                    i += 2
                    continue
                quoted = False
                i += 1
                continue
            cell.append(ch)
            i += 1
            continue
        if ch == '"' and at_start:
            quoted = True
            at_start = False
        elif ch == ",":
            row.append("".join(cell))
            cell, at_start = [], True
        elif ch == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_start = [], [], True
        else:
            cell.append(ch)
            at_start = False
        i += 1
    if quoted:
        raise FrameworkImportError(
            _(
                "A quoted cell is never closed: the file ends inside quotation marks. "
                "Export the file again from Moodle, or close the quotation."
            )
        )
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


# Writing ------------------------------------------------------------------------------


def _multilang(en: str, zh: str, *, escape: bool = True) -> str:
    if not zh:
        return en
    if escape:
        en, zh = html.escape(en, quote=False), html.escape(zh, quote=False)
    return (
        f'<span lang="en" class="multilang">{en}</span>'
        f'<span lang="zh-cn" class="multilang">{zh}</span>'
    )


def _description_cells(en: str, zh: str, text_format: int) -> tuple[str, str, bool]:
    """(Description, Description format, whether plain text went into HTML spans)."""
    if not zh:
        return en, str(int(text_format)), False
    if text_format in HTML_FORMATS:
        return _multilang(en, zh, escape=False), str(int(text_format)), False
    return _multilang(en, zh), str(int(DescriptionFormat.HTML)), True


def _points_config_out(config: dict | None, ids: dict[str, str]) -> str:
    config = config or {}
    return json.dumps(
        {
            "base": {"points": (config.get("base") or {}).get("points", 0)},
            "competencies": [
                {
                    "id": int(ids[entry["code"]]),
                    "points": entry["points"],
                    "required": 1 if entry["required"] else 0,
                }
                for entry in config.get("competencies", [])
                if entry.get("code") in ids
            ],
        },
        separators=(",", ":"),
    )


def moodle_csv_write(data: FrameworkData, *, scale_id: int | None = None) -> bytes:
    """The framework as Moodle's exporter writes it: its header and cell order, PHP's
    quoting, "\\n" line ends; plus a UTF-8 byte-order mark, which Moodle's writer
    does not add but its reader strips, so that Excel on Chinese Windows shows the
    text right. What Moodle has no column for travels under "civicskills" in the
    first element of the framework's Scale configuration, which Moodle keeps."""
    for level in data.scale.levels:
        if "," in level.name or "," in level.name_zh:
            raise FrameworkExportError(
                _(
                    "Level “%(level)s” has a comma in its name, and Moodle separates "
                    "scale values with commas. Rename the level, then export again."
                )
                % {"level": level.name}
            )
    plain_text: list[str] = []
    description, description_format, was_plain = _description_cells(
        data.description, data.description_zh, data.description_format
    )
    from_attribution = not (data.description or data.description_zh)
    if from_attribution and (data.attribution or data.attribution_zh):
        # Moodle shows the Description: there the licence credit is seen.
        description, description_format, was_plain = _description_cells(
            data.attribution, data.attribution_zh, DescriptionFormat.PLAIN
        )
    if was_plain:
        plain_text.append("")

    ids = {item.code: item.export_id for item in data.items}
    order = {code: position for position, code in enumerate(ids)}
    # Moodle lists a cross-reference on both competencies, in tree order.
    related_codes: dict[str, set[str]] = {}
    for item in data.items:
        for rel in item.relations:
            if rel.kind == CompetencyRelation.Kind.RELATED and not rel.uri:
                related_codes.setdefault(item.code, set()).add(rel.code)
                related_codes.setdefault(rel.code, set()).add(item.code)
    item_cells = []
    for item in data.items:
        text, text_format, was_plain = _description_cells(
            item.description, item.description_zh, item.description_format
        )
        if was_plain:
            plain_text.append(item.code)
        related = sorted(
            related_codes.get(item.code, set()) - {item.code},
            key=lambda code: (order.get(code, len(order)), code),
        )
        rule_config = "null"
        if item.rule_type == Competency.RuleType.POINTS:
            rule_config = _points_config_out(item.rule_config, ids)
        cells = [""] * len(MOODLE_COLUMNS)
        cells[PARENT] = item.parent
        cells[IDNUMBER] = item.code
        cells[SHORTNAME] = _multilang(item.name, item.name_zh)
        cells[DESCRIPTION] = text
        cells[DESCRIPTION_FORMAT] = text_format
        cells[RULE_TYPE] = RULE_CLASSES.get(item.rule_type, "")
        cells[RULE_OUTCOME] = str(item.rule_outcome if item.rule_type else 0)
        cells[RULE_CONFIG] = rule_config
        cells[RELATED] = ",".join(code.replace(",", "%2C") for code in related)
        cells[EXPORT_ID] = item.export_id
        item_cells.append(cells)

    kept_relations = [
        {
            "from": item.code,
            "kind": rel.kind,
            "code": rel.code,
            "uri": rel.uri,
            "title": rel.title,
        }
        for item in data.items
        for rel in item.relations
        if rel.kind != CompetencyRelation.Kind.RELATED or rel.uri
    ]
    extension = {
        "framework": {
            "version": data.version,
            "source": data.source,
            "licence": data.licence,
            "attribution": data.attribution,
            "attribution_zh": data.attribution_zh,
            "description_is_attribution": from_attribution,
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
        "plain_text": plain_text,
        "item_types": {
            item.code: item.item_type for item in data.items if item.item_type
        },
        "relations": kept_relations,
    }
    default = data.scale_default or 1
    configuration: list[dict] = [
        {"scaleid": str(scale_id or 0), EXTENSION_KEY: extension}
    ]
    for lv in data.scale.levels:
        is_default = lv.value == default
        proficient = lv.value >= data.scale.proficient_level
        # Moodle's scale dialogue lists only the levels that are one or the other.
        if is_default or proficient:
            configuration.append(
                {
                    "id": lv.value,
                    "scaledefault": 1 if is_default else 0,
                    "proficient": 1 if proficient else 0,
                }
            )
    taxonomies = data.taxonomies or _taxonomies_for(data.items)
    framework_cells = [""] * len(MOODLE_COLUMNS)
    framework_cells[IDNUMBER] = data.code
    framework_cells[SHORTNAME] = _multilang(data.name, data.name_zh)
    framework_cells[DESCRIPTION] = description
    framework_cells[DESCRIPTION_FORMAT] = description_format
    framework_cells[SCALE_VALUES] = ",".join(
        _multilang(lv.name, lv.name_zh) for lv in data.scale.levels
    )
    framework_cells[SCALE_CONFIGURATION] = json.dumps(
        configuration, ensure_ascii=False, separators=(",", ":")
    )
    framework_cells[IS_FRAMEWORK] = "1"
    framework_cells[TAXONOMY] = taxonomies
    lines = [php_csv_line(list(MOODLE_COLUMNS)), php_csv_line(framework_cells)]
    lines += [php_csv_line(cells) for cells in item_cells]
    return ("\ufeff" + "".join(lines)).encode("utf-8")


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


def _taxonomies_for(items: list[ItemData]) -> str:
    max_depth = max(_depths(items).values(), default=1)
    return ",".join(["domain"] + ["competency"] * (max_depth - 1))


# Reading ------------------------------------------------------------------------------


def _split_multilang(text: str) -> tuple[str, str] | None:
    """(English, Chinese) inner text of Moodle multilang spans, or None when there are
    none. Like Moodle's filter, a language it does not find falls back to the first."""
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
        if lang.startswith("zh") and zh is None:
            zh = inner
        elif (lang == "en" or lang.startswith("en-")) and en is None:
            en = inner
    if en is None:
        others = [inner for lang, inner in spans if not lang.startswith("zh")]
        en = others[0] if others else ""
    return en, zh or ""


def _name(value: str) -> tuple[str, str]:
    """(English, Chinese) of a Short name (plain text in Moodle, PARAM_TEXT)."""
    parts = _split_multilang(value)
    if parts is None:
        return html.unescape(strip_tags(value)).strip(), ""
    en, zh = (html.unescape(strip_tags(part)).strip() for part in parts)
    return en, zh


def _description(value: str, text_format: int, plain: bool) -> tuple[str, str, int]:
    """(English, Chinese, format) of a Description: HTML stays HTML (sanitised), our
    own bilingual plain text (`plain`) is unescaped back to plain text."""
    if text_format not in HTML_FORMATS:
        return value, "", text_format
    parts = _split_multilang(value)
    if parts is not None and plain:
        en, zh = (html.unescape(part) for part in parts)
        return en, zh, DescriptionFormat.PLAIN
    if parts is not None:
        en, zh = (rich_text_clean(part) for part in parts)
        return en, zh, text_format
    return rich_text_clean(value), "", text_format


_TRUE = {"1", "true"}
_FALSE = {"", "0", "false"}


def moodle_csv_read(text: str) -> FrameworkData:
    problems = Problems()
    numbered = [
        (number, cells)
        for number, cells in enumerate(php_csv_rows(text), start=1)
        if any(cell.strip() for cell in cells)
    ]
    if not numbered:
        raise FrameworkImportError(
            _("The file is empty. Choose a Moodle competency CSV or a CASE JSON file.")
        )
    header_number, header = numbered[0]
    _header_check(header_number, header)
    framework_rows: list[tuple[int, list[str]]] = []
    rows: list[tuple[int, list[str]]] = []
    for number, cells in numbered[1:]:
        if len(cells) > len(MOODLE_COLUMNS):
            problems.add(
                row_where(number),
                _(
                    "it has %(found)s cells, but a Moodle framework file has "
                    "%(count)s columns. Remove the extra cells or put quotation marks "
                    "around text that contains commas."
                )
                % {"found": len(cells), "count": len(MOODLE_COLUMNS)},
            )
            continue
        cells = cells + [""] * (len(MOODLE_COLUMNS) - len(cells))
        flag = cells[IS_FRAMEWORK].strip().lower()
        if flag not in _TRUE | _FALSE:
            problems.add(
                row_where(number),
                _(
                    "column 13 (“Is framework”) must be 1 for the framework row and "
                    "empty or 0 for a competency, not “%(value)s”. Moodle reads the "
                    "columns by position: check that none is missing or moved."
                )
                % {"value": cells[IS_FRAMEWORK][:40]},
            )
            continue
        (framework_rows if flag in _TRUE else rows).append((number, cells))
    if not framework_rows:
        problems.add(
            "",
            _(
                "No framework row: one row must have “Is framework” (column 13) = 1, "
                "with the framework's ID number, name and scale."
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
    number, cells = framework_rows[0]
    where = row_where(number)
    scale, extension = _moodle_scale(where, cells, problems)
    plain_codes = set(_list(extension.get("plain_text")))
    items = [
        _item(row_number, row_cells, scale, cells, plain_codes, problems)
        for row_number, row_cells in rows
    ]
    items = [item for item in items if item is not None]
    _item_extension(where, items, extension, problems)
    _rules_resolve(items, problems)
    problems.raise_if_any()

    meta = _dict(extension.get("framework"))
    code = cells[IDNUMBER].strip()
    name, name_zh = _name(cells[SHORTNAME])
    text_format = _format(where, cells[DESCRIPTION_FORMAT], problems)
    description, description_zh, text_format = _description(
        cells[DESCRIPTION], text_format, "" in plain_codes
    )
    attribution = str(meta.get("attribution") or "")
    attribution_zh = str(meta.get("attribution_zh") or "")
    if meta.get("description_is_attribution"):
        description, description_zh = "", ""
        text_format = DescriptionFormat.PLAIN
    taxonomies = cells[TAXONOMY].strip()
    message = taxonomy_error(taxonomies)
    if message:
        problems.add(where, _("column 14 (“Taxonomy”): ") + message)
    problems.raise_if_any()
    # Moodle files sometimes name the framework as the parent of the areas.
    for item in items:
        if item.parent == code:
            item.parent = ""
    return FrameworkData(
        code=code,
        name=name,
        name_zh=name_zh,
        version=str(meta.get("version") or ""),
        source=str(meta.get("source") or ""),
        licence=str(meta.get("licence") or ""),
        attribution=attribution,
        attribution_zh=attribution_zh,
        description=description,
        description_zh=description_zh,
        description_format=text_format,
        taxonomies=taxonomies,
        scale_default=scale.default_level,
        where=where,
        scale=scale.data,
        items=items,
    )


def _header_check(number: int, header: list[str]) -> None:
    found = [cell.strip() for cell in header]
    if len(found) == 1 and (";" in found[0] or "\t" in found[0]):
        raise FrameworkImportError(
            row_where(number)
            + ": "
            + _(
                "the columns are separated by semicolons or tabs. Save the file as "
                "comma-separated CSV (“CSV UTF-8 (comma delimited)”)."
            )
        )
    moved = [
        (name, _KNOWN_HEADERS[name.lower()] + 1, index + 1)
        for index, name in enumerate(found)
        if name.lower() in _KNOWN_HEADERS and _KNOWN_HEADERS[name.lower()] != index
    ]
    expected = ", ".join(f"{i}. {name}" for i, name in enumerate(MOODLE_COLUMNS, 1))
    if moved:
        name, belongs, at = moved[0]
        raise FrameworkImportError(
            row_where(number)
            + ": "
            + _(
                "column “%(name)s” is column %(at)s here but column %(belongs)s in "
                "Moodle's format, and Moodle reads the columns by position. Put the "
                "columns in this order: %(expected)s."
            )
            % {"name": name, "at": at, "belongs": belongs, "expected": expected}
        )
    if len(found) != len(MOODLE_COLUMNS):
        raise FrameworkImportError(
            row_where(number)
            + ": "
            + _(
                "the header has %(found)s columns, but a Moodle competency framework "
                "file has %(count)s, in this order: %(expected)s. (The words of the "
                "header may be in any language; the number and order of the columns "
                "count.)"
            )
            % {"found": len(found), "count": len(MOODLE_COLUMNS), "expected": expected}
        )


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _format(where: str, raw: str, problems: Problems) -> int:
    raw = raw.strip()
    if not raw:
        return DescriptionFormat.HTML  # Moodle's default
    if raw not in _FORMATS:
        problems.add(
            where,
            _(
                "column 5 (“Description format”) must be 0 (Moodle), 1 (HTML), 2 "
                "(plain text) or 4 (Markdown), not “%(value)s”."
            )
            % {"value": raw[:20]},
        )
        return DescriptionFormat.PLAIN
    return int(raw)


def _item(
    number: int,
    cells: list[str],
    scale: _Scale,
    framework_cells: list[str],
    plain_codes: set[str],
    problems: Problems,
) -> ItemData | None:
    where = row_where(number)
    code = cells[IDNUMBER].strip()
    if not code:
        problems.add(
            where,
            _(
                "column 2 (“ID number”) is empty. Give every competency a unique ID "
                "number."
            ),
        )
        return None
    name, name_zh = _name(cells[SHORTNAME])
    text_format = _format(where, cells[DESCRIPTION_FORMAT], problems)
    description, description_zh, text_format = _description(
        cells[DESCRIPTION], text_format, code in plain_codes
    )
    values = cells[SCALE_VALUES].strip()
    if values and (
        values != framework_cells[SCALE_VALUES].strip()
        or _scale_flags(cells[SCALE_CONFIGURATION])
        != _scale_flags(framework_cells[SCALE_CONFIGURATION])
    ):
        problems.add(
            where,
            _(
                "this competency has its own scale, but CivicSkills uses one scale "
                "per framework. Clear “Scale values” and “Scale configuration” on "
                "this row, or give it the framework's scale."
            ),
        )
    item = ItemData(
        code=code,
        name=name,
        name_zh=name_zh,
        description=description,
        description_zh=description_zh,
        description_format=text_format,
        parent=cells[PARENT].strip(),
        export_id=cells[EXPORT_ID].strip(),
        where=where,
    )
    for raw in cells[RELATED].split(","):
        other = raw.strip().replace("%2C", ",")
        if other and other != code:
            item.relations.append(
                RelationData(kind=CompetencyRelation.Kind.RELATED, code=other)
            )
    rule_class = cells[RULE_TYPE].strip().lstrip("\\")
    if rule_class:
        rule = _RULE_BY_CLASS.get(rule_class)
        if rule is None:
            problems.add(
                where,
                _(
                    "column 8 (“Rule type”) names “%(rule)s”; Moodle's rules are "
                    "%(rules)s. Leave it empty for no rule."
                )
                % {"rule": rule_class[:80], "rules": ", ".join(_RULE_BY_CLASS)},
            )
        else:
            item.rule_type = rule
        outcome = cells[RULE_OUTCOME].strip() or "0"
        if outcome not in {"0", "1", "2", "3"}:
            problems.add(
                where,
                _(
                    "column 9 (“Rule outcome”) must be 0 (nothing), 1 (attach "
                    "evidence), 2 (complete) or 3 (send for review)."
                ),
            )
        else:
            item.rule_outcome = int(outcome)
        item.rule_config = _rule_config_read(where, rule, cells[RULE_CONFIG], problems)
    return item


def _rule_config_read(
    where: str, rule: str | None, raw: str, problems: Problems
) -> dict | None:
    if rule != Competency.RuleType.POINTS:
        return None
    message = _(
        "column 10 (“Rule config”) of a points rule must be JSON like "
        '{"base":{"points":2},"competencies":[{"id":12,"points":1,"required":0}]}, '
        "where each id is a child's Exported ID."
    )
    try:
        config = json.loads(raw)
    except (json.JSONDecodeError, RecursionError, ValueError):
        problems.add(where, message)
        return None
    base = _dict(_dict(config).get("base"))
    entries = _list(_dict(config).get("competencies"))
    points = base.get("points")
    # Whole numbers in ASCII digits ("²" passes str.isdigit() but is no number).
    base_points = (
        id_from_text(str(points)) if isinstance(points, int | str) else None
    )
    ok = base_points is not None and bool(entries)
    parsed = []
    for entry in entries:
        entry = _dict(entry)
        values = [str(entry.get(key, "")).strip() for key in ("id", "points")]
        numbers = [id_from_text(value) for value in values]
        if None in numbers or "required" not in entry:
            ok = False
            break
        parsed.append(
            {
                "export_id": values[0],
                "points": numbers[1],
                "required": str(entry["required"]).strip().lower() in {"1", "true"},
            }
        )
    if not ok:
        problems.add(where, message)
        return None
    return {"base": {"points": base_points}, "competencies": parsed}


def _rules_resolve(items: list[ItemData], problems: Problems) -> None:
    """Points rules name children by the file's Exported ID (as Moodle's importer maps
    them); keep them by code, with Moodle's checks."""
    by_export = {item.export_id: item for item in items if item.export_id}
    for item in items:
        config = item.rule_config
        if config is None:
            continue
        resolved, seen = [], set()
        for entry in config["competencies"]:
            child = by_export.get(entry["export_id"])
            if child is None or child.parent != item.code or child is item:
                problems.add(
                    item.where,
                    _(
                        "the points rule names Exported ID %(id)s, which is not a "
                        "child of this competency in the file."
                    )
                    % {"id": entry["export_id"]},
                )
                continue
            if child.code in seen:
                problems.add(
                    item.where,
                    _("the points rule names %(code)s twice.") % {"code": child.code},
                )
                continue
            seen.add(child.code)
            resolved.append(
                {
                    "code": child.code,
                    "points": entry["points"],
                    "required": entry["required"],
                }
            )
        required = config["base"]["points"]
        total = sum(entry["points"] for entry in resolved)
        if required < 1 or required > total:
            problems.add(
                item.where,
                _(
                    "the points rule needs %(required)s points but its children give "
                    "at most %(total)s. Lower the points required (at least 1)."
                )
                % {"required": required, "total": total},
            )
        item.rule_config = {"base": {"points": required}, "competencies": resolved}


def _item_extension(
    where: str, items: list[ItemData], extension: dict, problems: Problems
) -> None:
    by_code = {item.code: item for item in items}
    validity = _dict(extension.get("validity_months"))
    for code, months in validity.items():
        if code not in by_code:
            continue
        if not isinstance(months, int) or isinstance(months, bool) or months < 0:
            problems.add(
                where,
                _(
                    "the validity for %(code)s in “Scale configuration” must be a "
                    "whole number of months."
                )
                % {"code": code},
            )
        else:
            by_code[code].validity_months = months
    for code, item_type in _dict(extension.get("item_types")).items():
        if code in by_code and isinstance(item_type, str):
            by_code[code].item_type = item_type[:100]
    kinds = set(CompetencyRelation.Kind.values)
    for entry in _list(extension.get("relations")):
        entry = _dict(entry)
        origin = by_code.get(str(entry.get("from") or ""))
        if origin is None or entry.get("kind") not in kinds:
            continue
        origin.relations.append(
            RelationData(
                kind=str(entry["kind"]),
                code=str(entry.get("code") or "")[:100],
                uri=str(entry.get("uri") or "")[:500],
                title=str(entry.get("title") or "")[:500],
            )
        )


class _Scale:
    def __init__(self, data: ScaleData, default_level: int | None) -> None:
        self.data = data
        self.default_level = default_level


def _scale_flags(raw: str) -> list | None:
    try:
        config = json.loads(raw) if raw.strip() else None
    except (json.JSONDecodeError, RecursionError, ValueError):
        return None
    if not isinstance(config, list):
        return None
    return [entry for entry in config[1:] if isinstance(entry, dict)]


def _moodle_scale(
    where: str, cells: list[str], problems: Problems
) -> tuple[_Scale, dict]:
    """The framework row's scale, its default level and our extension (empty when
    absent)."""
    generic = _Scale(GENERIC_SCALE, None)
    values = cells[SCALE_VALUES].strip()
    if not values:
        problems.add(
            where,
            _(
                "column 6 (“Scale values”) is empty. List the level names from lowest "
                "to highest, separated by commas."
            ),
        )
        return generic, {}
    levels = []
    for position, raw in enumerate(values.split(","), start=1):
        name, name_zh = _name(raw)
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
    raw_config = cells[SCALE_CONFIGURATION].strip()
    try:
        config = json.loads(raw_config) if raw_config else None
    except (json.JSONDecodeError, RecursionError, ValueError):
        problems.add(
            where,
            _(
                "column 7 (“Scale configuration”) is not valid JSON. It should look "
                'like [{"scaleid":"1"},{"id":2,"scaledefault":1,"proficient":1}].'
            ),
        )
        return generic, {}
    if not (isinstance(config, list) and config and isinstance(config[0], dict)):
        problems.add(
            where,
            _(
                "column 7 (“Scale configuration”) must be a list starting with "
                '{"scaleid":…} followed by an entry for the default and each '
                'proficient level, e.g. {"id":2,"scaledefault":1,"proficient":1}.'
            ),
        )
        return generic, {}
    proficient: list[int] = []
    defaults: list[int] = []
    for entry in config[1:]:
        level_id = entry.get("id") if isinstance(entry, dict) else None
        try:
            level_id = int(level_id)  # type: ignore[arg-type]
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
                    "id": str(entry.get("id") if isinstance(entry, dict) else entry)[
                        :20
                    ],
                    "count": len(levels),
                },
            )
            continue
        if str(entry.get("proficient", 0)).lower() in {"1", "true"}:
            proficient.append(level_id)
        if str(entry.get("scaledefault", 0)).lower() in {"1", "true"}:
            defaults.append(level_id)
    if not proficient:
        problems.add(
            where,
            _(
                "“Scale configuration” marks no level as proficient. Set "
                '"proficient":1 on the lowest proficient level and every level above.'
            ),
        )
    if not defaults:
        problems.add(
            where,
            _(
                "“Scale configuration” marks no level as the default (Moodle requires "
                'one). Set "scaledefault":1 on one level.'
            ),
        )
    extension = _dict(config[0].get(EXTENSION_KEY))
    scale_ext = _dict(extension.get("scale"))
    ext_levels = _list(scale_ext.get("levels"))
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
    scale = ScaleData(
        code=str(scale_ext.get("code") or cells[IDNUMBER].strip())[:32],
        name=str(scale_ext.get("name") or _name(cells[SHORTNAME])[0])[:200],
        name_zh=str(scale_ext.get("name_zh") or ""),
        # Proficiency here is a threshold: the lowest proficient level and above.
        proficient_level=min(proficient) if proficient else 1,
        levels=levels,
        derived_code=not scale_ext.get("code"),
    )
    return _Scale(scale, defaults[0] if defaults else None), extension
