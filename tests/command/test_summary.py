"""The indicator summary: stored figures per (indicator, unit, day), read when they answer, live otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.command import summary
from dudao.command.models import IndicatorFigure, SummaryState
from dudao.core.indicators import Basis, registered
from dudao.health.models import Alert, AlertRule, AlertStatus
from dudao.orgs.models import OrgUnit
from tests.factories import City

pytestmark = pytest.mark.django_db

ALERTS = "health.open_alerts"
ON_TIME = "directives.on_time_rate"


def open_alert(school: OrgUnit, status: str = AlertStatus.OPEN) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        school=school,
        rule=AlertRule.CLASS_CLUSTER,
        title="班级症状聚集",
        on_date=timezone.localdate(),
        status=status,
        report_due_at=now,
    )


def test_refresh_stores_every_indicator_for_the_root_districts_and_schools_only(city: City) -> None:
    rows = summary.refresh()
    units = {city.root.pk, city.district_a.pk, city.district_b.pk, city.school_a.pk, city.school_a2.pk}
    units.add(city.school_b.pk)
    stored = set(IndicatorFigure.objects.values_list("unit_id", flat=True))
    assert stored == units  # no office, grade or class
    codes = set(IndicatorFigure.objects.values_list("code", flat=True))
    assert codes == {i.code for i in registered()} - {"inspections.latest_score"}
    assert rows == len(codes) * len(units) == IndicatorFigure.objects.count()
    state = SummaryState.objects.get()
    assert state.computed_at is not None and state.rows == rows and state.stale_since is None


def test_refresh_replaces_the_days_rows_instead_of_adding(city: City) -> None:
    first = summary.refresh()
    open_alert(city.school_a)
    assert summary.refresh() == first == IndicatorFigure.objects.count()
    assert IndicatorFigure.objects.get(code=ALERTS, unit=city.district_a).value == 1


def test_past_days_keep_only_the_figures_that_can_be_computed_for_a_past_date(city: City) -> None:
    day = timezone.localdate() - dt.timedelta(days=3)
    summary.refresh(day=day)
    kept = {
        i.code: i.basis for i in registered() if i.code in set(IndicatorFigure.objects.values_list("code", flat=True))
    }
    assert kept and set(kept.values()) <= {Basis.RANGE, Basis.DAY}
    assert ALERTS not in kept  # the state now says nothing about three days ago
    assert not SummaryState.objects.filter(computed_at__isnull=False).exists()


def test_readers_take_the_stored_figure_when_it_answers(city: City) -> None:
    summary.refresh()
    open_alert(city.school_a)  # not yet refreshed: the stored figure still says 0
    found = summary.figures(city.user("bureau_staff"), [city.district_a], codes=[ALERTS])
    assert found.get(ALERTS, city.district_a).value == 0
    assert found.computed_at is not None and ALERTS not in found.live


def test_a_missing_row_is_computed_live(city: City) -> None:
    summary.refresh()
    open_alert(city.school_a)
    IndicatorFigure.objects.filter(code=ALERTS, unit=city.district_a).delete()
    found = summary.figures(city.user("bureau_staff"), [city.district_a, city.district_b], codes=[ALERTS])
    assert found.get(ALERTS, city.district_a).value == 1 and found.get(ALERTS, city.district_b).value == 0
    assert ALERTS in found.live


def test_figures_older_than_the_limit_are_not_used(city: City, settings) -> None:
    summary.refresh()
    open_alert(city.school_a)
    settings.DUDAO_SUMMARY_MAX_AGE_MINUTES = 30
    SummaryState.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=31))
    found = summary.figures(city.user("bureau_staff"), [city.district_a], codes=[ALERTS])
    assert found.get(ALERTS, city.district_a).value == 1 and found.computed_at is None


def test_another_window_is_computed_live_for_range_figures_but_not_for_figures_of_now(city: City) -> None:
    summary.refresh()
    IndicatorFigure.objects.filter(code__in=[ON_TIME, ALERTS]).update(value=42)
    today = timezone.localdate()
    week = summary.figures(city.user("bureau_staff"), [city.root], today - dt.timedelta(days=6), today)
    assert week.get(ON_TIME, city.root).value is None  # live: nothing due in the test city
    assert week.get(ALERTS, city.root).value == 42  # the state now, whatever the window


def test_a_past_end_date_is_computed_live(city: City) -> None:
    summary.refresh()
    IndicatorFigure.objects.filter(code=ALERTS).update(value=42)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    found = summary.figures(city.user("bureau_staff"), [city.root], None, yesterday, codes=[ALERTS])
    assert found.get(ALERTS, city.root).value == 0


def test_readers_leave_out_units_outside_the_viewers_scope_and_unreadable_indicators(city: City) -> None:
    summary.refresh()
    admin = summary.figures(city.user("district_admin"), [city.district_a, city.district_b], codes=[ALERTS])
    assert set(admin.values[ALERTS]) == {city.district_a.pk}
    inspector = summary.figures(city.user("inspector"), [city.district_a])
    assert ALERTS not in inspector.values and "rectification.overdue" in inspector.values


def test_stored_figures_cost_the_same_few_queries_for_any_number_of_units(city: City) -> None:
    summary.refresh()
    user = city.user("bureau_staff")
    units = list(OrgUnit.objects.filter(pk__in=IndicatorFigure.objects.values("unit_id")))
    codes = [i.code for i in summary.summarised()]
    summary.figures(user, units[:1], codes=codes)  # warm the user's assignments
    with CaptureQueriesContext(connection) as one:
        summary.figures(user, units[:1], codes=codes)
    with CaptureQueriesContext(connection) as many:
        summary.figures(user, units, codes=codes)
    assert len(one) == len(many) <= 3


def test_the_first_write_marks_the_summary_stale_and_later_ones_find_it_marked(city: City) -> None:
    summary.refresh()
    assert summary.mark_stale() is True
    assert summary.mark_stale() is False
    assert SummaryState.objects.get().stale_since is not None
    summary.refresh()
    assert SummaryState.objects.get().stale_since is None


def test_a_committed_write_to_a_contributing_module_queues_one_refresh(
    city: City, django_capture_on_commit_callbacks
) -> None:
    summary.refresh()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        open_alert(city.school_a)
        open_alert(city.school_b)
    assert len(callbacks) == 1  # one per transaction, however many rows it saved
    assert SummaryState.objects.get().stale_since is not None
    found = summary.figures(city.user("bureau_staff"), [city.root], codes=[ALERTS])
    assert found.is_stale


def test_a_write_elsewhere_does_not_mark_the_summary_stale(city: City, django_capture_on_commit_callbacks) -> None:
    summary.refresh()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        city.user("principal").save()
    assert callbacks == [] and SummaryState.objects.get().stale_since is None


def test_trend_gives_a_value_per_stored_day_and_none_for_days_without(city: City) -> None:
    today = timezone.localdate()
    summary.refresh(day=today - dt.timedelta(days=2))
    summary.refresh()
    series = summary.trend(city.user("bureau_leader"), city.root, [ON_TIME, ALERTS, "no.such"], days=5)
    by_code = {s.indicator.code: s for s in series}
    assert set(by_code) == {ON_TIME, ALERTS}
    assert by_code[ALERTS].days[-1] == today and len(by_code[ALERTS].days) == 5
    assert by_code[ALERTS].values == [None, None, None, None, 0]
    assert by_code[ON_TIME].values == [None] * 5  # stored, but nothing due in the test city
    assert not by_code[ON_TIME].has_data


def test_prune_deletes_day_rows_past_the_kept_days(city: City) -> None:
    today = timezone.localdate()
    summary.refresh(day=today - dt.timedelta(days=summary.KEEP_DAYS + 1))
    summary.refresh(day=today - dt.timedelta(days=1))
    assert summary.prune() > 0
    assert set(IndicatorFigure.objects.values_list("day", flat=True)) == {today - dt.timedelta(days=1)}
