from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.directives import services
from dudao.directives.models import Directive, FormVersion
from tests.factories import City

STAFFING_SCHEMA: dict[str, Any] = {
    "fields": [
        {"key": "staff", "label": "教职工数", "type": "integer", "required": True, "min": 0, "unit": "人"},
        {"key": "psych_full", "label": "专职心理教师数", "type": "integer", "required": True, "min": 0, "unit": "人"},
        {"key": "psych_part", "label": "兼职心理教师数", "type": "integer", "min": 0, "unit": "人"},
        {"key": "note", "label": "备注", "type": "textarea"},
        {
            "key": "sites",
            "label": "示范点学校",
            "type": "table",
            "max_rows": 50,
            "columns": [
                {"key": "school", "label": "学校名称", "type": "text", "required": True},
                {"key": "reason", "label": "推荐理由", "type": "text"},
                {"key": "pupils", "label": "学生数", "type": "integer", "min": 0},
            ],
        },
    ],
    "rules": [{"left": "psych_full", "op": "<=", "right": "staff"}],
    "totals": [{"key": "psych_total", "label": "心理教师合计", "sum": ["psych_full", "psych_part"]}],
}


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def form_version(city: City) -> FormVersion:
    form = services.create_form(actor=city.user("bureau_staff"), name="心理健康教师配备情况", schema=STAFFING_SCHEMA)
    return services.publish_form(actor=city.user("bureau_staff"), form=form)


def city_directive(city: City, form_version: FormVersion | None, **extra: Any) -> Directive:
    """A city directive to both districts' schools, issued."""
    options: dict[str, Any] = {
        "title": "关于报送心理健康教师配备情况的通知",
        "deadline": in_days(10),
        "targets": {"mode": "kind", "kind": "school"},
        "form_version": form_version,
        "issue": True,
    }
    options.update(extra)
    return services.create_directive(actor=city.user("bureau_staff"), **options)


GOOD_VALUES = {
    "staff": 80,
    "psych_full": 2,
    "psych_part": 1,
    "sites": [{"school": "五中", "reason": "示范", "pupils": 900}],
}
