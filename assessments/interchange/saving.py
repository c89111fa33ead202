"""Checks shared by both formats (everything a file could get wrong, reported at
once), then the writes, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Competency, Framework, ProficiencyScale, ScaleLevel
from .data import FrameworkData, FrameworkImportError, ItemData, Problems, ScaleData


@dataclass
class FrameworkPlan:
    scale: ProficiencyScale | None  # an existing scale to reuse
    scale_code: str  # the code for a new scale when `scale` is None
    order: list[ItemData]  # parents before children


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
    return FrameworkPlan(scale=scale, scale_code=scale_code, order=order)


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
