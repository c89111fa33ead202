"""Synthetic large organisations for benchmarks (`manage.py seed_scale`).

A province tree — province → cities → counties → bureaus and townships → sections —
sized to the number of learners asked for (about 60 people per leaf unit), with
people spread over the leaves, ranks and positions from the demo data, and, for
analytics to aggregate:
- competency targets per position: a few county-wide ones and department overrides
  (each county's approval and big-data bureaus ask more, one township per county
  less, every other city more of its section chiefs in security);
- competency evidence (N pieces per person, of every kind, some revoked, some
  expired) and the current levels it gives;
- study-hour (学时) ledger entries over this year and the last;
- optionally K mandatory curricula for the whole province, assigned by the real
  sync, with a share of cycles completed (on time or late), exempt and started.

Synthetic scale data is written in bulk, not through the services: evidence, levels
and hours with COPY on PostgreSQL (batched inserts elsewhere). The current levels are
computed in SQL by the level rule of assessments.services.evidence (highest level of
valid official evidence — not revoked, not expired — ties to the most recent; the
latest valid self-assessment kept apart; level 0 when nothing counts), from the
evidence rows just written, instead of one service call per row.

Deterministic for a given seed and sequence of calls, and idempotent: departments and
people are keyed by code and employee number, evidence and hours are drawn only for
people who have none, targets and curricula by their unique keys; asking for the
same size twice adds nothing, and asking for more adds only the difference.
Accounts get no usable password.
"""

from __future__ import annotations

import datetime
import io
import math
import random
import uuid
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Mod
from django.utils import timezone

from assessments.models import Competency, Evidence
from learning.curricula.models import Assignment, Curriculum, CurriculumCourse
from learning.curricula.sync import assignments_sync
from learning.demo import county_data as data
from learning.demo.organisation import seed_ranks_and_positions
from learning.hours.models import StudyHourEntry
from learning.organisation.models import Department, LearnerProfile, Position, Rank
from learning.targets.models import CompetencyTarget

User = get_user_model()
ROOT_CODE = "SC"
PEOPLE_PER_LEAF = 60
BUREAUS = ["XZSP", "DSJ", "CZJ", "MZJ", "RSJ", "SCJG", "WJJ", "JYJ"]
SECTIONS_PER_UNIT = 3
BATCH = 2000


# People per chunk of evidence and hours: about 0.5 M evidence rows at 50 a person.
PEOPLE_CHUNK = 10_000
# A person's evidence falls on at most this many competencies.
FOCUS_COMPETENCIES = 20
CURRICULUM_PREFIX = "规模基准必修课程"
# Kinds of evidence drawn, with their weights (self-assessment kept apart by the rule).
EVIDENCE_KINDS = [
    (Evidence.Kind.QUIZ, 0.55),
    (Evidence.Kind.H5P, 0.15),
    (Evidence.Kind.COURSE, 0.15),
    (Evidence.Kind.MANAGER, 0.07),
    (Evidence.Kind.PRIOR, 0.03),
    (Evidence.Kind.SELF, 0.05),
]
REVOKED_SHARE = 0.005

# Required levels per position everywhere (department empty): position → competency.
COUNTYWIDE_TARGETS: dict[str, dict[str, int]] = {
    "CKRY": {
        "EG-1.1": 3,
        "EG-1.2": 3,
        "EG-1.3": 2,
        "EG-2.1": 2,
        "EG-4.1": 2,
        "EG-4.2": 3,
        "DC22-2.1": 3,
        "DC22-4.2": 3,
    },
    "BSY": {
        "EG-1.1": 2,
        "EG-1.4": 2,
        "EG-3.1": 2,
        "EG-4.1": 2,
        "EG-4.2": 2,
        "DC22-1.1": 3,
        "DC22-3.1": 2,
    },
    "KY": {
        "EG-2.1": 2,
        "EG-2.2": 3,
        "EG-3.1": 3,
        "EG-3.2": 2,
        "EG-4.1": 2,
        "EG-4.2": 3,
        "DC22-1.2": 3,
        "DC22-5.4": 3,
    },
    "KZ": {
        "EG-2.2": 3,
        "EG-2.3": 3,
        "EG-3.3": 3,
        "EG-4.1": 3,
        "EG-4.3": 3,
        "DC22-2.4": 4,
        "DC22-5.2": 4,
    },
}
# Overrides: unit code suffix inside every county → position → competency → level.
COUNTY_UNIT_OVERRIDES: dict[str, dict[str, dict[str, int]]] = {
    "XZSP": {"CKRY": {"EG-1.1": 4, "EG-1.2": 4}, "BSY": {"EG-1.1": 3}},
    "DSJ": {"KY": {"EG-3.1": 4, "EG-3.2": 3, "DC22-1.2": 5}},
    "T1": {"CKRY": {"EG-1.1": 2}},
}
# Overrides for every other city (odd numbers), for the whole city.
CITY_OVERRIDES: dict[str, dict[str, int]] = {"KZ": {"EG-4.1": 4, "EG-4.2": 4}}


