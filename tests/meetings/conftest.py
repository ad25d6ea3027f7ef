from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.meetings import services
from dudao.meetings.models import Decision, Meeting, MemberDuty, TaskForce
from tests.factories import City


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def task_force(city: City) -> TaskForce:
    return services.create_task_force(
        actor=city.user("bureau_staff"),
        name="创城工作专班",
        members=[
            services.MemberIn(city.user("bureau_leader"), MemberDuty.LEAD),
            services.MemberIn(city.user("bureau_staff"), MemberDuty.LIAISON),
            services.MemberIn(city.user("district_admin"), MemberDuty.MEMBER),
            services.MemberIn(city.user("district_admin_b"), MemberDuty.MEMBER),
        ],
        duties="统筹创城迎检",
    )


def convene(city: City, task_force: TaskForce | None, day: dt.date, title: str = "创城调度会", **kw: Any) -> Meeting:
    return services.create_meeting(
        actor=city.user("bureau_staff"),
        title=title,
        starts_at=at(day),
        place="局三楼会议室",
        chair=city.user("bureau_leader"),
        task_force=task_force,
        **kw,
    )


@pytest.fixture
def meeting(city: City, task_force: TaskForce, today: dt.date) -> Meeting:
    return convene(city, task_force, today)


def decide(city: City, meeting: Meeting, deadline: dt.date, unit: Any = None, **kw: Any) -> Decision:
    return services.add_decision(
        actor=city.user("bureau_staff"),
        meeting=meeting,
        text=kw.pop("text", "完成校园周边环境整治"),
        owner_unit=unit or city.district_a,
        deadline=deadline,
        **kw,
    )


@pytest.fixture
def decision(city: City, meeting: Meeting, today: dt.date) -> Decision:
    return decide(city, meeting, today + dt.timedelta(days=7), owner_person=city.user("district_admin"))
