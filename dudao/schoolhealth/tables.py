"""Coverage per class, kept in the shared cache: what every coverage figure (pages, API, indicators) rolls up.

At city scale the GROUP BY over the completing doses of 1.26 M students (≈ 3 M rows joined to their students) takes
tens of seconds on a loaded SQLite box; doses are recorded in batches a few times a day. So the table
{class path: [covered, contraindicated] per vaccine} is computed once, shared through Django's cache under a random
version token, and rolled up to any units by path prefix in Python (as `orgs.enrolment` does for the roster).

Freshness: every write of doses calls `invalidate()` (after commit too); the key also carries the roster's enrolment
version, so a student leaving drops the table at once and a rate never passes 100 %; an entry lives at most `MAX_AGE`
seconds.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Collection
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q

from dudao.orgs.enrolment import VERSION_KEY as ENROLMENT_VERSION_KEY
from dudao.orgs.models import OrgUnit, StudentStatus, UnitKind
from dudao.schoolhealth.models import VaccinationRecord
from dudao.schoolhealth.vaccines import VACCINES

VERSION_KEY = "schoolhealth:coverage:version"
TABLE_KEY = "schoolhealth:coverage:table:{}:{}"
MAX_AGE = 600
INDEX = {v.code: n for n, v in enumerate(VACCINES)}

_lock = threading.Lock()
_memo: tuple[str, float, dict[str, list[int]]] | None = None


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or ""
    roster = cache.get(ENROLMENT_VERSION_KEY)
    if roster is None:  # created the way orgs.enrolment creates it, so that its first read does not change our key
        cache.add(ENROLMENT_VERSION_KEY, uuid.uuid4().hex, None)
        roster = cache.get(ENROLMENT_VERSION_KEY) or ""
    return f"{version}:{roster}"


def compute(classes: Collection[int] | None = None) -> dict[str, list[int]]:
    """{class path: [covered, contraindicated] × each vaccine of the table} for enrolled students (of `classes` only,
    when given): one GROUP BY by the student's class id (no join to the org tree), then named by path."""
    records = VaccinationRecord.objects.all()
    if classes is not None:
        records = records.filter(student__klass_id__in=list(classes))
    rows = (
        records.filter(
            Q(completes_course=True) | Q(dose_number__isnull=True),
            student__isnull=False,
            student__status=StudentStatus.ENROLLED,
        )
        .order_by()
        .values_list("student__klass_id", "vaccine")
        .annotate(covered=Count("pk", filter=Q(completes_course=True)), contra=Count("pk", filter=Q(dose_number=None)))
        .values_list("student__klass_id", "vaccine", "covered", "contra")
    )
    by_class: dict[Any, list[int]] = {}
    for klass, code, covered, contra in rows:
        if code in INDEX:
            numbers = by_class.setdefault(klass, [0] * (2 * len(VACCINES)))
            numbers[2 * INDEX[code]] += covered
            numbers[2 * INDEX[code] + 1] += contra
    units = OrgUnit.objects.filter(kind=UnitKind.CLASS)
    if classes is not None:
        units = units.filter(pk__in=list(classes))
    paths = dict(units.values_list("pk", "path"))
    return {paths[klass]: numbers for klass, numbers in by_class.items() if klass in paths}


def by_class() -> dict[str, list[int]]:
    global _memo
    version = _version()
    memo = _memo
    if memo is not None and memo[0] == version and time.monotonic() - memo[1] < MAX_AGE:
        return memo[2]
    key = TABLE_KEY.format(*version.split(":", 1))
    table: dict[str, list[int]] | None = cache.get(key)
    if table is None:
        table = compute()
        cache.set(key, table, MAX_AGE)
    with _lock:
        _memo = (version, time.monotonic(), table)
    return table


def refresh_classes(classes: Collection[int]) -> None:
    """After doses were recorded in a few classes: once the transaction commits, recompute those classes' rows and
    publish the patched table under a new version (a city's full GROUP BY is not redone for one class's doses).
    Without a cached table there is nothing to patch. Two writers patching at once may lose one patch until the
    entry expires (`MAX_AGE`); the table is a figure cache, the doses themselves are never lost."""
    classes = set(classes)
    if not classes:
        return

    def patch() -> None:
        version = _version()
        table: dict[str, list[int]] | None = cache.get(TABLE_KEY.format(*version.split(":", 1)))
        if table is None:
            _drop()
            return
        fresh = compute(classes)
        paths = dict(OrgUnit.objects.filter(pk__in=list(classes)).values_list("pk", "path"))
        patched = {path: numbers for path, numbers in table.items() if path not in paths.values()}
        patched.update(fresh)
        token = uuid.uuid4().hex
        cache.set(TABLE_KEY.format(token, version.split(":", 1)[1]), patched, MAX_AGE)
        cache.set(VERSION_KEY, token, None)
        global _memo
        with _lock:
            _memo = None

    transaction.on_commit(patch)


def invalidate() -> None:
    """Forget the table now (the writer's own transaction reads its change) and again after commit."""
    _drop()
    transaction.on_commit(_drop)


def _drop() -> None:
    global _memo
    with _lock:
        _memo = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