@dataclass
class ScaleCounts:
    departments: int = 0
    people: int = 0
    evidence: int = 0
    levels: int = 0
    targets: int = 0
    hours: int = 0
    curricula: int = 0
    assignments: int = 0


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


def _scale_people(*, without: str) -> pd.DataFrame:
    """Province people (user id, department path) with no row yet in the related
    table named by `without`, in user id order."""
    rows = (
        LearnerProfile.objects.filter(employee_number__startswith=ROOT_CODE)
        .exclude(**{f"user__{without}__isnull": False})
        .order_by("user_id")
        .values_list("user_id", "department__path")
    )
    return pd.DataFrame(list(rows), columns=["user_id", "path"])


def _write_rows(model, frame: pd.DataFrame) -> None:
    """Insert a frame whose columns are the model's column names: COPY on
    PostgreSQL, batched inserts elsewhere (SQLite in the tests)."""
    if frame.empty:
        return
    table = model._meta.db_table
    columns = list(frame.columns)
    by_column = {f.column: f for f in model._meta.concrete_fields}
    fields = [by_column[c] for c in columns]
    if connection.vendor == "postgresql":
        text_columns = [
            f.column
            for f in fields
            if f.get_internal_type() in ("CharField", "TextField")
        ]
        buffer = io.StringIO()
        frame.to_csv(
            buffer, header=False, index=False, date_format="%Y-%m-%d %H:%M:%S.%f%z"
        )
        options = "FORMAT csv"
        if text_columns:
            # In CSV an unquoted empty field is NULL; these columns hold "".
            options += f", FORCE_NOT_NULL ({', '.join(text_columns)})"
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})"
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
        return
    values = frame.astype(object).where(frame.notna(), None)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    adapted = [
        [
            None
            if v is None
            else f.get_db_prep_value(
                v.to_pydatetime() if isinstance(v, pd.Timestamp) else v,
                connection,
                prepared=False,
            )
            for f, v in zip(fields, row, strict=True)
        ]
        for row in values.itertuples(index=False, name=None)
    ]
    with connection.cursor() as cursor:
        for offset in range(0, len(adapted), BATCH):
            cursor.executemany(sql, adapted[offset : offset + BATCH])


def _effect(keys: pd.Series, spread: float) -> np.ndarray:
    """A fixed effect in [-spread, spread] per key (a department path), the same in
    every run, so that units differ in a way the heatmap can show."""
    codes = keys.map(lambda key: uuid.uuid5(uuid.NAMESPACE_OID, key).int % 10_000)
    return (codes.to_numpy(dtype=float) / 9_999 * 2 - 1) * spread


def seed_targets() -> int:
    """County-wide targets per position and the department overrides (see the
    tables above); rows that exist are left alone."""
    competencies = dict(Competency.objects.values_list("code", "pk"))
    positions = dict(Position.objects.values_list("code", "pk"))
    wanted: list[CompetencyTarget] = []

    def add(department_id, table: dict[str, dict[str, int]]) -> None:
        for position, levels in table.items():
            for code, level in levels.items():
                if position in positions and code in competencies:
                    wanted.append(
                        CompetencyTarget(
                            position_id=positions[position],
                            department_id=department_id,
                            competency_id=competencies[code],
                            required_level=level,
                        )
                    )

    add(None, COUNTYWIDE_TARGETS)
    units = Department.objects.filter(code__startswith=f"{ROOT_CODE}-C")
    for pk, code in units.values_list("pk", "code"):
        parts = code.split("-")
        if len(parts) == 2 and int(parts[1][1:]) % 2 == 1:
            add(pk, CITY_OVERRIDES)
        elif len(parts) == 4 and parts[3] in COUNTY_UNIT_OVERRIDES:
            add(pk, COUNTY_UNIT_OVERRIDES[parts[3]])
    before = CompetencyTarget.objects.count()
    CompetencyTarget.objects.bulk_create(
        wanted, batch_size=BATCH, ignore_conflicts=True
    )
    return CompetencyTarget.objects.count() - before


