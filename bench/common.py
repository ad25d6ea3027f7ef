"""Shared set-up for the benchmarks: environment, fresh databases, progress and the RESULT line.

Every benchmark calls `configure(label)` before importing anything from Django or dudao.
Without DATABASE_URL in the environment each database is a SQLite file under bench/.data/;
with it (e.g. PostgreSQL) the configured database is used and "fresh" means migrated and flushed.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"
_STARTED = time.perf_counter()


def configure(label: str) -> None:
    """Set the environment for a benchmark run and start Django."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dudao.settings"
    os.environ["DUDAO_DEBUG"] = "0"
    os.environ["DUDAO_DEMO"] = "1"
    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
    # Keep the huey queue file and other runtime files out of the project's var/.
    os.environ.setdefault("DUDAO_VAR_DIR", str(DATA_DIR / "var"))
    os.environ.setdefault("DUDAO_LOG_LEVEL", "WARNING")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path(label)}"
    import django

    django.setup()
    from django.db import connection

    log(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


def sqlite_path(label: str) -> Path:
    return DATA_DIR / f"{label}.sqlite3"


def is_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def use_database(label: str, *, fresh: bool) -> None:
    """Point the default connection at the benchmark's database and migrate it.

    SQLite: the file bench/.data/<label>.sqlite3, deleted first when `fresh`.
    Other engines: the configured database; when `fresh`, every table is emptied after migrating.
    """
    from django.core.management import call_command
    from django.db import connection

    if is_sqlite():
        path = sqlite_path(label)
        connection.close()
        if fresh:
            remove_sqlite_files(path)
        connection.settings_dict["NAME"] = str(path)
    call_command("migrate", interactive=False, verbosity=0)
    if fresh and not is_sqlite():
        call_command("flush", interactive=False, verbosity=0)


def drop_database(label: str) -> None:
    """Remove a SQLite benchmark file that is no longer needed (no-op on other engines)."""
    from django.db import connection

    if not is_sqlite():
        return
    path = sqlite_path(label)
    if connection.settings_dict["NAME"] == str(path):
        connection.close()
    remove_sqlite_files(path)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def fmt(value: float) -> str:
    """A number for the RESULT line: enough significant digits, no exponent."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    decimals = 0 if magnitude >= 1000 else 1 if magnitude >= 100 else 2 if magnitude >= 10 else 3
    if magnitude < 0.1:
        decimals = 5
    return f"{value:.{decimals}f}"


def result(name: str, value: float, unit: str, baseline: float, ratio: float) -> None:
    """The last line every benchmark prints."""
    sys.stdout.flush()
    print(f"RESULT name={name} value={fmt(value)} unit={unit} baseline={fmt(baseline)} ratio={fmt(ratio)}", flush=True)


def insert_students(
    class_ids: Sequence[int], per_class: int, *, letter: str, gender: str, birth: Any
) -> dict[int, list[int]]:
    """`per_class` enrolled students in each class, bulk-inserted with ids from 1 and numbers `<letter>000000001`…;
    returns each class's student ids."""
    from django.utils import timezone

    from dudao.core.bulk import adapt_datetime, insert_rows, reset_sequences
    from dudao.demo.generator import STUDENT_FIELDS
    from dudao.orgs.models import Student

    now = adapt_datetime(timezone.now())
    rows: list[tuple[Any, ...]] = []
    pool: dict[int, list[int]] = {}
    for klass in class_ids:
        start = len(rows) + 1
        pool[klass] = list(range(start, start + per_class))
        for sid in pool[klass]:
            flags = (False, False, False, False, False)
            rows.append(
                (sid, klass, f"学生{sid}", gender, birth, f"{letter}{sid:09d}", "", *flags, "enrolled", 1, now, now, "")
            )
    insert_rows(Student, STUDENT_FIELDS, rows)
    reset_sequences([Student])
    return pool
