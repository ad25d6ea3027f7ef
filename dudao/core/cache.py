"""The shared cache for production boxes without Redis: Django's database cache, with an `incr` that
parallel workers cannot undercount.

Rate limits (parent-notice opens, bad tokens) count with `add` then `incr`. Django's database `incr` is a
`get` then a `set`: two workers that both read 5 both write 6, and a limit of 30 lets more through. Here
the read and the write run in one transaction holding the row: on PostgreSQL `SELECT … FOR UPDATE`; on
SQLite the transaction starts IMMEDIATE (see DATABASES in settings), which already takes the write lock.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction

log = logging.getLogger("dudao.cache")


class DatabaseCache(DjangoDatabaseCache):
    _table: str

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                # The table name comes from settings (CACHES LOCATION), never from a request.
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT 1 FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that keeps working while Redis does not answer: each call that fails to reach Redis
    is served by the database cache (table `dudao_cache`) instead, and Redis is not tried again for
    `RETRY_SECONDS`. Rate limits thus keep counting once for all workers and servers during an outage (they may
    restart from zero when it begins or ends: a short window, never an error page or a lockout of everyone)."""

    RETRY_SECONDS = 10.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._fallback = DatabaseCache("dudao_cache", {"OPTIONS": {"MAX_ENTRIES": 20_000}})
        self._down_until = 0.0

    def _serve(self, name: str, *args: Any, **kwargs: Any) -> Any:
        import redis

        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                self._down_until = time.monotonic() + self.RETRY_SECONDS
                log.warning("Redis 缓存不可用，%.0f 秒内改用数据库缓存：%s", self.RETRY_SECONDS, exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._serve("add", key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._serve("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._serve("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._serve("touch", key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._serve("delete", key, version))

    def get_many(self, keys: Any, version: int | None = None) -> Any:
        return self._serve("get_many", keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._serve("has_key", key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        return self._serve("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> Any:
        return self._serve("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._serve("delete_many", keys, version)

    def clear(self) -> None:
        self._serve("clear")