def _competency_table() -> pd.DataFrame:
    rows = Competency.objects.filter(depth__gt=1).order_by("code")
    return pd.DataFrame(
        [
            (c.pk, c.framework.scale.levels.count() or 4, c.validity_months or 0)
            for c in rows.select_related("framework__scale")
        ],
        columns=["competency_id", "max_level", "validity_months"],
    )


def _evidence_frame(
    people: pd.DataFrame,
    competencies: pd.DataFrame,
    *,
    per_person: int,
    rng: np.random.Generator,
    now: pd.Timestamp,
) -> pd.DataFrame:
    """`per_person` pieces of evidence for each person: first one on each of their
    focus competencies (distinct), the rest among them again."""
    n, total = len(people), len(competencies)
    focus = min(per_person, FOCUS_COMPETENCIES, total)
    chosen = np.argsort(rng.random((n, total)), axis=1)[:, :focus]
    extra = per_person - focus
    if extra > 0:
        again = np.take_along_axis(
            chosen, rng.integers(0, focus, size=(n, extra)), axis=1
        )
        chosen = np.concatenate([chosen, again], axis=1)
    pick = chosen.ravel()
    person = np.repeat(np.arange(n), per_person)
    # Ability: the county's and the unit's effect, the person's own, then the piece.
    county = people["path"].str.slice(0, 12)
    ability = (
        0.42
        + _effect(county, 0.15)
        + _effect(people["path"], 0.08)
        + rng.normal(0, 0.12, n)
    )
    max_level = competencies["max_level"].to_numpy()[pick]
    score = ability[person] + rng.normal(0, 0.18, len(pick))
    level = np.clip(np.ceil(score * max_level), 1, max_level).astype("int64")
    kinds, weights = zip(*EVIDENCE_KINDS, strict=True)
    kind = np.asarray([str(k) for k in kinds])[
        rng.choice(len(kinds), size=len(pick), p=np.asarray(weights))
    ]
    age_s = rng.integers(0, 720 * 86_400, size=len(pick))
    observed = now - pd.to_timedelta(age_s, unit="s")
    months = competencies["validity_months"].to_numpy()[pick]
    expires = pd.Series(pd.NaT, index=range(len(pick)), dtype=observed.dtype)
    for value in sorted(set(months.tolist()) - {0}):
        shifted = pd.Series(observed + pd.DateOffset(months=int(value)))
        expires = expires.where(months != value, shifted)
    withdrawn = rng.random(len(pick)) < REVOKED_SHARE
    revoked = pd.Series(observed + pd.Timedelta(days=10)).where(withdrawn)
    revoked = revoked.mask(revoked > now, now)
    return pd.DataFrame(
        {
            "learner_id": people["user_id"].to_numpy()[person],
            "competency_id": competencies["competency_id"].to_numpy()[pick],
            "level": level,
            "kind": kind,
            "source_type": "scale",
            "source_id": "",
            "source_label": "",
            "note": "",
            "observed_at": observed,
            "expires_at": expires,
            "revoked_at": revoked,
            "created_at": now,
        }
    )


_OFFICIAL = ", ".join(f"'{kind.value}'" for kind in Evidence.OFFICIAL_KINDS)
_COUNTS = (
    f"CASE WHEN e.kind IN ({_OFFICIAL}) AND e.revoked_at IS NULL"
    " AND (e.expires_at IS NULL OR e.expires_at > %(now)s) THEN 1 ELSE 0 END"
)
_OWN = (
    f"CASE WHEN e.kind = '{Evidence.Kind.SELF.value}' AND e.revoked_at IS NULL"
    " AND (e.expires_at IS NULL OR e.expires_at > %(now)s) THEN 1 ELSE 0 END"
)
# The level rule of assessments.services.evidence, over every (learner,
# competency) with evidence among the learners in [low, high]: the top row by
# (counts, level, observed_at, id) decides the level; the latest valid
# self-assessment gives self_level.
LEVELS_FROM_EVIDENCE_SQL = f"""
INSERT INTO assessments_competencylevel
    (learner_id, competency_id, level, evidence_id, valid_until, self_level, updated_at)
SELECT r.learner_id, r.competency_id,
       CASE WHEN r.counts = 1 THEN r.level ELSE 0 END,
       CASE WHEN r.counts = 1 THEN r.id END,
       CASE WHEN r.counts = 1 THEN r.expires_at END,
       r.self_level, %(now)s
FROM (
    SELECT e.id, e.learner_id, e.competency_id, e.level, e.expires_at,
           {_COUNTS} AS counts,
           ROW_NUMBER() OVER (
               PARTITION BY e.learner_id, e.competency_id
               ORDER BY {_COUNTS} DESC, e.level DESC, e.observed_at DESC, e.id DESC
           ) AS rn,
           FIRST_VALUE(CASE WHEN {_OWN} = 1 THEN e.level END) OVER (
               PARTITION BY e.learner_id, e.competency_id
               ORDER BY {_OWN} DESC, e.observed_at DESC, e.id DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
           ) AS self_level
    FROM assessments_evidence e
    WHERE e.learner_id BETWEEN %(low)s AND %(high)s
) r
WHERE r.rn = 1
ON CONFLICT (learner_id, competency_id) DO NOTHING
"""


