from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.calendars import services as calendar_services
from dudao.calendars.models import SchoolYear
from dudao.returns import services
from dudao.returns.models import ScreeningRound
from tests.factories import City


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


@pytest.fixture
def year(city: City) -> SchoolYear:
    """A published year around today: the first term ends in 20 days, the second opens in 40 (a Monday or later)."""
    actor = city.user("bureau_staff")
    year = calendar_services.create_year(
        actor=actor, unit=city.root, name="本学年", starts_on=days(-120), ends_on=days(240)
    )
    calendar_services.add_term(
        actor=actor, year=year, term=calendar_services.TermIn("第一学期", days(-90), days(20)), version=None
    )
    calendar_services.add_term(
        actor=actor, year=year, term=calendar_services.TermIn("第二学期", days(40), days(200)), version=None
    )
    year.refresh_from_db()
    calendar_services.publish_year(actor=actor, year=year, version=year.version)
    year.refresh_from_db()
    return year


def second_opening() -> dt.date:
    """The first weekday on or after the second term's start."""
    day = days(40)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def next_weekday(n: int) -> dt.date:
    """The first Monday–Friday at least `n` days from today."""
    day = days(n)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


AREAS = "北京市朝阳区\n广州市白云区"


@pytest.fixture
def school_round(city: City, year: SchoolYear) -> ScreeningRound:
    return services.open_round(
        actor=city.user("principal"),
        unit=city.school_a,
        data=services.RoundIn(name="寒假返校筛查", risk_areas=AREAS, questions=["寒假期间是否离开本市"]),
    )
