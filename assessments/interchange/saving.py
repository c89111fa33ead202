"""Checks shared by both formats (everything a file could get wrong, reported at
once), then the writes, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import (
    Competency,
    CompetencyRelation,
    Framework,
    ProficiencyScale,
    ScaleLevel,
)
from .data import FrameworkData, FrameworkImportError, ItemData, Problems, ScaleData


@dataclass
class FrameworkPlan:
    scale: ProficiencyScale | None  # an existing scale to reuse
    scale_code: str  # the code for a new scale when `scale` is None
    order: list[ItemData]  # parents before children, siblings in the file's order
    site_targets: dict[str, int]  # related codes found on this site, not in the file


def framework_plan(data: FrameworkData) -> FrameworkPlan:
    problems = Problems()
    _field_errors(
        problems,
        data.where,
        _framework_of(data),
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
    _field_errors(
        problems, data.where, _scale_of(data, code=data.scale.code or "SCALE")
    )
    for level in data.scale.levels:
        _field_errors(
            problems,
            data.where,
            _level_of(level),
            exclude=["scale"],
            prefix=_("scale level %(value)s") % {"value": level.value},
        )
    if not data.items:
        problems.add(
            data.where,
            _("the framework has no competencies. Add at least one competency row."),
        )
    if data.scale_default is not None and not (
        1 <= data.scale_default <= len(data.scale.levels)
    ):
        problems.add(
            data.where,
            _("the default level %(level)s is not on the scale (1–%(max)s).")
            % {"level": data.scale_default, "max": len(data.scale.levels)},
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
                description_format=item.description_format,
                validity_months=item.validity_months,
                item_type=item.item_type,
                rule_type=item.rule_type,
                rule_outcome=item.rule_outcome,
                path="0",
                depth=1,
            ),
            exclude=["framework", "path", "depth", "numchild", "rule_config"],
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
    for item in first_seen.values():
        for entry in (item.rule_config or {}).get("competencies", []):
            child = first_seen.get(entry.get("code", ""))
            if child is None or child.parent != item.code:
                problems.add(
                    item.where,
                    _(
                        "its points rule names “%(code)s”, which is not one of its "
                        "children. A rule counts the competency's own children."
                    )
                    % {"code": entry.get("code", "")},
                )
    outside = {
        relation.code
        for item in first_seen.values()
        for relation in item.relations
        if relation.code and not relation.uri and relation.code not in first_seen
    }
    site_targets = dict(
        Competency.objects.filter(code__in=outside).values_list("code", "pk")
    )
    problems.raise_if_any()
    _cycles(first_seen, problems)
    problems.raise_if_any()

    order = []
    children: dict[str, list[ItemData]] = {}
    for item in first_seen.values():
        children.setdefault(item.parent, []).append(item)
    stack = list(reversed(children.get("", [])))
    while stack:
        item = stack.pop()
        order.append(item)
        stack.extend(reversed(children.get(item.code, [])))
    scale, scale_code = _scale_plan(data.scale)
    return FrameworkPlan(
        scale=scale, scale_code=scale_code, order=order, site_targets=site_targets
    )


def _framework_of(data: FrameworkData, *, scale=None) -> Framework:
    """The framework row the file describes (checked by the plan, saved by write)."""
    return Framework(
        code=data.code,
        name=data.name,
        name_zh=data.name_zh,
        version=data.version,
        source=data.source,
        licence=data.licence,
        attribution=data.attribution,
        attribution_zh=data.attribution_zh,
        description=data.description,
        description_zh=data.description_zh,
        description_format=data.description_format,
        taxonomies=data.taxonomies,
        scale_default=data.scale_default,
        scale=scale,
    )


def _scale_of(data: FrameworkData, *, code: str) -> ProficiencyScale:
    return ProficiencyScale(
        code=code,
        name=data.scale.name or data.name,
        name_zh=data.scale.name_zh,
        proficient_level=data.scale.proficient_level,
    )


def _level_of(level, *, scale=None) -> ScaleLevel:
    return ScaleLevel(
        scale=scale,
        value=level.value,
        name=level.name,
        name_zh=level.name_zh,
        description=level.description,
        description_zh=level.description_zh,
    )


def _field_errors(problems, where, instance, *, exclude=None, prefix="") -> None:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            label = instance._meta.get_field(field_name).verbose_name
            for message in messages:
                text = f"{label}: {message}"
                problems.add(where, f"{prefix}, {text}" if prefix else text)


def _cycles(items: dict[str, ItemData], problems: Problems) -> None:
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
def framework_write(data: FrameworkData, plan: FrameworkPlan) -> Framework:
    try:
        scale = plan.scale
        if scale is None:
            scale = _scale_of(data, code=plan.scale_code)
            scale.full_clean()
            scale.save()
            for level in data.scale.levels:
                row = _level_of(level, scale=scale)
                row.full_clean()
                row.save()
        framework = _framework_of(data, scale=scale)
        framework.full_clean()
        framework.save()
        nodes = _tree_nodes(framework, plan)
        Competency.objects.bulk_create(nodes)
        pks = dict(
            Competency.objects.filter(framework=framework).values_list("code", "pk")
        )
        CompetencyRelation.objects.bulk_create(_relations(plan, pks))
    except IntegrityError as exc:
        raise FrameworkImportError(
            _(
                "Another change saved the same framework or competency codes while "
                "this file was being imported. Nothing was imported; try again."
            )
        ) from exc
    return framework


def _tree_nodes(framework: Framework, plan: FrameworkPlan) -> list[Competency]:
    """The new subtree's rows with their materialised paths worked out here (the
    framework's areas after the last root, children in the file's order), so that a
    framework of thousands of competencies is two inserts, not thousands of
    treebeard calls."""
    last_root = Competency.get_last_root_node()
    next_root = last_root._get_lastpos_in_path() + 1 if last_root else 1
    steplen = Competency.steplen
    paths: dict[str, str] = {}
    children: dict[str, int] = {}
    nodes: dict[str, Competency] = {}
    for item in plan.order:
        if item.parent:
            children[item.parent] = children.get(item.parent, 0) + 1
            parent_path = paths[item.parent]
            depth = len(parent_path) // steplen + 1
            path = Competency._get_path(parent_path, depth, children[item.parent])
        else:
            depth, path = 1, Competency._get_path("", 1, next_root)
            next_root += 1
        if len(path) != depth * steplen:
            raise FrameworkImportError(
                _("%(where)s: too many competencies at one level of the tree.")
                % {"where": item.where}
            )
        paths[item.code] = path
        nodes[item.code] = Competency(
            framework=framework,
            path=path,
            depth=depth,
            numchild=0,
            code=item.code,
            name=item.name,
            name_zh=item.name_zh,
            description=item.description,
            description_zh=item.description_zh,
            description_format=item.description_format,
            validity_months=item.validity_months,
            item_type=item.item_type,
            rule_type=item.rule_type,
            rule_outcome=item.rule_outcome,
            rule_config=_rule_config_stored(item.rule_config),
        )
    for code, count in children.items():
        nodes[code].numchild = count
    return list(nodes.values())


def _rule_config_stored(config: dict | None) -> dict | None:
    if config is None:
        return None
    return {
        "base": {"points": config["base"]["points"]},
        "competencies": [
            {
                "code": entry["code"],
                "points": entry["points"],
                "required": bool(entry["required"]),
            }
            for entry in config["competencies"]
        ],
    }


def _relations(plan: FrameworkPlan, pks: dict[str, int]) -> list[CompetencyRelation]:
    """The relations to create: to a competency in the file or on this site, else to
    the node outside by its code/URI. A cross-reference (isRelatedTo) goes both ways,
    so the pair is stored once however many ends list it."""
    rows: list[CompetencyRelation] = []
    pairs: set[tuple] = set()
    for item in plan.order:
        for position, relation in enumerate(item.relations):
            target = pks.get(relation.code) or plan.site_targets.get(relation.code)
            if relation.uri:
                target = None
            if target is not None:
                key: tuple = (relation.kind, pks[item.code], target)
                if relation.kind == CompetencyRelation.Kind.RELATED:
                    key = (relation.kind, frozenset((pks[item.code], target)))
            else:
                key = (relation.kind, pks[item.code], relation.code, relation.uri)
            if key in pairs or target == pks[item.code]:
                continue
            pairs.add(key)
            rows.append(
                CompetencyRelation(
                    origin_id=pks[item.code],
                    kind=relation.kind,
                    target_id=target,
                    target_code="" if target else relation.code[:100],
                    target_uri="" if target else relation.uri[:500],
                    target_title="" if target else relation.title[:500],
                    position=position,
                )
            )
    return rows