def seed_evidence(seed: int, per_person: int = 4) -> tuple[int, int]:
    """Evidence for people who have none yet, and the current levels it gives
    (LEVELS_FROM_EVIDENCE_SQL). Returns (evidence rows, level rows) written."""
    competencies = _competency_table()
    if competencies.empty or per_person < 1:
        return 0, 0
    people = _scale_people(without="competency_evidence")
    rng = np.random.default_rng([seed, 1])
    now = pd.Timestamp(timezone.now())
    evidence = levels = 0
    for offset in range(0, len(people), PEOPLE_CHUNK):
        chunk = people.iloc[offset : offset + PEOPLE_CHUNK].reset_index(drop=True)
        frame = _evidence_frame(
            chunk, competencies, per_person=per_person, rng=rng, now=now
        )
        with transaction.atomic():
            _write_rows(Evidence, frame)
            with connection.cursor() as cursor:
                cursor.execute(
                    LEVELS_FROM_EVIDENCE_SQL,
                    {
                        "now": connection.ops.adapt_datetimefield_value(
                            now.to_pydatetime()
                        ),
                        "low": int(chunk["user_id"].iloc[0]),
                        "high": int(chunk["user_id"].iloc[-1]),
                    },
                )
                levels += max(cursor.rowcount, 0)
        evidence += len(frame)
    return evidence, levels


def seed_hours(seed: int, per_person: int = 6) -> int:
    """Study-hour ledger lines for people who have none: about `per_person` earned
    lines each (fewer or more by the unit's and the person's pace) over this year
    and the last, and an HR adjustment for a few."""
    if per_person < 1:
        return 0
    people = _scale_people(without="study_hours")
    rng = np.random.default_rng([seed, 2])
    now = pd.Timestamp(timezone.now())
    local_now = timezone.localtime(now.to_pydatetime())
    year_start = pd.Timestamp(
        timezone.make_aware(datetime.datetime(local_now.year, 1, 1))
    )
    span_s = max(int((now - year_start).total_seconds()), 1)
    written = 0
    for offset in range(0, len(people), PEOPLE_CHUNK):
        chunk = people.iloc[offset : offset + PEOPLE_CHUNK].reset_index(drop=True)
        pace = np.clip(
            1 + _effect(chunk["path"], 0.4) + rng.normal(0, 0.35, len(chunk)), 0, 3
        )
        lines = np.maximum(rng.poisson(per_person * pace), 1)  # none: drawn again
        person = np.repeat(np.arange(len(chunk)), lines)
        number = np.concatenate([np.arange(k) for k in lines]) if len(person) else []
        this_year = rng.random(len(person)) < 0.8
        earned = np.where(
            this_year,
            rng.integers(0, span_s, len(person)),
            span_s + rng.integers(0, 365 * 86_400, len(person)),
        )
        earned_at = now - pd.to_timedelta(earned, unit="s")
        years = earned_at.tz_convert(timezone.get_current_timezone()).year
        frame = pd.DataFrame(
            {
                "learner_id": chunk["user_id"].to_numpy()[person],
                "year": years,
                "hours": rng.choice([1.0, 1.5, 2.0, 2.0, 3.0, 4.0, 6.0], len(person)),
                "kind": str(StudyHourEntry.Kind.EARNED),
                "source_type": "scale",
                "source_id": [f"scale-{k}" for k in number],
                "source_label": "规模基准课程",
                "cycle": years.astype(str),
                "note": "",
                "earned_at": earned_at,
                "created_at": now,
            }
        )
        adjusted = chunk[rng.random(len(chunk)) < 0.03]
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "learner_id": adjusted["user_id"].to_numpy(),
                        "year": local_now.year,
                        "hours": 2.0,
                        "kind": str(StudyHourEntry.Kind.ADJUSTED),
                        "source_type": "scale-adjust",
                        "source_id": "",
                        "source_label": "",
                        "cycle": "",
                        "note": "线下培训补录",
                        "earned_at": now,
                        "created_at": now,
                    }
                ),
            ],
            ignore_index=True,
        )
        with transaction.atomic():
            _write_rows(StudyHourEntry, frame)
        written += len(frame)
    return written


