"""IMS CASE 1.0 JSON packages, out and in (see the package's docstring for the
extension and identifier conventions)."""

from __future__ import annotations

import datetime
import json
import uuid

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .data import (
    EXTENSION_KEY,
    GENERIC_SCALE,
    FrameworkData,
    FrameworkImportError,
    ItemData,
    LevelData,
    Problems,
    ScaleData,
    case_item_where,
)

# Fixed namespace: identifiers derived from codes stay the same on every server.
CASE_NAMESPACE = uuid.UUID("6f3f2b1e-8c1d-5a4e-9b7a-2f1c0d9e4a51")

LICENCE_URIS = {
    "CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC BY-NC 4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC0 1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def _case_id(kind: str, code: str) -> str:
    return str(uuid.uuid5(CASE_NAMESPACE, f"{kind}:{code}"))


def case_json_write(data: FrameworkData) -> str:
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


def case_json_read(text: str) -> FrameworkData:
    problems = Problems()
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
        where = case_item_where(identifier or f"#{position}")
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


def _case_scale(where: str, raw, problems: Problems) -> ScaleData:
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
