from __future__ import annotations

import datetime as dt

import pytest

from dudao.calendars import services
from dudao.calendars.models import EntryKind, SchoolYear
from tests.factories import City

D = dt.date


def build_year(city: City, *, publish: bool = True) -> SchoolYear:
    """2026–2027 as the bureau publishes it: two terms, 国庆 with two 调休 days, 元旦, 寒假, an exam week."""
    actor = city.user("bureau_staff")
    year = services.create_year(
        actor=actor, unit=city.root, name="2026—2027学年", starts_on=D(2026, 9, 1), ends_on=D(2027, 8, 31)
    )
    for term in (
        services.TermIn("第一学期", D(2026, 9, 1), D(2027, 1, 23)),
        services.TermIn("第二学期", D(2027, 2, 22), D(2027, 7, 9)),
    ):
        services.add_term(actor=actor, year=year, term=term, version=None)
    for entry in (
        services.EntryIn(EntryKind.MAKEUP, "国庆调休上课", D(2026, 9, 20), D(2026, 9, 20)),
        services.EntryIn(EntryKind.HOLIDAY, "国庆节", D(2026, 10, 1), D(2026, 10, 7)),
        services.EntryIn(EntryKind.MAKEUP, "国庆调休上课", D(2026, 10, 10), D(2026, 10, 10)),
        services.EntryIn(EntryKind.EXAM, "期中考试", D(2026, 11, 9), D(2026, 11, 13)),
        services.EntryIn(EntryKind.HOLIDAY, "元旦", D(2027, 1, 1), D(2027, 1, 3)),
        services.EntryIn(EntryKind.BREAK, "寒假", D(2027, 1, 24), D(2027, 2, 21)),
    ):
        services.add_year_entry(actor=actor, year=year, entry=entry, version=None)
    if publish:
        year.refresh_from_db()
        services.publish_year(actor=actor, year=year, version=year.version)
    year.refresh_from_db()
    return year


@pytest.fixture
def year(city: City) -> SchoolYear:
    return build_year(city)
