"""The Redis cache, which never takes a page down with it: while Redis cannot be
reached every read is a miss and every write is dropped (logged, at most once a
minute per process), so pages keep serving from the database. Counters kept in the
cache (sign-in and statement rate limits) count nothing meanwhile: they fail open,
the database-backed lock-out (django-axes) still holds. Sessions are in the database
(SESSION_ENGINE's default), never only in Redis."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_LOG_EVERY_SECONDS = 60


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def _unreachable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= _LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            logger.warning("cache unreachable (%s): %s", operation, error)

    def get(self, key, default=None, version=None) -> Any:
        try:
            return super().get(key, default, version)
        except _UNREACHABLE as error:
            self._unreachable("get", error)
            return default

    def get_many(self, keys, version=None) -> dict:
        try:
            return super().get_many(keys, version)
        except _UNREACHABLE as error:
            self._unreachable("get_many", error)
            return {}

    def has_key(self, key, version=None) -> bool:
        try:
            return super().has_key(key, version)
        except _UNREACHABLE as error:
            self._unreachable("has_key", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _UNREACHABLE as error:
            self._unreachable("set", error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        try:
            return super().set_many(data, timeout, version)
        except _UNREACHABLE as error:
            self._unreachable("set_many", error)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        # As if stored: callers that count with add-then-incr count nothing.
        try:
            return super().add(key, value, timeout, version)
        except _UNREACHABLE as error:
            self._unreachable("add", error)
            return True

    def incr(self, key, delta=1, version=None) -> int:
        try:
            return super().incr(key, delta, version)
        except _UNREACHABLE as error:
            self._unreachable("incr", error)
            return delta

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except _UNREACHABLE as error:
            self._unreachable("touch", error)
            return False

    def delete(self, key, version=None) -> bool:
        try:
            return super().delete(key, version)
        except _UNREACHABLE as error:
            self._unreachable("delete", error)
            return False

    def delete_many(self, keys, version=None) -> None:
        try:
            super().delete_many(keys, version)
        except _UNREACHABLE as error:
            self._unreachable("delete_many", error)

    def clear(self) -> None:
        try:
            super().clear()
        except _UNREACHABLE as error:
            self._unreachable("clear", error)
