"""问责 and 通报表扬 reach appraisal through dudao.core.adjustments, without naming the person concerned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.core import adjustments
from tests.factories import City
from tests.supervision.factories import praise, talk, today

pytestmark = pytest.mark.django_db


def test_records_are_registered_sources_with_signed_points(city: City) -> None:
    talk(city, person_key="principal", deduction=Decimal("1.5"))
    talk(city, person_key=None, unit=city.school_b, deduction=None)  # no points: not an adjustment
    praise(city, unit=city.school_a2, bonus=Decimal("2"))
    accountability = adjustments.get("supervision.accountability")
    commendations = adjustments.get("supervision.commendations")
    assert accountability is not None and commendations is not None
    units = [city.district_a, city.school_a, city.school_a2, city.school_b]
    start, end = today() - dt.timedelta(days=30), today()
    minus = accountability.collect(units, start, end)
    assert [a.points for a in minus[city.school_a.pk]] == [-1.5]
    assert [a.points for a in minus[city.district_a.pk]] == [-1.5]  # a school's record weighs on its district
    assert minus[city.school_b.pk] == [] and minus[city.school_a2.pk] == []
    # The reason names the form and the unit, never the principal it concerns.
    reason = minus[city.school_a.pk][0].reason
    assert city.school_a.name in reason and city.user("principal").display_name not in reason
    plus = commendations.collect(units, start, end)
    assert [a.points for a in plus[city.school_a2.pk]] == [2.0] and plus[city.school_a.pk] == []
    assert minus[city.school_a.pk][0].url.startswith("/supervision/accountability/")
