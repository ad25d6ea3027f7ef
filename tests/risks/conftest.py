from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
from dudao.risks import services
from dudao.risks.models import Category, Frequency, Grade, RiskPoint
from tests.factories import City


def point_data(responsible: User, **overrides: object) -> services.PointData:
    fields: dict[str, object] = {
        "category": Category.WATER,
        "place": "学校北侧临河护栏",
        "description": "围墙外为河道，护栏低矮，学生放学途经，有溺水风险",
        "grade": Grade.MAJOR,
        "measures": "加高护栏至1.5米；设置警示牌；放学时段安排教师值守",
        "responsible": responsible,
        "frequency": Frequency.DAILY,
    }
    fields.update(overrides)
    return services.PointData(**fields)  # type: ignore[arg-type]


def make_point(city: City, unit: OrgUnit | None = None, **overrides: object) -> RiskPoint:
    """A red 涉水 point at 五中, the class teacher responsible, created by the principal."""
    responsible = overrides.pop("responsible", city.user("class_teacher"))
    assert isinstance(responsible, User)
    return services.create_point(
        actor=city.user("principal"), unit=unit or city.school_a, data=point_data(responsible, **overrides)
    )


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def point(city: City) -> RiskPoint:
    return make_point(city)
