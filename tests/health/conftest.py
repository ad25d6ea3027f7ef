from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.health.services import AbsenceInput, CheckResult, submit_check
from tests.factories import City, student


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def fever(student_id: int, temp: float = 38.5, reason: str = "illness", suspected: str = "") -> AbsenceInput:
    return AbsenceInput(
        student=student_id, reason=reason, symptoms=("fever", "cough"), temperature=temp, suspected=suspected
    )


def check(
    city: City,
    absences: list[AbsenceInput],
    *,
    day: dt.date | None = None,
    who: str = "class_teacher",
    klass: Any = None,
    session: str = "morning",
    key: str = "",
) -> CheckResult:
    return submit_check(
        actor=city.user(who),
        klass=klass or city.class_a1,
        date=day or timezone.localdate(),
        session=session,
        absences=absences,
        idempotency_key=key,
    )


def more_students(city: City, n: int, klass: Any = None) -> list[int]:
    klass = klass or city.class_a1
    return [student(klass).pk for _ in range(n)]


@pytest.fixture(autouse=True)
def _fresh_health_tables() -> None:
    """The disease and threshold tables are cached per process; a test's rolled-back edits must not leak."""
    from dudao.health import tables

    tables.invalidate()
