from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.cases import services
from dudao.cases.models import CaseFile, CaseKind, CaseSource, RiskLevel
from tests.factories import City


def open_psych(city: City, student_index: int = 0, level: str = RiskLevel.LEVEL2, **extra: Any) -> CaseFile:
    """A psych case at school_a opened by the counsellor for a student of class_a1 (whose class teacher is
    city.users["class_teacher"])."""
    return services.open_case(
        actor=city.user("counsellor"),
        student=city.students["a1"][student_index],
        kind=CaseKind.PSYCH,
        source=CaseSource.TEACHER,
        risk_level=level,
        plan=extra.pop("plan", "每周一次个别辅导，关注睡眠与情绪"),
        **extra,
    )


def now_minus(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


@pytest.fixture
def case(city: City) -> CaseFile:
    return open_psych(city)
