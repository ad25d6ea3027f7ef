"""The shared cache for production boxes without Redis: Django's database cache, with an `incr` that
parallel workers cannot undercount.

Rate limits (parent-notice opens, bad tokens) count with `add` then `incr`. Django's database `incr` is a
`get` then a `set`: two workers that both read 5 both write 6, and a limit of 30 lets more through. Here
the read and the write run in one transaction holding the row: on PostgreSQL `SELECT … FOR UPDATE`; on
SQLite the transaction starts IMMEDIATE (see DATABASES in settings), which already takes the write lock.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction


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
