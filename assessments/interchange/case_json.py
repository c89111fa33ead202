"""IMS CASE 1.0 JSON packages (CFPackage: CFDocument, CFItems, CFAssociations,
CFDefinitions), out and in (see the package's docstring for the extension and
identifier conventions)."""

from __future__ import annotations

import datetime
import json
import uuid

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import CompetencyRelation, DescriptionFormat
from ..richtext import HTML_FORMATS, rich_text_clean, rich_text_plain
from .data import (
    EXTENSION_KEY,
    GENERIC_SCALE,
    LICENCE_URIS,
    FrameworkData,
    FrameworkImportError,
    ItemData,
    LevelData,
    Problems,
    RelationData,
    ScaleData,
    case_item_where,
)

# Fixed namespace: identifiers derived from codes stay the same on every server.
CASE_NAMESPACE = uuid.UUID("6f3f2b1e-8c1d-5a4e-9b7a-2f1c0d9e4a51")
# A CASE package is a few levels deep (package → list → item → extension → …); a
# file nested deeper than this is not a framework and is refused before it is read.
MAX_DEPTH = 32
MAX_ITEMS = 50_000
NAME_LENGTH = 300


def _case_id(kind: str, code: str) -> str:
    return str(uuid.uuid5(CASE_NAMESPACE, f"{kind}:{code}"))


def _ref(title: str, identifier: str) -> dict:
    return {"title": title, "identifier": identifier, "uri": f"urn:uuid:{identifier}"}


def _item_type(item: ItemData, depth: int, taxonomies: list[str]) -> str:
    if item.item_type:
        return item.item_type
    term = taxonomies[depth - 1] if 0 < depth <= len(taxonomies) else ""
    return (term or "competency").capitalize()


