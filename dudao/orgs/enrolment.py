"""Enrolment per class, kept in the shared cache: the counts every city-scope page starts from.

At city scale a count of enrolled students under the city or each district is a GROUP BY over 1.26 million rows
(half a second on SQLite); the org tree, the home page, counsellor staffing and home-visit coverage each did it on
every visit. Enrolment changes a few times a term (roster imports, transfers, students leaving), so the per-class
table is computed once, shared through Django's cache (Redis or the database cache in production) and rolled up to
any set of units in Python from their path prefixes (`rollup`).

Freshness: every write path that changes enrolment calls `invalidate()` (roster import, transfer, leaving, the demo
loader) and saving or deleting a Student through the ORM does it by signal; as a safety net an entry lives at most
`MAX_AGE` seconds. The version key is a random token, not a counter, so an emptied cache never brings back an old
table kept in a process.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save

from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind

VERSION_KEY = "orgs:enrolment:version"
TABLE_KEY = "orgs:enrolment:table:{}"
MAX_AGE = 600

_lock = threading.Lock()
_memo: tuple[str, float, dict[str, tuple[int, int, int]]] | None = None


@dataclass
class Enrolment:
    students: int = 0
    # Left-behind or in hardship: the children home visits must reach first.
    special: int = 0
    # Every student record, those who left included: the length of the roster list.
    records: int = 0


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or ""
    return str(version)


def _compute() -> dict[str, tuple[int, int, int]]:
    enrolled = Q(status=StudentStatus.ENROLLED)
    special = enrolled & (Q(is_left_behind=True) | Q(is_in_hardship=True))
    # Grouped by the class id (no join), then named by path.
    # Counting the class column lets the index student_enrolment (class, status, flags) answer alone.
    rows = list(
        Student.objects.order_by()
        .values_list("klass_id")
        .annotate(
            n=Count("klass_id", filter=enrolled), special=Count("klass_id", filter=special), records=Count("klass_id")
        )
        .values_list("klass_id", "n", "special", "records")
    )
    paths = dict(OrgUnit.objects.filter(kind=UnitKind.CLASS).values_list("pk", "path"))
    return {paths[klass]: (n, s, r) for klass, n, s, r in rows if klass in paths}


def by_class() -> dict[str, tuple[int, int, int]]:
    """{class path: (enrolled students, of whom left-behind or in hardship, all records)} for the installation."""
    global _memo
    version = _version()
    memo = _memo
    if memo is not None and memo[0] == version and time.monotonic() - memo[1] < MAX_AGE:
        return memo[2]
    key = TABLE_KEY.format(version)
    table: dict[str, tuple[int, int, int]] | None = cache.get(key)
    if table is None:
        table = _compute()
        cache.set(key, table, MAX_AGE)
    with _lock:
        _memo = (version, time.monotonic(), table)
    return table


def rollup(units: Iterable[OrgUnit]) -> dict[Any, Enrolment]:
    """Enrolled students under each unit (its whole subtree): {unit pk: Enrolment}, from the cached table."""
    units = list(units)
    totals = {unit.pk: Enrolment() for unit in units}
    by_path: dict[str, list[Any]] = {}
    for unit in units:
        by_path.setdefault(unit.path, []).append(unit.pk)
    lengths = sorted({len(path) for path in by_path})
    for path, (students, special, records) in by_class().items():
        for length in lengths:
            if length > len(path):
                break
            for pk in by_path.get(path[:length], ()):
                found = totals[pk]
                found.students += students
                found.special += special
                found.records += records
    return totals


def invalidate(**_: Any) -> None:
    """Forget the table now (the writer's own transaction reads its change) and again once the transaction commits
    (a reader elsewhere may have cached the old state in between)."""
    _drop()
    transaction.on_commit(_drop)


def _drop() -> None:
    global _memo
    with _lock:
        _memo = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


post_save.connect(invalidate, sender=Student, dispatch_uid="orgs-enrolment-save")
post_delete.connect(invalidate, sender=Student, dispatch_uid="orgs-enrolment-delete")
