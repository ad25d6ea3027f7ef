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


_GLOB_SPECIAL = re.compile(r"([*?\[])")


class Prefix(_Lookup):
    """`name__prefix=q`: values starting with q, answered by an ordinary index on both databases.

    Django's `startswith` is `LIKE … ESCAPE` on SQLite, case-insensitive and so unable to use the BINARY index;
    GLOB is case-sensitive and uses it. PostgreSQL's LIKE uses the `varchar_pattern_ops` index Django adds to
    an indexed CharField (or one declared with that operator class).
    """

    lookup_name = "prefix"

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        if connection.vendor == "sqlite":
            return "%s", [_GLOB_SPECIAL.sub(r"[\1]", str(value)) + "*"]
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", [escaped + "%"]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "GLOB" if connection.vendor == "sqlite" else "LIKE"
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]


class SearchKeyField(_CharField):
    """A column searched by its beginning (`__prefix`): pinyin initials, names."""


SearchKeyField.register_lookup(Prefix)
