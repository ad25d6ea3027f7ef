from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.orgs import tags
from dudao.orgs.models import UnitTag
from dudao.warnings import services
from dudao.warnings.models import WarningKind, WarningLevel, WeatherWarning
from tests.factories import City


def tag(name: str) -> UnitTag:
    tags.ensure_builtin_tags()
    return UnitTag.objects.get(name=name, owner=None)


@pytest.fixture
def tagged(city: City) -> City:
    """五中 is low-lying and boarding, 实验小学 has a canteen only, 乙区一小 sits by a river."""
    staff = city.user("bureau_staff")
    tags.tag_units(actor=staff, tag=tag("地势低洼"), units=[city.school_a])
    tags.tag_units(actor=staff, tag=tag("寄宿制"), units=[city.school_a])
    tags.tag_units(actor=staff, tag=tag("有食堂"), units=[city.school_a2])
    tags.tag_units(actor=staff, tag=tag("河流沿岸"), units=[city.school_b])
    return city


def warning_in(city: City, **overrides: Any) -> services.WarningIn:
    now = timezone.now()
    args: dict[str, Any] = {
        "kind": WarningKind.RAINSTORM,
        "level": WarningLevel.RED,
        "starts_at": now,
        "ends_at": now + dt.timedelta(hours=24),
        "area": [city.district_a.pk],
        "issuer": "市气象台",
        "content": "预计 6 小时内降雨量将达 100 毫米以上",
    }
    args.update(overrides)
    return services.WarningIn(**args)


@pytest.fixture
def rainstorm(tagged: City) -> WeatherWarning:
    """A red rainstorm warning for 甲区 entered by its health officer."""
    return services.create_warning(actor=tagged.user("health_officer"), data=warning_in(tagged))
