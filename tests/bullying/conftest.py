from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.bullying import services
from dudao.bullying.models import Designation, Report
from tests.factories import City


def today() -> dt.date:
    return timezone.localdate()


def report_in(**overrides: Any) -> services.ReportIn:
    values: dict[str, Any] = {
        "kind": "verbal",
        "occurred_on": today(),
        "place": "教学楼三楼走廊",
        "description": "课间多次被同学起侮辱性绰号并当众嘲笑，孩子不愿上学。",
        "reporter": "王女士（母亲）13900001111",
    }
    values.update(overrides)
    return services.ReportIn(**values)


@pytest.fixture
def designated(city: City) -> Designation:
    """The counsellor of 甲区第五中学 is a designated 防欺凌 person."""
    return services.designate(actor=city.user("principal"), school=city.school_a, user=city.user("counsellor"))


@pytest.fixture
def report(city: City) -> Report:
    """A guardian's report at 甲区第五中学."""
    found, _ = services.submit_public(school=city.school_a, data=report_in(), request_key="k-1")
    return found


@pytest.fixture
def report_b(city: City) -> Report:
    found, _ = services.submit_public(school=city.school_b, data=report_in(), request_key="k-b")
    return found


def walk(city: City, report: Report, until: str, *, bullying: bool = True) -> Report:
    """Record the steps in order as the principal until the step `until` is done."""
    actor = city.user("principal")
    while True:
        report.refresh_from_db()
        kind = report.next_step
        assert kind is not None
        if kind == "measures" and not report.involvements.exists():
            services.add_student(
                actor=actor,
                report=report,
                student=services.StudentIn(role="victim", student_id=city.students["a1"][0].pk),
                version=report.version,
            )
            report.refresh_from_db()
        services.record_step(
            actor=actor,
            report=report,
            kind=kind,
            text=f"{kind} 记录内容",
            version=report.version,
            is_bullying=bullying if kind == "determine" else None,
            severity="general" if kind == "determine" and bullying else "",
        )
        if kind == until:
            report.refresh_from_db()
            return report
