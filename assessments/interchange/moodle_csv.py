"""Moodle's competency framework CSV, out and in (see the package's docstring for the
multi-language and extension conventions)."""

from __future__ import annotations

import html
import json
import re

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from ..spreadsheets import csv_bytes, csv_rows
from .data import (
    EXTENSION_KEY,
    GENERIC_SCALE,
    FrameworkData,
    FrameworkExportError,
    FrameworkImportError,
    ItemData,
    LevelData,
    Problems,
    ScaleData,
    row_where,
)

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


def _multilang(en: str, zh: str) -> str:
    if not zh:
        return en
    return (
        f'<span lang="en" class="multilang">{html.escape(en, quote=False)}</span>'
        f'<span lang="zh-cn" class="multilang">{html.escape(zh, quote=False)}</span>'
    )


def moodle_csv_write(data: FrameworkData) -> bytes:
    """The framework as Moodle's CSV, UTF-8 with a byte-order mark (Excel on Chinese
    Windows then shows it right; Moodle strips it)."""
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

    rows: list[list[str] | tuple[str, ...]] = [MOODLE_COLUMNS]
    text, text_format = description(data.attribution, data.attribution_zh)
    rows.append(
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
        rows.append(
            row(
                parentidnumber=item.parent,
                idnumber=item.code,
                shortname=_multilang(item.name, item.name_zh),
                description=text,
                descriptionformat=text_format,
                isframework="0",
            )
        )
    # Moodle reads the cells verbatim: an apostrophe would become part of the data.
    return csv_bytes(rows, neutralise=False)


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


def moodle_csv_read(text: str) -> FrameworkData:
    problems = Problems()
    rows = list(
        enumerate(
            csv_rows(text, delimiter=",", error_class=FrameworkImportError), start=1
        )
    )
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
                row_where(number),
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
                row_where(number),
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
                row_where(number),
                _("“ID number” is empty. Give every competency a unique ID number."),
            )
            continue
        if cell("Scale values").strip():
            problems.add(
                row_where(number),
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
                where=row_where(number),
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
    where = row_where(number)
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
            row_where(number)
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
            row_where(number)
            + _(
                " (the header): %(problems)s. The first row must name these columns: "
                "%(expected)s."
            )
            % {"problems": "; ".join(parts), "expected": expected}
        )
    return columns


def _moodle_scale(where, cell, problems: Problems) -> tuple[ScaleData, dict]:
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
