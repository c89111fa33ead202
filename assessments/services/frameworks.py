"""Loading the frameworks the platform ships (DigComp 2.2 and the e-government
branch) from assessments/data/*.json."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from ..models import Competency, Framework, ProficiencyScale, ScaleLevel

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_FRAMEWORK_FILES = ("digcomp22.json", "egov.json")


@transaction.atomic
def framework_load(*, data: dict) -> Framework:
    """Create or update a framework, its scale and competency tree from the shipped
    JSON shape. Idempotent: existing rows (matched by code) are updated in place,
    nothing is deleted."""
    scale_data = data["scale"]
    scale, _created = ProficiencyScale.objects.update_or_create(
        code=scale_data["code"],
        defaults={
            "name": scale_data["name"],
            "name_zh": scale_data.get("name_zh", ""),
            "proficient_level": scale_data["proficient_level"],
        },
    )
    for level in scale_data["levels"]:
        ScaleLevel.objects.update_or_create(
            scale=scale,
            value=level["value"],
            defaults={
                "name": level["name"],
                "name_zh": level.get("name_zh", ""),
                "description": level.get("description", ""),
                "description_zh": level.get("description_zh", ""),
            },
        )
    framework, _created = Framework.objects.update_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "name_zh": data.get("name_zh", ""),
            "version": data.get("version", ""),
            "source": data.get("source", ""),
            "licence": data.get("licence", ""),
            "attribution": data.get("attribution", ""),
            "attribution_zh": data.get("attribution_zh", ""),
            # Moodle's words for the two depths (areas, competences) and its
            # default level (the one a completed rule gives): the lowest.
            "taxonomies": data.get("taxonomies", "domain,competency"),
            "scale_default": scale_data.get("default_level", 1),
            "scale": scale,
        },
    )
    existing = {c.code: c for c in Competency.objects.filter(framework=framework)}
    for item in data["competencies"]:
        fields = {
            "name": item["name"],
            "name_zh": item.get("name_zh", ""),
            "description": item.get("description", ""),
            "description_zh": item.get("description_zh", ""),
            "validity_months": item.get("validity_months"),
        }
        current = existing.get(item["code"])
        if current is not None:
            changed = [k for k, v in fields.items() if getattr(current, k) != v]
            for key in changed:
                setattr(current, key, fields[key])
            if changed:
                current.save(update_fields=changed)
            continue
        node = Competency(framework=framework, code=item["code"], **fields)
        if item.get("parent"):
            parent = existing[item["parent"]]
            parent.refresh_from_db()
            existing[item["code"]] = parent.add_child(instance=node)
        else:
            existing[item["code"]] = Competency.add_root(instance=node)
    return framework


def framework_load_defaults() -> list[Framework]:
    """Load (or refresh) every framework shipped in assessments/data."""
    frameworks = []
    for name in DEFAULT_FRAMEWORK_FILES:
        with (DATA_DIR / name).open(encoding="utf-8") as handle:
            frameworks.append(framework_load(data=json.load(handle)))
    return frameworks
