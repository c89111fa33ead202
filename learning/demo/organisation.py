"""Demo step: the county of 清溪县 with ~3,000 staff and the five demo accounts.

Deterministic: the same random seed draws the same people every run, and rows that
exist already are left alone, so running the step twice changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from learning.demo import county_data as data
from learning.organisation.models import (
    Department,
    LearnerProfile,
    Position,
    Rank,
    RoleScope,
)
from learning.organisation.services import HR_GROUP, role_groups_ensure
from learning.people.services import department_create, role_scope_grant

User = get_user_model()
SEED = 20261122
EMPLOYEE_PREFIX = "QX"

# (username, full name, department code, position code, rank code)
DEMO_PEOPLE = {
    "learner": ("周晓雯", "QX-XZSP-CK", "CKRY", "R2"),
    "leader": ("陈建国", "QX-XZSP", "JZ", "R7"),
    "hr": ("林秀英", "QX-RSJ", "KY", "R4"),
    "editor": ("郑文博", "QX-DSJ-DZZW", "KY", "R3"),
}


@dataclass
class Counts:
    departments: int = 0
    people: int = 0
    accounts: int = 0


def _today() -> datetime.date:
    return datetime.date(2026, 11, 1)


def seed_departments() -> int:
    created = 0
    county = Department.objects.filter(code=data.COUNTY["code"]).first()
    if county is None:
        county = department_create(
            actor=None,
            code=data.COUNTY["code"],
            name=data.COUNTY["name"],
            name_en=data.COUNTY["name_en"],
            kind=Department.Kind.COUNTY,
        )
        created += 1
    existing = {d.code: d for d in Department.objects.all()}
    for item in data.DEPARTMENTS:
        if item["code"] in existing:
            continue
        parent = existing[item["parent"]] if item["parent"] else county
        existing[item["code"]] = department_create(
            actor=None,
            code=item["code"],
            name=item["name"],
            name_en=item["name_en"],
            kind=item["kind"],
            parent=parent,
        )
        created += 1
    return created


def seed_ranks_and_positions() -> None:
    existing_ranks = set(Rank.objects.values_list("code", flat=True))
    Rank.objects.bulk_create(
        [
            Rank(code=i["code"], name=i["name"], name_en=i["name_en"], order=i["order"])
            for i in data.RANKS
            if i["code"] not in existing_ranks
        ]
    )
    ranks = {r.code: r for r in Rank.objects.all()}
    existing_positions = set(Position.objects.values_list("code", flat=True))
    Position.objects.bulk_create(
        [
            Position(
                code=i["code"],
                title=i["title"],
                title_en=i["title_en"],
                is_leader=i["is_leader"],
                rank=ranks.get(i["ranks"][0]),
            )
            for i in data.POSITIONS
            if i["code"] not in existing_positions
        ]
    )


def _staff_plan(rng: random.Random) -> list[dict]:
    """Everyone in the county, drawn deterministically: a head per unit, then staff."""
    people = []
    number = 0
    start = datetime.date(1992, 7, 1)
    span = (datetime.date(2026, 9, 1) - start).days
    for item in data.DEPARTMENTS:
        fitting = data.positions_for(item["code"])
        staff_positions = [p for p in fitting if not p["head"]]
        head = data.head_position(item["code"])
        for index in range(item["weight"]):
            number += 1
            position = (
                head if index == 0 else _pick_staff_position(rng, staff_positions)
            )
            ranks = position["ranks"]
            rank = rng.choices(ranks, weights=[6, 3, 1, 1, 1][: len(ranks)])[0]
            people.append(
                {
                    "employee_number": f"{EMPLOYEE_PREFIX}{number:05d}",
                    "full_name": data.person_name(rng),
                    "department": item["code"],
                    "position": position["code"],
                    "rank": rank,
                    "hire_date": start + datetime.timedelta(days=rng.randrange(span)),
                }
            )
    return people


def _pick_staff_position(rng: random.Random, positions: list[dict]) -> dict:
    # Specialised front-line posts (window officer, police, hotline) dominate where
    # they fit; deputies are rare.
    weights = [1 if p["code"].startswith("F") else 6 for p in positions]
    return rng.choices(positions, weights=weights)[0]


@transaction.atomic
def seed_staff() -> int:
    rng = random.Random(SEED)
    plan = _staff_plan(rng)
    existing = set(LearnerProfile.objects.values_list("employee_number", flat=True))
    missing = [p for p in plan if p["employee_number"] not in existing]
    if not missing:
        return 0
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=p["employee_number"],
                first_name=p["full_name"],
                password=unusable,
            )
            for p in missing
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    users = dict(
        User.objects.filter(
            username__in=[p["employee_number"] for p in missing]
        ).values_list("username", "pk")
    )
    departments = dict(Department.objects.values_list("code", "pk"))
    positions = dict(Position.objects.values_list("code", "pk"))
    ranks = dict(Rank.objects.values_list("code", "pk"))
    LearnerProfile.objects.bulk_create(
        [
            LearnerProfile(
                user_id=users[p["employee_number"]],
                employee_number=p["employee_number"],
                full_name=p["full_name"],
                department_id=departments[p["department"]],
                position_id=positions[p["position"]],
                rank_id=ranks[p["rank"]],
                hire_date=p["hire_date"],
            )
            for p in missing
        ],
        batch_size=500,
    )
    return len(missing)


def _demo_profile(username: str, password: str) -> tuple[object, bool]:
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
        user.set_password(password)
        user.save()
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def seed_demo_accounts(password: str) -> int:
    """The five demo accounts; only their password is ever (re)set."""
    created = 0
    departments = {d.code: d for d in Department.objects.filter(code__startswith="QX")}
    for number, (username, (name, dept_code, position_code, rank_code)) in enumerate(
        DEMO_PEOPLE.items(), start=1
    ):
        user, was_created = _demo_profile(username, password)
        created += was_created
        if not LearnerProfile.objects.filter(user=user).exists():
            user.first_name = name
            user.email = f"{username}@demo.civicskills.local"
            user.save(update_fields=["first_name", "email"])
            LearnerProfile.objects.create(
                user=user,
                employee_number=f"{EMPLOYEE_PREFIX}-DEMO-{number}",
                full_name=name,
                department=departments[dept_code],
                position=Position.objects.get(code=position_code),
                rank=Rank.objects.get(code=rank_code),
                hire_date=datetime.date(2015 + number, 3, 1),
            )
    county = departments[data.COUNTY["code"]]
    role_scope_grant(
        actor=None,
        user=User.objects.get(username="hr"),
        role=RoleScope.Role.HR,
        department=county,
    )
    role_scope_grant(
        actor=None,
        user=User.objects.get(username="leader"),
        role=RoleScope.Role.LEADER,
        department=departments["QX-XZSP"],
    )
    role_groups_ensure()
    User.objects.get(username="hr").groups.add(Group.objects.get(name=HR_GROUP))
    # The editor writes and submits; a moderator (the demo admin) approves and
    # publishes: Wagtail's moderation workflow.
    editor = User.objects.get(username="editor")
    editor.groups.add(*Group.objects.filter(name="Editors"))
    editor.groups.remove(*Group.objects.filter(name="Moderators"))

    admin, was_created = _demo_profile("admin", password)
    created += was_created
    if not (admin.is_superuser and admin.is_staff):
        admin.is_superuser = admin.is_staff = True
        admin.first_name = admin.first_name or "Site admin"
        admin.save()
    return created


def seed(*, password: str, stdout=None) -> Counts:
    counts = Counts()
    counts.departments = seed_departments()
    seed_ranks_and_positions()
    counts.people = seed_staff()
    counts.accounts = seed_demo_accounts(password)
    return counts
