"""Fast row inserts for bulk loads (demo city, benchmarks): executemany on SQLite, COPY on PostgreSQL.

Rows are plain tuples in the order of `fields`; values must already be in the database's
form (see `adapt_datetime`). Use only for loads that bypass model logic on purpose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models


def columns_of(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    return [str(model._meta.get_field(name).column) for name in fields]  # type: ignore[union-attr]


def adapt_datetime(value: dt.datetime, using: str = "default") -> Any:
    return connections[using].ops.adapt_datetimefield_value(value)


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, using: str = "default"
) -> int:
    connection = connections[using]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns_of(model, fields))
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            batch = rows if isinstance(rows, list) else list(rows)
            # Identifiers come from model metadata, quoted by the backend; values are parameters.
            sql = f"INSERT INTO {table} ({cols}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, batch)
            count = len(batch)
    return count


def reset_sequences(models_: Sequence[type[models.Model]], using: str = "default") -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequences past them."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def next_id(model: type[models.Model], using: str = "default") -> int:
    last = model._default_manager.using(using).aggregate(m=models.Max("pk"))["m"]
    return int(last or 0) + 1


def analyze(models_: Sequence[type[models.Model]], using: str = "default") -> None:
    """Refresh PostgreSQL's planner statistics of tables just filled in bulk, inside the running transaction (which
    ANALYZE sees, while autovacuum does not): without them later queries are planned as if the tables were empty."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def analyze_all(using: str = "default") -> None:
    """`analyze` for every table: after a load whose steps filled many tables in one transaction (the demo), so the
    queries that read them all (the indicator summary) are planned on real row counts."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