def seed_curricula(count: int) -> tuple[int, int]:
    """`count` active curricula for the whole province (every other one yearly),
    each assigned by assignments_sync as on a day in the past year, so cycles fall
    due; of the cycles created now, a share is then marked completed on time,
    completed late, exempt or started (the rest stay open: overdue). Returns
    (curricula created, assignments created)."""
    if count < 1:
        return 0, 0
    root = Department.objects.get(code=ROOT_CODE)
    today = timezone.localdate()
    created = assignments = 0
    for index in range(1, count + 1):
        name = f"{CURRICULUM_PREFIX} {index:02d}"
        curriculum, new = Curriculum.objects.get_or_create(
            name=name,
            owner_department=root,
            defaults={
                "name_en": f"Scale mandatory curriculum {index:02d}",
                "status": Curriculum.Status.ACTIVE,
                "due_kind": Curriculum.DueKind.AFTER_ASSIGNMENT,
                "due_days": 30,
                "recurrence_months": 12 if index % 2 else 0,
            },
        )
        if new:
            curriculum.departments.set([root])
            CurriculumCourse.objects.create(
                curriculum=curriculum,
                course_key=uuid.uuid5(uuid.NAMESPACE_URL, f"civicskills-scale/{name}"),
            )
            created += 1
        starts = today - datetime.timedelta(days=330 - 25 * (index - 1))
        began = timezone.now()
        result = assignments_sync(curriculum_ids=[curriculum.pk], today=starts)
        assignments += result.created
        fresh = Assignment.objects.filter(
            curriculum=curriculum, assigned_at__gte=began, state=Assignment.State.OPEN
        )
        at = timezone.make_aware(datetime.datetime.combine(starts, datetime.time(10)))
        share = 40 + 4 * index  # on time below this (of 100), late just above
        buckets = [
            (0, share, {"completed_at": at + datetime.timedelta(days=12)}),
            (share, share + 15, {"completed_at": at + datetime.timedelta(days=45)}),
        ]
        for low, high, fields in buckets:
            _bucket(fresh, low, high).update(
                state=Assignment.State.COMPLETED,
                started_at=at + datetime.timedelta(days=2),
                courses_done=1,
                **fields,
            )
        _bucket(fresh, share + 15, share + 17).update(
            state=Assignment.State.EXEMPT,
            closed_at=at,
            exempt_reason="规模基准：免修",
        )
        _bucket(fresh, share + 17, share + 27).update(
            started_at=at + datetime.timedelta(days=3)
        )
    return created, assignments


def _bucket(rows, low: int, high: int):
    """Rows whose learner falls in [low, high) of 100 (a fixed draw per person)."""
    return rows.alias(draw=Mod(F("learner_id") * 37, 100)).filter(
        draw__gte=low, draw__lt=high
    )


def seed(
    *,
    learners: int,
    seed: int = 1,
    evidence: bool = True,
    evidence_per_person: int = 4,
    hours_per_person: int = 6,
    curricula: int = 0,
) -> ScaleCounts:
    """Build (or complete) the province. `evidence=False`: only the organisation and
    its people (no targets, evidence, hours or curricula)."""
    seed_ranks_and_positions()
    counts = ScaleCounts()
    counts.departments = seed_departments(learners)
    counts.people = seed_people(learners, seed)
    if evidence:
        counts.targets = seed_targets()
        counts.evidence, counts.levels = seed_evidence(seed, evidence_per_person)
        counts.hours = seed_hours(seed, hours_per_person)
        counts.curricula, counts.assignments = seed_curricula(curricula)
    return counts
