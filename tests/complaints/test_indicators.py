"""The cockpit figures: open items and overdue replies per unit, one query each however many units."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.complaints.indicators import open_items, overdue_items
from dudao.complaints.models import Complaint
from tests.complaints.factories import answered, filed, routed
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_open_and_overdue_per_unit(city: City, django_assert_num_queries) -> None:
    filed()  # waiting at the bureau
    late = routed(city)
    routed(city, unit=city.school_b)
    answered(city)
    Complaint.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_a2]
    today = timezone.localdate()
    with django_assert_num_queries(1):
        opened = open_items(units, today, today, user=city.user("bureau_staff"))
    assert {u.name: opened[u.pk].value for u in units} == {
        "测试市教育局": 3,
        "甲区教育局": 1,
        "乙区教育局": 1,
        "甲区第五中学": 1,
        "甲区实验小学": 0,
    }
    overdue = overdue_items(units, today, today, user=city.user("bureau_staff"))
    assert overdue[city.district_a.pk].value == 1 and overdue[city.district_b.pk].value == 0
