"""The shape both interchange formats are read into and written from, the errors,
and reading a framework from the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Competency, CompetencyRelation, DescriptionFormat, Framework

FORMAT_MOODLE_CSV = "moodle-csv"
FORMAT_CASE_JSON = "case-json"
# format → (file extension, content type), for downloads.
EXPORT_FORMATS = {
    FORMAT_MOODLE_CSV: ("csv", "text/csv; charset=utf-8"),
    FORMAT_CASE_JSON: ("json", "application/json"),
}


EXTENSION_KEY = "civicskills"
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
class RelationData:
    """A relation from an item: to `code` when the target is in the file or on this
    site, else to a node elsewhere known by its URI (and CASE identifier or Moodle ID
    number in `code`, title in `title`)."""

    kind: str
    code: str = ""
    uri: str = ""
    title: str = ""


@dataclass
class ItemData:
    code: str
    name: str
    where: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""
    description_format: int = DescriptionFormat.PLAIN
    parent: str = ""
    validity_months: int | None = None
    item_type: str = ""
    rule_type: str = ""
    rule_outcome: int = 0
    # Points rule: {"base": {"points": n}, "competencies": [{"code", "points",
    # "required"}]} (children by code, not by any system's database id).
    rule_config: dict | None = None
    relations: list[RelationData] = field(default_factory=list)
    # Our database id on export (Moodle's "Exported ID"); the file's on import.
    export_id: str = ""


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
    description: str = ""
    description_zh: str = ""
    description_format: int = DescriptionFormat.PLAIN
    taxonomies: str = ""
    scale_default: int | None = None
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


class Problems:
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


def row_where(number: int) -> str:
    return _("Row %(row)s") % {"row": number}


def case_item_where(identifier: str) -> str:
    return _("CFItem %(identifier)s") % {"identifier": identifier}


def framework_data_from_db(*, framework: Framework) -> FrameworkData:
    """Read one framework, its scale, its tree (parents before children, siblings in
    their stored order) and the relations of its competencies, in four queries."""
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
    relations: dict[int, list[RelationData]] = {}
    for relation in (
        CompetencyRelation.objects.filter(origin__framework=framework)
        .select_related("target")
        .order_by("origin", "position", "pk")
    ):
        relations.setdefault(relation.origin_id, []).append(
            RelationData(
                kind=relation.kind,
                code=relation.target.code if relation.target else relation.target_code,
                uri="" if relation.target else relation.target_uri,
                title="" if relation.target else relation.target_title,
            )
        )
    items = [
        ItemData(
            code=node.code,
            name=node.name,
            name_zh=node.name_zh,
            description=node.description,
            description_zh=node.description_zh,
            description_format=node.description_format,
            parent=code_by_path.get(node.path[: -Competency.steplen], ""),
            validity_months=node.validity_months,
            item_type=node.item_type,
            rule_type=node.rule_type,
            rule_outcome=node.rule_outcome,
            rule_config=node.rule_config,
            relations=relations.get(node.pk, []),
            export_id=str(node.pk),
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
        description=framework.description,
        description_zh=framework.description_zh,
        description_format=framework.description_format,
        taxonomies=framework.taxonomies,
        scale_default=framework.scale_default,
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
