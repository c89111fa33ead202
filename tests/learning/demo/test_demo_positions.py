"""The demo county's positions: deputies (副局长, 副科长, 副乡长 …) hold leading
positions, and each unit has exactly one head (one director per bureau)."""

import random
from collections import Counter

import pytest

from learning.demo import county_data as data
from learning.demo.organisation import _staff_plan

pytestmark = pytest.mark.django_db  # the suite's autouse fixtures reach the database


def test_deputies_are_leading_positions_and_staff_are_not():
    leading = {p["title"] for p in data.POSITIONS if p["is_leader"]}
    assert {"局长", "副局长", "科长", "副科长", "乡长", "副乡长"} <= leading
    assert not {"科员", "办事员", "调研员"} & leading
    assert all(p["is_leader"] for p in data.POSITIONS if p["head"])


def test_every_unit_has_exactly_one_head():
    heads = {p["code"] for p in data.POSITIONS if p["head"]}
    plan = _staff_plan(random.Random(7))
    per_unit = Counter(p["department"] for p in plan if p["position"] in heads)
    assert set(per_unit) == {d["code"] for d in data.DEPARTMENTS}
    assert set(per_unit.values()) == {1}
    # Deputies are drawn among the staff, a few of them.
    deputies = {p["code"] for p in data.POSITIONS if p["is_leader"] and not p["head"]}
    assert 0 < sum(p["position"] in deputies for p in plan) < len(plan) // 5
