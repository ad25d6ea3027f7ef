"""Appraisal fixtures: two test indicators whose values the test sets per unit, and schemes built on them.

`test.rate` (%, higher is better) and `test.overdue` (项, lower is better) are registered for the test only, so
scores are exact and known; one test also reads a real indicator to check the path through the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal import services
from dudao.appraisal.models import AppraisalScheme, ItemKind
from dudao.appraisal.services import ItemIn, SchemeIn
from dudao.core import indicators
from dudao.core.indicators import Direction, Drilldown, Indicator, Value
from tests.factories import City


@dataclass
class Figures:
    """Values of the test indicators per unit pk (None: nothing to measure)."""

    rate: dict[Any, float | None] = field(default_factory=dict)
    overdue: dict[Any, float | None] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[Figures]:
    found = Figures()

    def rate(units: Any, start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
        found.calls.append(len(units))
        return {u.pk: Value(found.rate.get(u.pk), 1, 1) for u in units}

    def overdue(units: Any, start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
        return {u.pk: Value.count(found.overdue.get(u.pk) or 0) for u in units}

    def drill(unit: Any, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
        return Drilldown([f"{unit.name}的逾期报送：第 {n} 期" for n in (1, 2)], "/directives/")

    common: dict[str, Any] = {"module": "directives", "permission": "directive.read", "drill": drill}
    monkeypatch.setitem(
        indicators._indicators,
        "test.rate",
        Indicator(
            code="test.rate",
            name="测试报送率",
            definition="测试用",
            measure="%",
            direction=Direction.HIGHER,
            compute=rate,
            **common,
        ),
    )
    monkeypatch.setitem(
        indicators._indicators,
        "test.overdue",
        Indicator(
            code="test.overdue",
            name="测试逾期问题",
            definition="测试用",
            measure="项",
            direction=Direction.LOWER,
            compute=overdue,
            **common,
        ),
    )
    yield found


def this_year() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


SCHOOL_ITEMS = [
    ItemIn("报送", ItemKind.LIVE, 60, "test.rate", "linear", 50, 100),
    ItemIn("整改", ItemKind.LIVE, 20, "test.overdue", "banded", bands="0:100, 2:50"),
    ItemIn("平安校园", ItemKind.MANUAL, 15, criteria="现场查看"),
    ItemIn("问责扣分", ItemKind.DEDUCTION, 5),
    ItemIn("一票否决", ItemKind.VETO, criteria="瞒报疫情"),
]


def build_scheme(
    actor: User,
    unit: Any,
    *,
    kind: str = "school",
    items: list[ItemIn] | None = None,
    name: str = "年度学校考评",
    previous: AppraisalScheme | None = None,
) -> AppraisalScheme:
    start, end = this_year()
    scheme = services.create_scheme(
        actor=actor,
        unit=unit,
        data=SchemeIn(
            name=name,
            period_kind="year",
            period_start=start,
            period_end=end,
            unit_kind=kind,
            previous=previous,
        ),
    )
    for item in SCHOOL_ITEMS if items is None else items:
        scheme.refresh_from_db()
        services.add_item(actor=actor, scheme=scheme, data=item, version=scheme.version)
    scheme.refresh_from_db()
    return scheme


@pytest.fixture
def scheme(city: City, figures: Figures) -> AppraisalScheme:
    """The city's school scheme, announced: 五中 (school_a) 80 %, 实验小学 (school_a2) 100 %, 一小 (school_b) 60 %."""
    figures.rate.update({city.school_a.pk: 80, city.school_a2.pk: 100, city.school_b.pk: 60})
    figures.overdue.update({city.school_a.pk: 1, city.school_a2.pk: 0, city.school_b.pk: 3})
    made = build_scheme(city.user("bureau_staff"), city.root)
    return services.announce(actor=city.user("bureau_staff"), scheme=made, version=made.version)


def publish(city: City, scheme: AppraisalScheme) -> AppraisalScheme:
    staff = city.user("bureau_staff")
    scheme.refresh_from_db()
    scheme = services.freeze(actor=staff, scheme=scheme, version=scheme.version)
    return services.publish(actor=staff, scheme=scheme, version=scheme.version)
