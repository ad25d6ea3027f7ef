"""The indicator registry: the catalogue every module contributes to, bulk roll-ups, scope and query counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.command import selectors
from dudao.core.errors import DomainError
from dudao.core.indicators import Direction, Grouping, Value, registered
from dudao.orgs.models import OrgUnit
from tests.factories import City

# Issue 16 item 1: the figures every module must contribute.
EXPECTED_CODES = {
    "directives.on_time_rate",
    "directives.completeness",
    "directives.unacknowledged",
    "rectification.overdue",
    "rectification.close_rate",
    "rectification.days_to_close",
    "inspections.latest_score",
    "notices.awareness_rate",
    "notices.unconfirmed",
    "health.unchecked_classes",
    "health.open_alerts",
    "duty.missed_signins",
    "duty.drill_coverage",
    "cases.visit_coverage",
    "cases.open_dropouts",
    "cases.schools_without_counsellor",
}
CODES = sorted(EXPECTED_CODES)
# Each indicator answers for any number of units with at most this many queries.
MAX_QUERIES = 2


@dataclass(frozen=True)
class Node:
    pk: int
    path: str


def test_rollup_adds_each_group_into_every_unit_above_it() -> None:
    city, district, school, other = Node(1, "0001"), Node(2, "00010001"), Node(3, "000100010001"), Node(4, "00010002")
    grouping = Grouping.of([city, district, school, other])
    assert grouping.root == "0001" and grouping.width == 12
    rows = [("000100010001", 2, 10), ("000100010002", 1, 4), ("00010001", 5, 5), ("000100020001", 3, 3)]
    assert grouping.rollup(rows, size=2) == {1: [11, 22], 2: [8, 19], 3: [2, 10], 4: [3, 3]}


def test_rollup_gives_zero_to_units_without_rows_and_counts_durations_in_seconds() -> None:
    grouping = Grouping.of([Node(1, "0001"), Node(2, "0002")])
    assert grouping.root == "000" and grouping.width == 4  # the common prefix, a superset filter
    assert grouping.rollup([("0001", dt.timedelta(days=1), None)], size=2) == {1: [86400, 0], 2: [0, 0]}


def test_values_say_rate_and_mean_and_none_when_nothing_to_measure() -> None:
    assert Value.rate(2, 3) == Value(66.7, 2, 3)
    assert Value.rate(0, 0).value is None
    assert Value.mean(7.0, 2) == Value(3.5, 7.0, 2)
    assert Value.count(0) == Value(0, 0)


def test_every_module_contributes_its_indicators_with_chinese_names_and_definitions() -> None:
    indicators = {indicator.code: indicator for indicator in registered()}
    assert set(indicators) >= EXPECTED_CODES
    for indicator in indicators.values():
        assert indicator.code.startswith(f"{indicator.module}.")
        assert indicator.name and not indicator.name.isascii()
        assert len(indicator.definition) > 10 and not indicator.definition.isascii()
        assert indicator.measure and isinstance(indicator.direction, Direction)
    assert all(indicators[code].counts_only for code in CODES if code.startswith("cases."))


def test_catalogue_follows_the_acting_roles_permissions(city: City) -> None:
    assert {i.code for i in selectors.catalogue(city.user("bureau_leader"))} >= EXPECTED_CODES
    inspector = {i.code for i in selectors.catalogue(city.user("inspector"))}
    assert "rectification.overdue" in inspector and "health.open_alerts" not in inspector
    assert "cases.open_dropouts" not in {i.code for i in selectors.catalogue(city.user("class_teacher"))}
    for admin in ("sysadmin", "security_officer", "auditor"):
        assert selectors.catalogue(city.user(admin)) == []


def units_of(city: City) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(path__under=city.root.path).exclude(kind="office").order_by("path")[:10])


@pytest.mark.parametrize("code", CODES)
def test_one_unit_or_ten_cost_the_same_few_queries(city: City, code: str, django_assert_max_num_queries) -> None:
    user = city.user("bureau_leader")
    indicator = selectors.indicator_for(user, code)
    today = timezone.localdate()
    ten = units_of(city)
    assert len(ten) == 10
    # Warm the shared tables some figures start from (enrolment per class), then compare like with like.
    selectors.values(user, indicator, [city.root], today - dt.timedelta(days=29), today)
    with CaptureQueriesContext(connection) as one_unit, django_assert_max_num_queries(MAX_QUERIES):
        selectors.values(user, indicator, [city.district_a], today - dt.timedelta(days=29), today)
    with CaptureQueriesContext(connection) as ten_units, django_assert_max_num_queries(MAX_QUERIES):
        figures = selectors.values(user, indicator, ten, today - dt.timedelta(days=29), today)
    assert len(ten_units.captured_queries) == len(one_unit.captured_queries)
    assert set(figures) == {u.pk for u in ten}


def test_units_outside_the_scope_get_no_value(city: City) -> None:
    user = city.user("district_admin")
    indicator = selectors.indicator_for(user, "rectification.overdue")
    today = timezone.localdate()
    figures = selectors.values(
        user, indicator, [city.district_a, city.school_a, city.district_b, city.root], today, today
    )
    assert set(figures) == {city.district_a.pk, city.school_a.pk}


def test_unknown_indicator_is_not_found_and_an_unreadable_one_is_forbidden(city: City) -> None:
    with pytest.raises(DomainError) as unknown:
        selectors.indicator_for(city.user("bureau_leader"), "nothing.here")
    assert unknown.value.status == 404
    with pytest.raises(DomainError) as refused:
        selectors.indicator_for(city.user("inspector"), "health.open_alerts")
    assert refused.value.status == 403


def test_a_start_after_the_end_is_refused_in_chinese() -> None:
    with pytest.raises(DomainError) as exc:
        selectors.period(dt.date(2026, 12, 7), dt.date(2026, 12, 1))
    assert exc.value.status == 400 and "不能晚于" in exc.value.message


def test_without_dates_a_figure_covers_the_last_thirty_days() -> None:
    assert selectors.period(None, None, today=dt.date(2026, 12, 7)) == (dt.date(2026, 11, 8), dt.date(2026, 12, 7))


@pytest.mark.parametrize("code", CODES)
def test_every_figure_drills_to_its_rows_and_a_page(city: City, code: str) -> None:
    user = city.user("bureau_leader")
    indicator = selectors.indicator_for(user, code)
    today = timezone.localdate()
    start = today - dt.timedelta(days=29)
    rows, url = selectors.drill(user, indicator, city.district_a, start, today)
    assert url.startswith("/")
    rows = list(rows)
    figure = selectors.values(user, indicator, [city.district_a], start, today)[city.district_a.pk]
    if figure.denominator is None and not indicator.counts_only:
        assert len(rows) == figure.value  # a count drills to exactly the rows it counts


def test_drilling_outside_the_scope_is_not_found(city: City) -> None:
    user = city.user("district_admin")
    indicator = selectors.indicator_for(user, "rectification.overdue")
    with pytest.raises(DomainError) as exc:
        selectors.drill(user, indicator, city.district_b, timezone.localdate(), timezone.localdate())
    assert exc.value.status == 404