def case_json_write(data: FrameworkData) -> str:
    changed = timezone.now().replace(microsecond=0).astimezone(datetime.UTC)
    changed_at = changed.isoformat()
    doc_id = _case_id("framework", data.code)
    doc_ref = _ref(data.name, doc_id)
    document = {
        "identifier": doc_id,
        "uri": doc_ref["uri"],
        "creator": data.attribution or data.name,
        "title": data.name,
        "lastChangeDateTime": changed_at,
        "description": rich_text_plain(data.description, data.description_format),
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
                "description": data.description,
                "description_zh": data.description_zh,
                "description_format": int(data.description_format),
                "taxonomies": data.taxonomies,
                "scale": {
                    "code": data.scale.code,
                    "name": data.scale.name,
                    "name_zh": data.scale.name_zh,
                    "proficient_level": data.scale.proficient_level,
                    "default_level": data.scale_default,
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
    parent_of = {item.code: item.parent for item in data.items}
    taxonomies = data.taxonomies.split(",") if data.taxonomies else ["domain"]
    refs: dict[str, dict] = {}
    types: dict[str, dict] = {}
    items = []
    for item in data.items:
        item_id = _case_id("competency", item.code)
        refs[item.code] = _ref(item.name, item_id)
        depth, node = 0, item.code
        while node and depth <= len(parent_of):
            depth, node = depth + 1, parent_of.get(node, "")
        type_title = _item_type(item, depth, taxonomies)
        type_id = _case_id("itemtype", type_title)
        types[type_title] = {
            "identifier": type_id,
            "uri": f"urn:uuid:{type_id}",
            "title": type_title,
            "description": type_title,
            "hierarchyCode": type_title,
            "lastChangeDateTime": changed_at,
        }
        entry: dict = {
            "identifier": item_id,
            "uri": refs[item.code]["uri"],
            "CFDocumentURI": doc_ref,
            "fullStatement": item.name,
            "humanCodingScheme": item.code,
            "CFItemType": type_title,
            "CFItemTypeURI": _ref(type_title, type_id),
            "language": "en",
            "lastChangeDateTime": changed_at,
            "extensions": {
                EXTENSION_KEY: {
                    "fullStatement_zh": item.name_zh,
                    # Empty when CFItemType was derived from the taxonomy.
                    "item_type": item.item_type,
                    "notes_zh": rich_text_plain(
                        item.description_zh, item.description_format
                    ),
                    "description": item.description,
                    "description_zh": item.description_zh,
                    "description_format": int(item.description_format),
                    "validity_months": item.validity_months,
                    "rule": (
                        {
                            "type": item.rule_type,
                            "outcome": item.rule_outcome,
                            "config": item.rule_config,
                        }
                        if item.rule_type
                        else None
                    ),
                }
            },
        }
        if item.description:
            entry["notes"] = rich_text_plain(item.description, item.description_format)
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
    for item in data.items:
        for relation in item.relations:
            if relation.code in refs and not relation.uri:
                destination = refs[relation.code]
            else:
                identifier = relation.code or _case_id("external", relation.uri)
                destination = {
                    "title": relation.title or relation.code,
                    "identifier": identifier,
                    "uri": relation.uri or f"urn:uuid:{identifier}",
                }
            assoc_id = _case_id(
                relation.kind, f"{item.code}>{destination['identifier']}"
            )
            associations.append(
                {
                    "identifier": assoc_id,
                    "uri": f"urn:uuid:{assoc_id}",
                    "associationType": relation.kind,
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
        "CFDefinitions": {
            "CFConcepts": [],
            "CFSubjects": [],
            "CFLicenses": [],
            "CFItemTypes": list(types.values()),
            "CFAssociationGroupings": [],
        },
    }
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"


# Reading ------------------------------------------------------------------------------


def _not_json(what: str) -> FrameworkImportError:
    return FrameworkImportError(
        _(
            "The file is not a CASE package that can be read: %(what)s. Export it "
            "again from the source system as a CASE 1.0 JSON package."
        )
        % {"what": what}
    )


def _refuse_constant(name: str):
    raise _not_json(
        _("it contains %(name)s, which JSON does not allow") % {"name": name}
    )


def _parse(text: str):
    """The JSON value, refusing what a framework never holds: NaN/Infinity, numbers
    too long to read, nesting deeper than MAX_DEPTH (Python's parser stops a very
    deep file itself; the walk after it stops at the first node too deep)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise FrameworkImportError(
            _(
                "The file is not valid JSON (line %(line)s, column %(column)s: "
                "%(error)s). Export it again from the source system."
            )
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from exc
    except RecursionError as exc:
        raise _too_deep() from exc
    except ValueError as exc:
        raise _not_json(_("it holds a number too long to read")) from exc
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return value


def _too_deep() -> FrameworkImportError:
    return _not_json(
        _("it is nested more than %(max)s levels deep") % {"max": MAX_DEPTH}
    )


def _str(value, limit: int = 10_000) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def case_json_read(text: str) -> FrameworkData:
    problems = Problems()
    package = _parse(text)
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]  # some tools wrap the package once more
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise FrameworkImportError(
            _(
                "This JSON file is not an IMS CASE framework: it has no CFDocument. "
                "Export the framework as a CASE package (CFDocument, CFItems, "
                "CFAssociations)."
            )
        )
    document = package["CFDocument"]
    doc_id = _str(document.get("identifier"), 200)
    where_doc = _("CFDocument %(identifier)s") % {"identifier": doc_id or "?"}
    ext = _extension(document)
    title = _str(document.get("title"), 1000)
    if not doc_id:
        problems.add(where_doc, _("“identifier” is missing."))
    if not title:
        problems.add(where_doc, _("“title” is missing; give the framework a title."))
    code = _str(ext.get("code"), 32) or (
        slugify(title).upper()[:32].strip("-") or f"CASE-{doc_id[:8]}"
    )
    scale, default_level = _case_scale(where_doc, ext.get("scale"), problems)

    items_raw = package.get("CFItems", [])
    associations = package.get("CFAssociations", [])
    if not isinstance(items_raw, list) or not isinstance(associations, list):
        problems.add(where_doc, _("“CFItems” and “CFAssociations” must be lists."))
        problems.raise_if_any()
    if len(items_raw) > MAX_ITEMS or len(associations) > 4 * MAX_ITEMS:
        raise _not_json(_("it has more than %(max)s items") % {"max": MAX_ITEMS})
    definitions = package.get("CFDefinitions")
    type_titles = {
        _str(entry.get("identifier"), 200): _str(entry.get("title"), 100)
        for entry in _list(_dict(definitions).get("CFItemTypes"))
        if isinstance(entry, dict)
    }
    by_id: dict[str, ItemData] = {}
    for position, raw in enumerate(items_raw, start=1):
        identifier = _str(raw.get("identifier"), 200) if isinstance(raw, dict) else ""
        where = case_item_where(identifier or f"#{position}")
        if not identifier:
            problems.add(where, _("the item has no “identifier”."))
            continue
        if identifier in by_id:
            problems.add(where, _("two CFItems share this identifier."))
            continue
        statement = _str(raw.get("fullStatement"))
        if not statement:
            problems.add(where, _("“fullStatement” is empty; every item needs one."))
            continue
        by_id[identifier] = _case_item(raw, identifier, statement, type_titles, where)
        months = by_id[identifier].validity_months
        if months is not None and (
            not isinstance(months, int) or isinstance(months, bool) or months < 0
        ):
            problems.add(where, _("validity_months must be a whole number of months."))
            by_id[identifier].validity_months = None
    parents: dict[str, tuple[str, float, int]] = {}
    kinds = set(CompetencyRelation.Kind.values)
    for position, raw in enumerate(associations, start=1):
        if not isinstance(raw, dict):
            continue
        kind = raw.get("associationType")
        assoc_where = _("CFAssociation %(identifier)s") % {
            "identifier": _str(raw.get("identifier"), 200) or f"#{position}"
        }
        origin = _node_id(raw.get("originNodeURI"))
        destination = _node_id(raw.get("destinationNodeURI"))
        if kind in kinds and origin in by_id:
            node = _dict(raw.get("destinationNodeURI"))
            target = by_id.get(destination)
            by_id[origin].relations.append(
                RelationData(kind=kind, code=target.code)
                if target is not None
                else RelationData(
                    kind=kind,
                    code=destination[:100],
                    uri=_str(node.get("uri"), 500),
                    title=_str(node.get("title"), 500),
                )
            )
            continue
        if kind != "isChildOf":
            # Other types (and associations from nodes of other documents) belong to
            # another framework; see the README.
            continue
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
        sequence = raw.get("sequenceNumber")
        order = (
            float(sequence)
            if isinstance(sequence, int | float) and not isinstance(sequence, bool)
            else float("inf")
        )
        parents[origin] = (destination, order, position)
    problems.raise_if_any()
    for identifier, item in by_id.items():
        parent = parents.get(identifier, (doc_id, 0, 0))[0]
        item.parent = "" if parent == doc_id else by_id[parent].code
    # Siblings in sequenceNumber order (then the file's order), as CASE intends.
    file_order = {identifier: n for n, identifier in enumerate(by_id)}
    ordered = sorted(
        by_id,
        key=lambda identifier: (
            parents.get(identifier, ("", float("inf"), 0))[1],
            file_order[identifier],
        ),
    )
    description_format = ext.get("description_format")
    if description_format not in {int(choice) for choice in DescriptionFormat}:
        description_format = DescriptionFormat.PLAIN
    description = _str(ext.get("description")) or _str(document.get("description"))
    description_zh = _str(ext.get("description_zh"))
    if description_format in HTML_FORMATS:
        description = rich_text_clean(description)
        description_zh = rich_text_clean(description_zh)
    taxonomies = _str(ext.get("taxonomies"), 300)
    return FrameworkData(
        code=code,
        name=title[:200] if len(title) > 200 else title,
        name_zh=_str(ext.get("title_zh"), 200),
        version=_str(document.get("version"), 32),
        source=_str(ext.get("source")),
        licence=_str(ext.get("licence"), 100)
        or _str(_dict(document.get("licenseURI")).get("title"), 100),
        attribution=_str(ext.get("attribution"))
        or _str(document.get("creator"))
        or _str(document.get("publisher")),
        attribution_zh=_str(ext.get("attribution_zh")),
        description=description,
        description_zh=description_zh,
        description_format=description_format,
        taxonomies=taxonomies,
        scale_default=default_level,
        where=where_doc,
        scale=scale,
        items=[by_id[identifier] for identifier in ordered],
    )


def _case_item(
    raw: dict, identifier: str, statement: str, type_titles: dict, where: str
) -> ItemData:
    item_ext = _extension(raw)
    name, description = statement, _str(raw.get("notes"))
    if len(statement) > NAME_LENGTH:
        # A long statement is the competency's text: a short label names it.
        name = _str(raw.get("abbreviatedStatement"), NAME_LENGTH) or (
            statement[: NAME_LENGTH - 1] + "…"
        )
        description = "\n\n".join(part for part in (statement, description) if part)
    description_zh = _str(item_ext.get("notes_zh"))
    text_format = item_ext.get("description_format")
    if text_format in {int(choice) for choice in DescriptionFormat} and isinstance(
        item_ext.get("description"), str
    ):
        description = item_ext["description"]
        description_zh = _str(item_ext.get("description_zh"))
        if text_format in HTML_FORMATS:
            description = rich_text_clean(description)
            description_zh = rich_text_clean(description_zh)
    else:
        text_format = DescriptionFormat.PLAIN
    item_type = (
        _str(raw.get("CFItemType"), 100)
        or type_titles.get(_node_id(raw.get("CFItemTypeURI")), "")
        or _str(_dict(raw.get("CFItemTypeURI")).get("title"), 100)
    )
    if isinstance(item_ext.get("item_type"), str):
        item_type = _str(item_ext["item_type"], 100)
    rule = _dict(item_ext.get("rule"))
    rule_type = rule.get("type") if rule.get("type") in {"all", "points"} else ""
    outcome = rule.get("outcome")
    return ItemData(
        code=_str(raw.get("humanCodingScheme"), 64) or identifier,
        name=name,
        name_zh=_str(item_ext.get("fullStatement_zh"), NAME_LENGTH),
        description=description,
        description_zh=description_zh,
        description_format=text_format,
        item_type=item_type,
        rule_type=rule_type,
        rule_outcome=outcome if rule_type and outcome in {0, 1, 2, 3} else 0,
        rule_config=_rule_config(rule.get("config")) if rule_type == "points" else None,
        validity_months=item_ext.get("validity_months"),
        where=where,
    )


def _rule_config(raw) -> dict | None:
    config = _dict(raw)
    points = _dict(config.get("base")).get("points")
    entries = [
        {
            "code": _str(entry.get("code"), 64),
            "points": entry.get("points"),
            "required": bool(entry.get("required")),
        }
        for entry in _list(config.get("competencies"))
        if isinstance(entry, dict)
        and isinstance(entry.get("points"), int)
        and not isinstance(entry.get("points"), bool)
    ]
    if not isinstance(points, int) or not entries:
        return None
    return {"base": {"points": points}, "competencies": entries}


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _extension(node: dict) -> dict:
    return _dict(_dict(node.get("extensions")).get(EXTENSION_KEY))


def _node_id(ref) -> str:
    return _str(_dict(ref).get("identifier"), 200)


def _case_scale(where: str, raw, problems: Problems) -> tuple[ScaleData, int | None]:
    if raw is None:
        return GENERIC_SCALE, None
    levels_raw = raw.get("levels") if isinstance(raw, dict) else None
    if not isinstance(levels_raw, list) or not levels_raw:
        problems.add(
            where,
            _("the CivicSkills scale has no levels; list them from 1 upwards."),
        )
        return GENERIC_SCALE, None
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
                name=_str(level.get("name"), 100),
                name_zh=_str(level.get("name_zh"), 100),
                description=_str(level.get("description")),
                description_zh=_str(level.get("description_zh")),
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
    default = raw.get("default_level")
    if default is not None and (
        not isinstance(default, int) or not 1 <= default <= len(levels_raw)
    ):
        problems.add(
            where,
            _("the scale's default_level must be one of its levels (1–%(max)s).")
            % {"max": len(levels_raw)},
        )
        default = None
    return (
        ScaleData(
            code=_str(raw.get("code"), 32),
            name=_str(raw.get("name"), 200),
            name_zh=_str(raw.get("name_zh"), 200),
            proficient_level=proficient,
            levels=levels,
        ),
        default,
    )
