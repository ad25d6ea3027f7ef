from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from dudao.guards import services
from dudao.guards.models import Equipment, EquipmentKind, Guard
from tests.factories import City, id_card

_serial = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def add_guard(city: City, name: str = "王建国", *, days: int = 400, **extra: object) -> Guard:
    data = {
        "name": name,
        "phone": "13912345678",
        "id_card_no": id_card(dt.date(1975, 3, 8), next(_serial)),
        "licence_number": "赣2020123456",
        "licence_expires_on": today() + dt.timedelta(days=days),
        "trained_on": today() - dt.timedelta(days=30),
    }
    data.update(extra)
    return services.add_guard(actor=city.user("principal"), school=city.school_a, data=services.GuardIn(**data))  # type: ignore[arg-type]


def equip_fully(city: City) -> list[Equipment]:
    return [
        services.add_equipment(
            actor=city.user("principal"),
            school=city.school_a,
            data=services.EquipmentIn(
                kind=kind,
                linked_to_police=True,
                coverage=100 if kind == EquipmentKind.VIDEO else None,
                last_checked_on=today() - dt.timedelta(days=3),
            ),
        )
        for kind in EquipmentKind
    ]


@pytest.fixture
def green_school(city: City) -> City:
    """school_a with one guard (valid licence, trained) and every kind of equipment checked: a green card."""
    add_guard(city)
    equip_fully(city)
    return city
