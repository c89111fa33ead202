"""The hostile corpus's world, built once per module inside a transaction that is
rolled back at the end; each test runs in its own savepoint within it."""

import pytest
from django.db import transaction
from django.test import TestCase

from tests.hostile.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    media = tmp_path_factory.mktemp("hostile-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                built = build_world()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def matrix_sessions(world, django_db_blocker):
    """Each role's session cookies (none for anonymous), made once for the module
    in its transaction. Everyone who reaches the back office has given the second
    factor, so that the matrix shows the permission, not the second-factor gate."""
    from django.test import Client

    from tests import factories
    from tests.hostile.world import ROLES

    sessions = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            client = Client()
            user = world.users.get(role)
            if user is not None:
                client.force_login(user)
                factories.second_factor_passed(client, user)
            sessions[role] = client.cookies
    return sessions


@pytest.fixture
def matrix_clients(matrix_sessions):
    """A client per role with a copy of its session cookies: a view that signs
    out or cycles the session changes only this test's copy (and its rows roll
    back with the test)."""
    import copy

    from django.test import Client

    clients = {}
    for role, cookies in matrix_sessions.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.cookies = copy.deepcopy(cookies)
        clients[role] = client
    return clients
