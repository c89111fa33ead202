"""Runs one corpus case: the request as the acting role, then what must hold for
every hostile input (the expected status, no server error, nothing written)."""

from __future__ import annotations

import json
import re
import sys
import traceback
from pathlib import Path

from django.apps import apps
from django.core.files.storage import storages
from django.core.signals import got_request_exception
from django.db import connection
from django.test import Client

from tests import factories
from tests.hostile.corpus import Case
from tests.hostile.world import World

FILES = Path(__file__).resolve().parent / "files"


def client_for(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    user = world.users.get(role)
    if user is not None:
        client.force_login(user)
        if user.is_superuser:
            factories.second_factor_passed(client, user)
    return client


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's models (one query)."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )
    quote = connection.ops.quote_name
    select = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def stored_files() -> set[str]:
    """Every file in the media storage and the extracted H5P storage."""
    found = set()
    for alias in ("default", "h5p"):
        storage = storages[alias]
        pending = [""]
        while pending:
            folder = pending.pop()
            try:
                folders, files = storage.listdir(folder)
            except FileNotFoundError:
                continue
            found.update(f"{alias}:{folder}{name}" for name in files)
            pending.extend(f"{folder}{name}/" for name in folders)
    return found


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(value, values: dict):
    """`value` with each {name} of the world's placeholders replaced (in strings,
    lists and dicts); other braces (JSON) stay."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(
            lambda found: str(values.get(found[1], found[0])), value
        )
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {fill(k, values): fill(v, values) for k, v in value.items()}
    return value


def send(client: Client, case: Case, world: World):
    """The case's request: a file upload, a raw or JSON body, a form or a GET."""
    url = fill(case.url, world.values)
    headers = dict(case.headers)
    data = fill(case.data, world.values)
    if case.file is not None:
        field, name = case.file
        with (FILES / name).open("rb") as handle:
            return client.post(url, {**data, field: handle}, headers=headers)
    if case.body is not None:
        body = fill(case.body, world.values)
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
        return client.generic(
            case.method,
            url,
            body,
            content_type=case.content_type or "application/json",
            headers=headers,
        )
    if case.method == "GET":
        return client.get(url, data, headers=headers)
    if case.method == "POST":
        return client.post(url, data, headers=headers)
    return client.generic(case.method, url, headers=headers)


class ServerErrors:
    """Exceptions the handler turned into 500s during a request."""

    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        got_request_exception.connect(self._record)
        return self

    def __exit__(self, *exc):
        got_request_exception.disconnect(self._record)

    def _record(self, sender, request=None, **kwargs):
        self.seen.append("".join(traceback.format_exception(*sys.exc_info())))
