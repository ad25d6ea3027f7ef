"""Complaints in the test city: filed, routed, replied, answered."""

from __future__ import annotations

from typing import Any

from dudao.complaints import services
from dudao.complaints.models import Complaint
from dudao.complaints.services import Submission
from tests.factories import City


def submission(**extra: Any) -> Submission:
    fields: dict[str, Any] = {
        "kind": "complaint",
        "category": "tutoring",
        "title": "数学老师周末有偿补课",
        "content": "孩子班上的数学老师每周六在小区给本班学生补课，每月收费八百元。",
        "about": "甲区第五中学",
        "is_anonymous": False,
        "name": "王芳",
        "phone": "13912345678",
        **extra,
    }
    return Submission(**fields)


def filed(**extra: Any) -> Complaint:
    return services.submit_public(submission=submission(**extra))


def routed(city: City, unit: Any = None, **extra: Any) -> Complaint:
    item = filed(**extra)
    return services.route(
        actor=city.user("bureau_staff"), complaint=item, unit=unit or city.school_a, version=item.version
    )


def replied(city: City, **extra: Any) -> Complaint:
    item = routed(city, **extra)
    return services.reply(
        actor=city.user("principal"), complaint=item, text="经核实，已责令该教师停止补课并退还费用。", version=None
    )


def answered(city: City, **extra: Any) -> Complaint:
    item = replied(city, **extra)
    return services.accept(actor=city.user("bureau_staff"), complaint=item, version=None)
