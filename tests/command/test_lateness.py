"""The lateness ranking of the units one level down: per-indicator placing among siblings, score, colours, rank."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dudao.command import lateness, summary
from dudao.command.lateness import LatenessCell, UnitLateness
from dudao.core.errors import DomainError
from dudao.core.indicators import Direction, Indicator, Value, get
from dudao.rectification.models import RectificationItem
from tests.command.test_summary import open_alert
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db

ALERTS = "health.open_alerts"


def row_of(rows: list[UnitLateness], unit_pk: int) -> UnitLateness:
    return next(r for r in rows if r.unit.pk == unit_pk)


def cell_of(row: UnitLateness, code: str) -> LatenessCell:
    return next(c for c in row.cells if c.indicator.code == code)


def test_the_unit_with_more_open_alerts_per_school_is_behind(city: City) -> None:
    open_alert(city.school_a)
    open_alert(city.school_a2)
    open_alert(city.school_a2)
    rows = lateness.lateness(city.user("bureau_leader"), city.root)
    a, b = row_of(rows, city.district_a.pk), row_of(rows, city.district_b.pk)
    # 甲区 3 alerts over 2 schools (1.5 a school), 乙区 none: 甲区 is the worst of the two.
    assert cell_of(a, ALERTS).value.value == 3 and cell_of(a, ALERTS).compared == 1.5
    assert cell_of(a, ALERTS).behind == 1 and cell_of(a, ALERTS).level == "red"
    assert cell_of(b, ALERTS).behind == 0 and cell_of(b, ALERTS).level == "green"
    assert a.rank == 1 and b.rank == 2 and a.red >= 1
    assert rows[0].unit.pk == city.district_a.pk


def test_counts_are_compared_per_school(city: City) -> None:
    open_alert(city.school_a)
    open_alert(city.school_a2)
    open_alert(city.school_b)
    rows = lateness.lateness(city.user("bureau_leader"), city.root)
    # 2 alerts at 甲区's two schools and 1 at 乙区's only school: the same per school, so nobody is behind.
    for district in (city.district_a, city.district_b):
        cell = cell_of(row_of(rows, district.pk), ALERTS)
        assert cell.compared == 1 and cell.behind == 0


def test_rates_a_hair_apart_put_nobody_behind() -> None:
    indicator = get("notices.awareness_rate")
    assert indicator is not None and indicator.direction == Direction.HIGHER
    assert lateness._behind(indicator, {1: 90.0, 2: 90.6}) == {1: 0.0, 2: 0.0}
    assert lateness._behind(indicator, {1: 80.0, 2: 90.0, 3: 85.0, 4: None}) == {1: 1.0, 2: 0.0, 3: 0.5, 4: None}


def test_lower_is_better_figures_place_the_highest_last() -> None:
    indicator = get("rectification.overdue")
    assert isinstance(indicator, Indicator) and indicator.direction == Direction.LOWER
    assert lateness._behind(indicator, {1: 0.0, 2: 4.0, 3: 1.0}) == {1: 0.0, 2: 1.0, 3: 0.25}


def test_a_unit_without_any_figure_has_no_score_and_is_ranked_last(city: City) -> None:
    codes = ("rectification.close_rate",)  # a rate: nothing to measure without items
    ledger_item(city, owner=None)
    rows = lateness.lateness(city.user("bureau_leader"), city.root, codes=codes)
    a, b = row_of(rows, city.district_a.pk), row_of(rows, city.district_b.pk)
    assert a.score == 0 and a.rank == 1
    assert b.score is None and b.rank is None and b.cells[0].level == "" and rows[-1] is b


def test_ties_share_a_rank(city: City) -> None:
    rows = lateness.lateness(city.user("bureau_leader"), city.root, codes=(ALERTS,))
    assert [r.rank for r in rows] == [1, 1] and [r.score for r in rows] == [0, 0]


def test_score_is_the_mean_placing_times_a_hundred_and_colours_follow_it(city: City) -> None:
    open_alert(city.school_a)
    item = ledger_item(city, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate().replace(day=1).replace(year=2020))
    ledger_item(city, school=city.school_b, owner=None)
    rows = lateness.lateness(city.user("bureau_leader"), city.root, codes=(ALERTS, "rectification.overdue"))
    a = row_of(rows, city.district_a.pk)
    assert [c.behind for c in a.cells] == [1, 1] and a.score == 100 and a.level == "red" and a.red == 2
    b = row_of(rows, city.district_b.pk)
    assert b.score == 0 and b.level == "green" and b.red == 0


def test_a_district_admin_ranks_its_schools_and_may_not_rank_elsewhere(city: City) -> None:
    open_alert(city.school_a2)
    rows = lateness.lateness(city.user("district_admin"), city.district_a, codes=(ALERTS,))
    assert {r.unit.pk for r in rows} == {city.school_a.pk, city.school_a2.pk}
    assert rows[0].unit.pk == city.school_a2.pk and rows[0].schools == 1
    with pytest.raises(DomainError) as refused:
        lateness.lateness(city.user("district_admin"), city.district_b)
    assert refused.value.status == 404
    with pytest.raises(DomainError):
        lateness.lateness(city.user("district_admin"), city.root)


def test_columns_follow_what_the_role_may_read(city: City) -> None:
    board = lateness.board(city.user("inspector"), city.root)
    codes = [i.code for i in board.indicators]
    assert "rectification.overdue" in codes and ALERTS not in codes
    assert codes == [c for c in lateness.LATENESS_CODES if c in codes]  # in the table's order


def test_ranking_reads_the_stored_figures_when_fresh(city: City) -> None:
    summary.refresh()
    open_alert(city.school_a)  # after the refresh: the stored figures do not count it yet
    board = lateness.board(city.user("bureau_leader"), city.root, codes=(ALERTS,))
    assert all(cell_of(r, ALERTS).value.value == 0 for r in board.rows)
    assert board.figures.computed_at is not None
    assert board.figures.get(ALERTS, city.root) == Value(0, 0, None)
