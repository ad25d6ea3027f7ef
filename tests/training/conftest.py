from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from dudao.teachers.models import Certificate, StaffProfile
from dudao.training import services
from dudao.training.models import TrainingEvent
from tests.factories import City


def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


def event_in(**overrides: Any) -> services.EventIn:
    start = overrides.pop("starts_at", now() - dt.timedelta(minutes=10))
    values: dict[str, Any] = {
        "title": "班主任能力提升培训",
        "level": "school",
        "category": "class_teacher",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=3),
        "venue": "学校多功能厅",
        "hours": Decimal("3"),
        "audience": "全体班主任",
    }
    values.update(overrides)
    return services.EventIn(**values)


@pytest.fixture
def staff(city: City) -> dict[str, StaffProfile]:
    """Profiles for the school_a people: the class teacher (a 班主任), the counsellor (C证), the doctor."""
    profiles = {
        "class_teacher": StaffProfile.objects.create(user=city.user("class_teacher"), is_class_teacher=True),
        "counsellor": StaffProfile.objects.create(user=city.user("counsellor")),
        "doctor": StaffProfile.objects.create(user=city.user("doctor"), post="auxiliary"),
    }
    Certificate.objects.create(profile=profiles["counsellor"], kind="psych_c", number="XL1")
    return profiles


@pytest.fixture
def event(city: City, staff: dict[str, StaffProfile]) -> TrainingEvent:
    """A training of 五中 running now (started ten minutes ago, three hours)."""
    return services.create_event(actor=city.user("principal"), organiser=city.school_a, data=event_in())


def token_for(event: TrainingEvent) -> str:
    return services.sign_in_token(event)
