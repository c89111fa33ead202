"""Synthetic large organisations for benchmarks (`manage.py seed_scale`).

A province tree — province → cities → counties → bureaus and townships → sections —
sized to the number of learners asked for (about 60 people per leaf unit), with
people spread over the leaves, ranks and positions from the demo data, and optional
competency evidence so that analytics has something to aggregate. Deterministic for
a given seed and idempotent: rows are keyed by code and employee number, so asking
for the same size twice adds nothing, and asking for more adds only the difference.
Accounts get no usable password.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments.models import Competency, CompetencyLevel, Evidence
from learning.demo import county_data as data
from learning.demo.organisation import seed_ranks_and_positions
from learning.organisation.models import Department, LearnerProfile, Position, Rank

User = get_user_model()
ROOT_CODE = "SC"
PEOPLE_PER_LEAF = 60
BUREAUS = ["XZSP", "DSJ", "CZJ", "MZJ", "RSJ", "SCJG", "WJJ", "JYJ"]
SECTIONS_PER_UNIT = 3
BATCH = 2000


@dataclass
class ScaleCounts:
    departments: int = 0
    people: int = 0
    evidence: int = 0


def _shape(learners: int) -> tuple[int, int]:
    """(cities, counties per city) giving roughly enough leaf sections."""
    leaves_needed = max(1, math.ceil(learners / PEOPLE_PER_LEAF))
    # Each county: len(BUREAUS) bureaus + 4 townships, each with SECTIONS_PER_UNIT
    # sections.
    leaves_per_county = (len(BUREAUS) + 4) * SECTIONS_PER_UNIT
    counties = max(1, math.ceil(leaves_needed / leaves_per_county))
    cities = max(1, round(math.sqrt(counties / 4)))
    return cities, math.ceil(counties / cities)


def _tree(learners: int) -> list[dict]:
    """Every department as a dict, parents before children."""
    cities, counties_per_city = _shape(learners)
    names = {code: (name, name_en) for code, name, name_en in _bureau_names()}
    nodes = [
        {
            "code": ROOT_CODE,
            "name": "示范省",
            "name_en": "Demonstration Province",
            "kind": Department.Kind.COUNTY,
            "parent": None,
        }
    ]
    for c in range(1, cities + 1):
        city = f"{ROOT_CODE}-C{c:02d}"
        nodes.append(
            {
                "code": city,
                "name": f"第{c}市",
                "name_en": f"City {c}",
                "kind": Department.Kind.COUNTY,
                "parent": ROOT_CODE,
            }
        )
        for k in range(1, counties_per_city + 1):
            county = f"{city}-K{k:02d}"
            nodes.append(
                {
                    "code": county,
                    "name": f"第{c}市第{k}县",
                    "name_en": f"County {c}-{k}",
                    "kind": Department.Kind.COUNTY,
                    "parent": city,
                }
            )
            units = [(b, *names[b], Department.Kind.BUREAU) for b in BUREAUS]
            units += [
                (f"T{t}", f"第{t}镇", f"Town {t}", Department.Kind.TOWNSHIP)
                for t in range(1, 5)
            ]
            for unit_code, name, name_en, kind in units:
                unit = f"{county}-{unit_code}"
                nodes.append(
                    {
                        "code": unit,
                        "name": name,
                        "name_en": name_en,
                        "kind": kind,
                        "parent": county,
                    }
                )
                for s in range(1, SECTIONS_PER_UNIT + 1):
                    nodes.append(
                        {
                            "code": f"{unit}-S{s}",
                            "name": f"第{s}科室",
                            "name_en": f"Section {s}",
                            "kind": Department.Kind.SECTION,
                            "parent": unit,
                        }
                    )
    return nodes


def _bureau_names() -> list[tuple[str, str, str]]:
    by_code = {d["code"]: d for d in data.DEPARTMENTS}
    return [
        (code, by_code[f"QX-{code}"]["name"], by_code[f"QX-{code}"]["name_en"])
        for code in BUREAUS
    ]


def seed_departments(learners: int) -> int:
    existing = {
        d.code: d for d in Department.objects.filter(code__startswith=ROOT_CODE)
    }
    created = 0
    for node in _tree(learners):
        if node["code"] in existing:
            continue
        instance = Department(
            code=node["code"],
            name=node["name"],
            name_en=node["name_en"],
            kind=node["kind"],
        )
        if node["parent"] is None:
            existing[node["code"]] = Department.add_root(instance=instance)
        else:
            parent = existing[node["parent"]]
            parent.refresh_from_db(fields=["path", "depth", "numchild"])
            existing[node["code"]] = parent.add_child(instance=instance)
        created += 1
    return created


def seed_people(learners: int, seed: int) -> int:
    rng = random.Random(seed)
    leaves = list(
        Department.objects.subtree(Department.objects.get(code=ROOT_CODE))
        .filter(kind=Department.Kind.SECTION)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    positions = list(Position.objects.filter(code__in=["KY", "BSY", "CKRY", "KZ"]))
    ranks = list(Rank.objects.order_by("order")[:5])
    existing = set(
        LearnerProfile.objects.filter(
            employee_number__startswith=ROOT_CODE
        ).values_list("employee_number", flat=True)
    )
    unusable = make_password(None)
    start = datetime.date(1995, 1, 1)
    created = 0
    plan = []
    for number in range(1, learners + 1):
        # Draw for everyone, even those who exist, so the same seed gives the same
        # person the same record whatever was created before.
        record = (
            f"{ROOT_CODE}{number:07d}",
            data.person_name(rng),
            leaves[(number - 1) % len(leaves)],
            rng.choice(positions).pk if positions else None,
            rng.choice(ranks).pk if ranks else None,
            start + datetime.timedelta(days=rng.randrange(11000)),
        )
        if record[0] not in existing:
            plan.append(record)
    for offset in range(0, len(plan), BATCH):
        chunk = plan[offset : offset + BATCH]
        with transaction.atomic():
            User.objects.bulk_create(
                [
                    User(username=r[0], first_name=r[1], password=unusable)
                    for r in chunk
                ],
                ignore_conflicts=True,
            )
            users = dict(
                User.objects.filter(username__in=[r[0] for r in chunk]).values_list(
                    "username", "pk"
                )
            )
            LearnerProfile.objects.bulk_create(
                [
                    LearnerProfile(
                        user_id=users[r[0]],
                        employee_number=r[0],
                        full_name=r[1],
                        department_id=r[2],
                        position_id=r[3],
                        rank_id=r[4],
                        hire_date=r[5],
                    )
                    for r in chunk
                ]
            )
        created += len(chunk)
    return created


def seed_evidence(seed: int, per_person: int = 4) -> int:
    """Quiz evidence and current levels for people who have none yet, in bulk (the
    level of each row equals its only piece of evidence, as the level rule gives)."""
    rng = random.Random(seed + 1)
    competencies = list(
        Competency.objects.filter(depth__gt=1, framework__code="CSEG").order_by("code")
    )
    if not competencies:
        return 0
    people = (
        LearnerProfile.objects.filter(employee_number__startswith=ROOT_CODE)
        .exclude(user__competency_evidence__isnull=False)
        .values_list("user_id", flat=True)
        .order_by("user_id")
    )
    now = timezone.now()
    written = 0
    user_ids = list(people)
    for offset in range(0, len(user_ids), BATCH // per_person):
        chunk = user_ids[offset : offset + BATCH // per_person]
        rows = []
        for user_id in chunk:
            for competency in rng.sample(
                competencies, k=min(per_person, len(competencies))
            ):
                observed = now - datetime.timedelta(days=rng.randrange(360))
                rows.append(
                    Evidence(
                        learner_id=user_id,
                        competency=competency,
                        level=rng.choices([1, 2, 3, 4], weights=[3, 4, 2, 1])[0],
                        kind=Evidence.Kind.QUIZ,
                        source_type="scale",
                        observed_at=observed,
                    )
                )
        with transaction.atomic():
            Evidence.objects.bulk_create(rows)
            CompetencyLevel.objects.bulk_create(
                [
                    CompetencyLevel(
                        learner_id=row.learner_id,
                        competency=row.competency,
                        level=row.level,
                        evidence=row,
                    )
                    for row in rows
                ],
                ignore_conflicts=True,
            )
        written += len(rows)
    return written


def seed(*, learners: int, seed: int = 1, evidence: bool = True) -> ScaleCounts:
    seed_ranks_and_positions()
    counts = ScaleCounts()
    counts.departments = seed_departments(learners)
    counts.people = seed_people(learners, seed)
    if evidence:
        counts.evidence = seed_evidence(seed)
    return counts
