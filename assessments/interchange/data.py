"""The shape both interchange formats are read into and written from, the errors,
and reading a framework from the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Competency, Framework

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
