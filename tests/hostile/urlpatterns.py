"""Every URL pattern of the project, as Django's resolver holds them (Wagtail's
admin included), with the converters of the whole path, for the permission
matrix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, UUIDConverter
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Pattern:
    key: str  # the qualified name, or the route when the pattern has none
    route: str
    module: str
    converters: tuple  # ((name, converter), …) of the whole path
    regex: bool  # some part is a regular expression (no converters to fill)
    shadowed: bool  # an earlier pattern has the same key (reverse() gives it)

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def _walk(patterns, prefix="", namespace="", converters=(), regex=False):
    for entry in patterns:
        part = entry.pattern
        here_converters = converters
        here_regex = regex or not isinstance(part, RoutePattern)
        if isinstance(part, RoutePattern):
            here_converters = converters + tuple(part.converters.items())
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from _walk(
                entry.url_patterns,
                prefix + str(part),
                inner,
                here_converters,
                here_regex,
            )
        elif isinstance(entry, URLPattern):
            name = entry.name
            key = (f"{namespace}:{name}" if namespace else name) if name else ""
            callback = entry.callback
            module = getattr(callback, "__module__", "") or ""
            yield prefix + str(part), key, module, here_converters, here_regex


def project_patterns() -> list[Pattern]:
    seen: set[str] = set()
    found = []
    for route, key, module, converters, regex in _walk(get_resolver().url_patterns):
        key = key or route
        found.append(
            Pattern(key, route, module, converters, regex, shadowed=key in seen)
        )
        seen.add(key)
    return found


def placeholder_kwargs(pattern: Pattern) -> dict:
    """Arguments for a pattern whose objects the matrix does not name: an id that
    no row has, a word, a nil UUID (the access check comes before the lookup)."""
    kwargs = {}
    for name, converter in pattern.converters:
        if isinstance(converter, IntConverter):
            kwargs[name] = 999_999
        elif isinstance(converter, UUIDConverter):
            kwargs[name] = uuid.UUID(int=0)
        elif isinstance(converter, PathConverter):
            kwargs[name] = "x/y"
        elif name.endswith("pk") or name.endswith("id"):
            kwargs[name] = "999999"  # a str id (Wagtail's choosers) no row has
        else:
            kwargs[name] = "x"
    return kwargs
