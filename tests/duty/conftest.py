from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.duty import services
from dudao.duty.models import DutyRoster, DutyShift, PlanType, ShiftRole
from dudao.orgs.roles import Role
from tests.factories import City, UserFactory


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def roster(city: City, today: dt.date) -> DutyRoster:
    return services.create_roster(
        actor=city.user("principal"),
        unit=city.school_a,
        title="暑假值班表",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=6),
    )


def add(
    city: City, roster: DutyRoster, person: Any, start: dt.datetime, hours: int = 12, role: str = ShiftRole.STAFF
) -> DutyShift:
    return services.add_shift(
        actor=city.user("principal"),
        roster=roster,
        person=person,
        role=role,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
    )


@pytest.fixture
def live_shift(city: City, roster: DutyRoster) -> DutyShift:
    """The doctor on duty at school_a now (started ten minutes ago), roster published."""
    now = timezone.now().replace(second=0, microsecond=0)
    shift = add(city, roster, city.user("doctor"), now - dt.timedelta(minutes=10))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    return shift


def inspection_plan(city: City, unit: Any = None) -> Any:
    return services.save_plan(
        actor=city.user("principal") if unit is None else city.user("bureau_staff"),
        unit=unit or city.school_a,
        plan_type=PlanType.INSPECTION,
        title="迎检工作预案",
        summary="接到通知后立即启动",
        steps=[
            services.StepIn("校园环境整治", Role.SCHOOL_STAFF, "清理卫生死角"),
            services.StepIn("档案资料整理", Role.PRINCIPAL),
            services.StepIn("学生健康台账", Role.DOCTOR),
            services.StepIn("心理辅导室开放", Role.COUNSELLOR),
        ],
    )


def person_at(unit: Any, name: str = "") -> Any:
    return UserFactory.create(unit=unit, full_name=name or "值班员")
