"""The hostile corpus (tests/hostile/corpus.py): every case gets its expected 4xx
(or the page it should get), never a server error, and writes nothing: the row
count of every table and the stored files (media and H5P storage) are the same
after the request. Runs on SQLite and on PostgreSQL (.ci/run runs both)."""

import pytest

from tests.hostile.corpus import CASES
from tests.hostile.runner import (
    ServerErrors,
    client_for,
    send,
    stored_files,
    table_counts,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input_gets_a_clear_answer_and_writes_nothing(world, case):
    client = client_for(world, case.role)
    rows_before = table_counts()
    files_before = stored_files()
    with ServerErrors() as errors:
        response = send(client, case, world)
    assert not errors.seen, errors.seen[0]
    assert response.status_code < 500, response.content[:2000]
    assert response.status_code == case.status, (
        f"{case.method} {case.url}: {response.status_code}, expected {case.status}\n"
        + response.content[:1000].decode(errors="replace")
    )
    if case.says:
        assert case.says.encode() in response.content, response.content[:2000]
    changed = {
        table: (count, after)
        for (table, count), after in zip(
            rows_before.items(), table_counts().values(), strict=True
        )
        if count != after
    }
    assert not changed, f"rows written: {changed}"
    assert stored_files() == files_before
