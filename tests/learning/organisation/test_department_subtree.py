"""Department.objects.subtree() and Department.subtree_q(): the one way to ask for a
department subtree, on departments and through a relation."""

import pytest
from django.db import connection

from learning.models import Department, LearnerProfile
from tests.factories import DepartmentFactory, person_in

pytestmark = pytest.mark.django_db


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_subtree_of_departments_and_paths(county):
    assert codes(Department.objects.subtree(county.bureau_a)) == {
        "CTY-A",
        "CTY-A-1",
        "CTY-A-2",
    }
    both = Department.objects.subtree(county.section_a1, county.township.path)
    assert codes(both) == {"CTY-A-1", "CTY-T", "CTY-T-1"}
    # A subtree inside another adds nothing (and no extra condition).
    nested = Department.objects.subtree(county.bureau_a, county.section_a1)
    assert codes(nested) == {"CTY-A", "CTY-A-1", "CTY-A-2"}
    assert not Department.objects.subtree().exists()


def test_subtree_keeps_the_tree_manager(county):
    subtree = Department.objects.subtree(county.bureau_a)
    assert [d.code for d in subtree] == ["CTY-A", "CTY-A-1", "CTY-A-2"]  # path order
    added = DepartmentFactory(code="CTY-A-3", kind="section", parent=county.bureau_a)
    assert added.get_parent().pk == county.bureau_a.pk
    assert "CTY-A-3" in codes(Department.objects.subtree(county.bureau_a))


def test_subtree_q_through_a_relation(county):
    inside = person_in(county.section_a2)
    person_in(county.section_b1)
    people = LearnerProfile.objects.filter(
        Department.subtree_q([county.bureau_a], "department__")
    )
    assert list(people) == [inside]
    assert not LearnerProfile.objects.filter(Department.subtree_q([])).exists()


def test_subtree_is_answered_from_the_path_index_on_postgresql(
    require_postgres, county
):
    query = Department.objects.subtree(county.bureau_a, county.township).only("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "learning_dept_path_like" in plan, plan
