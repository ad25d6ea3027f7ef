from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.accounts.models import User
from dudao.gate import services
from dudao.gate.models import Visit, VisitReason
from dudao.orgs.models import OrgUnit
from tests.factories import City, UserFactory, assign, id_card

GOOD_ID = id_card(dt.date(1985, 6, 15), 321)
OTHER_ID = id_card(dt.date(1990, 2, 3), 654)
# The same number with its check digit changed.
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


@pytest.fixture
def guard(city: City) -> User:
    user = UserFactory.create(username="gate.guard", full_name="陈门卫", unit=city.school_a, title="门卫")
    assign(user, "guard", city.school_a)
    return user


@pytest.fixture
def guard_b(city: City) -> User:
    user = UserFactory.create(username="gate.guard.b", full_name="乙区门卫", unit=city.school_b, title="门卫")
    assign(user, "guard", city.school_b)
    return user


def visitor(**overrides: Any) -> services.VisitorInput:
    values: dict[str, Any] = {
        "name": "王秀英",
        "id_card_no": GOOD_ID,
        "phone": "13907910021",
        "host_text": "七年级（1）班 班主任",
        "reason": VisitReason.PARENT,
        "temperature": "36.5",
    }
    values.update(overrides)
    return services.VisitorInput(**values)


def register(actor: User, school: OrgUnit, **overrides: Any) -> Visit:
    return services.register_visit(actor=actor, school=school, data=visitor(**overrides))


def at_hours_ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def old_visit(school: OrgUnit, actor: User, days: int, **overrides: Any) -> Visit:
    """A visit `days` ago, written directly: the service refuses back-dating beyond the retention period."""
    values: dict[str, Any] = {
        "school": school,
        "name": "李四",
        "id_card_no": OTHER_ID,
        "phone": "13800001111",
        "host_text": "总务处",
        "reason": VisitReason.DELIVERY,
        "temperature": "36.4",
        "checked_in_at": timezone.now() - dt.timedelta(days=days),
        "registered_by": actor,
    }
    values.update(overrides)
    return Visit.objects.create(**values)


def earlier_today(share: float) -> dt.datetime:
    """A moment of today before now: `share` of the time since midnight (tests run at any hour, 00:05 too)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + (now - midnight) * share
