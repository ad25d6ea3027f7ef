"""The tree path column and its subtree lookup.

`path__under=P` (or `klass__path__under=P`) selects P and everything below it with one
index-friendly predicate: `LIKE 'P%'` on PostgreSQL (served by the varchar_pattern_ops
index Django adds to the unique column) and `GLOB 'P*'` on SQLite, whose LIKE is
case-insensitive and therefore cannot use the ordinary BINARY index. Paths hold only
0-9A-Z, so neither wildcard syntax needs escaping.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler

_PATH_RE = re.compile(r"^[0-9A-Z]*$")


if TYPE_CHECKING:
    _CharField = models.CharField[str, str]
    _Lookup = Lookup[str]
else:  # the generic forms exist for the type checker only
    _CharField = models.CharField
    _Lookup = Lookup


class TreePathField(_CharField):
    pass


@TreePathField.register_lookup
class Under(_Lookup):
    lookup_name = "under"

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        if not isinstance(value, str) or not _PATH_RE.match(value):
            raise ValueError(f"not a tree path: {value!r}")
        wildcard = "*" if connection.vendor == "sqlite" else "%"
        return "%s", [value + wildcard]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "GLOB" if connection.vendor == "sqlite" else "LIKE"
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]
