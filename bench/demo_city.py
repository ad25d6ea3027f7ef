"""demo_city_rows_per_s: how fast `dudao.demo.loader.load` fills an empty database.

Value: rows/s of `load(scale=...)` into a fresh migrated database (generation, inserts, demo
logins and the audit event all included, as the `demo` command runs it).
Baseline: the very same generated rows, collected in memory beforehand (untimed), inserted into
another fresh migrated database by one raw DB-API `executemany` per table inside one transaction.
Ratio: baseline rows/s / demo rows/s (target ≤ 3).

    python -m bench.demo_city [--scale small|city] [--seed N]

The city database is left at bench/.data/city.sqlite3 for bench.scoping; the raw copy is removed.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from bench import common

DEFAULT_SEED = 20261128


def collect_rows(scale: str, seed: int) -> dict[Any, tuple[list[str], list[tuple[Any, ...]]]]:
    """All generated rows grouped by model, in first-insertion order (parents before children)."""
    from dudao.demo.generator import SCALES, Generator, Ids

    generator = Generator(SCALES[scale], seed, Ids(unit=1, user=1, assignment=1, student=1, guardian=1))
    tables: dict[Any, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for model, fields, batch in generator.batches():
        known = tables.setdefault(model, (fields, []))
        if known[0] != fields:
            raise RuntimeError(f"{model.__name__}: the generator changed its field list between batches")
        known[1].extend(batch)
    return tables


def raw_insert(tables: dict[Any, tuple[list[str], list[tuple[Any, ...]]]]) -> int:
    """One plain DB-API executemany per table, all in one transaction. Returns the row count."""
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    count = 0
    with transaction.atomic():
        raw = connection.connection  # the driver's own connection: no Django cursor wrapper
        cursor = raw.cursor()
        try:
            for model, (fields, rows) in tables.items():
                columns = ", ".join(qn(model._meta.get_field(name).column) for name in fields)
                values = ", ".join([placeholder] * len(fields))
                cursor.executemany(f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({values})", rows)
                count += len(rows)
        finally:
            cursor.close()
    return count


def table_counts(models: list[Any]) -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in models}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["small", "city"], default="city")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    scale: str = args.scale
    demo_label, raw_label = scale, f"{scale}_raw"

    common.configure(demo_label)
    from django.db import connection

    from dudao.demo.generator import SCALES
    from dudao.demo.loader import load

    common.log(f"scale: {SCALES[scale]} seed={args.seed}")

    # ----- baseline: the same rows, generated untimed, inserted by raw executemany -------------
    common.use_database(raw_label, fresh=True)
    common.log("generating the rows in memory (untimed) ...")
    started = time.perf_counter()
    tables = collect_rows(scale, args.seed)
    expected = {model.__name__: len(rows) for model, (_, rows) in tables.items()}
    raw_rows = sum(expected.values())
    common.log(f"generated {raw_rows:,} rows in {time.perf_counter() - started:.1f}s: {expected}")
    common.log("baseline: raw executemany, one INSERT per table, one transaction ...")
    started = time.perf_counter()
    inserted = raw_insert(tables)
    raw_seconds = time.perf_counter() - started
    models = list(tables)
    del tables
    gc.collect()
    got = table_counts(models)
    if got != expected or inserted != raw_rows:
        raise SystemExit(f"baseline inserted {got}, expected {expected}")
    raw_rate = raw_rows / raw_seconds
    common.log(f"baseline: {raw_rows:,} rows in {raw_seconds:.2f}s = {raw_rate:,.0f} rows/s")
    common.drop_database(raw_label)

    # ----- value: the demo loader into a fresh database ----------------------------------------
    common.use_database(demo_label, fresh=True)
    common.log(f"demo: load(scale={scale!r}) into {connection.settings_dict['NAME']} ...")
    started = time.perf_counter()
    report = load(scale=scale, seed=args.seed)
    wall = time.perf_counter() - started
    got = table_counts(models)
    if any(got[name] < n for name, n in expected.items()) or report.rows != raw_rows:
        raise SystemExit(f"demo load wrote {got} ({report.rows} rows reported), expected at least {expected}")
    demo_rate = report.rows / report.seconds
    common.log(f"demo: {report.rows:,} rows in {report.seconds:.2f}s = {demo_rate:,.0f} rows/s (wall {wall:.2f}s)")
    common.log(f"data scale: {scale}: {report.counts}")
    common.log(f"total {connection.vendor} load time for scale {scale}: {report.seconds:.1f}s")
    common.result("demo_city_rows_per_s", demo_rate, "rows/s", raw_rate, raw_rate / demo_rate)


if __name__ == "__main__":
    main()
