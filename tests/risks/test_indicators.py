"""The register's figures for the cockpit: red/orange points and overdue checks, for many units in fixed queries."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.core.indicators import get
from dudao.risks.models import Grade, RiskPoint
from tests.factories import City
from tests.risks.conftest import make_point

pytestmark = pytest.mark.django_db


def test_high_points_and_overdue_checks_per_unit(
    city: City, today: dt.date, django_assert_max_num_queries: object
) -> None:
    make_point(city)  # red, 五中
    make_point(city, place="老教学楼", category="building", grade=Grade.LARGE, frequency="weekly")
    make_point(city, place="食堂", category="food", grade=Grade.GENERAL)
    late = make_point(city, place="配电房", category="electrical", grade=Grade.LOW)
    RiskPoint.objects.filter(pk=late.pk).update(check_deadline=today - dt.timedelta(days=1))
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_a2]
    user = city.user("bureau_staff")
    high, overdue = get("risks.high_points"), get("risks.overdue_checks")
    assert high is not None and overdue is not None
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        highs = high.compute(units, today, today, user=user)
        lates = overdue.compute(units, today, today, user=user)
    assert [highs[u.pk].value for u in units] == [2, 2, 0, 2, 0]
    assert [lates[u.pk].value for u in units] == [1, 1, 0, 1, 0]
    rows = overdue.drill(city.school_a, today, today, user=user).rows
    assert [p.place for p in rows] == ["配电房"]
