"""Risk points and checks: the services' rules, the hand-over to the ledger, the schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.rectification.models import ItemPhoto, ItemSource, ItemStatus, RectificationItem
from dudao.risks import selectors, services
from dudao.risks.models import CheckResult, Frequency, Grade, HazardLevel, RiskCheck, RiskPoint, next_due, period_end
from tests.factories import City
from tests.inspections.factories import upload
from tests.risks.conftest import make_point, point_data

pytestmark = pytest.mark.django_db


def hazard(city: City, point: RiskPoint, day: dt.date, **extra: object) -> RiskCheck:
    return services.record_check(
        actor=city.user("class_teacher"),
        point=point,
        checked_on=day,
        result=CheckResult.HAZARD,
        note="护栏一处焊点开裂松动",
        hazard_level=HazardLevel.GENERAL,
        **extra,  # type: ignore[arg-type]
    )


def test_principal_registers_a_point_due_today_with_audit(city: City, today: dt.date) -> None:
    point = make_point(city)
    assert point.next_check_on == today
    assert point.check_deadline == period_end(Frequency.DAILY, today)
    event = AuditEvent.objects.get(object_type="risks.riskpoint", object_id=str(point.pk))
    assert event.action == "create"
    assert event.changes["after"]["grade"] == Grade.MAJOR


def test_responsible_person_outside_the_unit_is_refused(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        make_point(city, responsible=city.user("district_admin_b"))
    assert exc.value.code == "responsible_outside_unit"
    assert "不是甲区第五中学的在岗人员" in exc.value.message
    assert not RiskPoint.objects.exists()


def test_district_admin_lists_only_its_own_premises(city: City) -> None:
    admin = city.user("district_admin")
    with pytest.raises(Forbidden):
        services.create_point(actor=admin, unit=city.school_a, data=point_data(city.user("principal")))
    own = services.create_point(actor=admin, unit=city.district_a, data=point_data(admin, category="fire"))
    assert own.unit == city.district_a


def test_stale_edit_is_refused_and_changes_nothing(city: City, point: RiskPoint) -> None:
    principal = city.user("principal")
    services.update_point(
        actor=principal, point=point, data=point_data(city.user("class_teacher"), grade="large"), version=1
    )
    with pytest.raises(StaleEditError):
        services.update_point(
            actor=principal, point=point, data=point_data(city.user("class_teacher"), grade="low"), version=1
        )
    point.refresh_from_db()
    assert (point.grade, point.version) == (Grade.LARGE, 2)


def test_normal_check_moves_the_schedule(city: City, point: RiskPoint, today: dt.date) -> None:
    check = services.record_check(
        actor=city.user("class_teacher"), point=point, checked_on=today, result=CheckResult.NORMAL
    )
    point.refresh_from_db()
    assert check.ledger_item_id is None
    assert point.last_checked_on == today
    assert point.next_check_on == next_due(Frequency.DAILY, today) > today


def test_hazard_goes_to_the_ledger_linked_to_the_point(city: City, point: RiskPoint, today: dt.date) -> None:
    check = hazard(city, point, today, photo=upload(1, "护栏.jpg"))
    item = RectificationItem.objects.get(pk=check.ledger_item_id or 0)
    assert item.school == city.school_a
    assert item.source == ItemSource.SELF_CHECK
    assert item.source_ref == "风险点排查：学校北侧临河护栏"
    assert "焊点开裂" in item.description
    assert item.due_limit == today + dt.timedelta(days=15)
    assert ItemPhoto.objects.get(item=item).file_id == check.photo_id
    assert [c.pk for c, _ in selectors.open_hazards(point)] == [check.pk]
    assert AuditEvent.objects.filter(object_type="risks.riskcheck", action="check").count() == 1


def test_closed_hazard_leaves_the_points_open_list(city: City, point: RiskPoint, today: dt.date) -> None:
    check = hazard(city, point, today)
    RectificationItem.objects.filter(pk=check.ledger_item_id or 0).update(status=ItemStatus.CLOSED)
    assert selectors.open_hazards(point) == []
    assert selectors.open_hazard_counts([point]) == {}


def test_check_dated_in_the_future_is_refused(city: City, point: RiskPoint, today: dt.date) -> None:
    with pytest.raises(DomainError) as exc:
        hazard(city, point, today + dt.timedelta(days=1))
    assert exc.value.code == "checked_on_in_future"
    assert not RiskCheck.objects.exists()
    assert not RectificationItem.objects.exists()


def test_double_submit_records_one_check_and_one_ledger_item(city: City, point: RiskPoint, today: dt.date) -> None:
    first = hazard(city, point, today)
    second = hazard(city, point, today)
    assert first.pk == second.pk
    assert RiskCheck.objects.count() == 1
    assert RectificationItem.objects.count() == 1


def test_a_different_second_result_the_same_day_is_refused(city: City, point: RiskPoint, today: dt.date) -> None:
    hazard(city, point, today)
    with pytest.raises(DomainError) as exc:
        services.record_check(actor=city.user("principal"), point=point, checked_on=today, result=CheckResult.NORMAL)
    assert exc.value.code == "check_exists"


def test_hazard_needs_a_description_and_level(city: City, point: RiskPoint, today: dt.date) -> None:
    with pytest.raises(DomainError) as exc:
        services.record_check(
            actor=city.user("class_teacher"), point=point, checked_on=today, result=CheckResult.HAZARD, note=""
        )
    assert exc.value.code == "hazard_description_required"
    assert not RiskCheck.objects.exists()


def test_only_the_responsible_person_or_the_school_office_checks(city: City, point: RiskPoint, today: dt.date) -> None:
    with pytest.raises(Forbidden):
        services.record_check(actor=city.user("doctor"), point=point, checked_on=today, result=CheckResult.NORMAL)
    services.record_check(actor=city.user("school_staff"), point=point, checked_on=today, result=CheckResult.NORMAL)


def test_overdue_points_and_the_overview(city: City, point: RiskPoint, today: dt.date) -> None:
    RiskPoint.objects.filter(pk=point.pk).update(
        next_check_on=today - dt.timedelta(days=3), check_deadline=today - dt.timedelta(days=3)
    )
    assert list(RiskPoint.objects.overdue(today)) == [point]
    (row,) = selectors.overview(city.user("district_admin"), city.district_a, today)
    assert (row.unit_name, row.major, row.large, row.overdue, row.total) == ("甲区第五中学", 1, 0, 1, 1)
    assert selectors.overview(city.user("district_admin_b"), city.district_b, today) == []


def test_retired_point_is_no_longer_checked(city: City, point: RiskPoint, today: dt.date) -> None:
    services.retire_point(actor=city.user("principal"), point=point, reason="护栏已改建为实体围墙", version=1)
    point.refresh_from_db()
    with pytest.raises(Forbidden):
        services.record_check(
            actor=city.user("class_teacher"), point=point, checked_on=today, result=CheckResult.NORMAL
        )
    assert not RiskPoint.objects.overdue(today + dt.timedelta(days=30)).exists()


@pytest.mark.parametrize(
    ("frequency", "checked_on", "due"),
    [
        ("daily", dt.date(2026, 12, 3), dt.date(2026, 12, 4)),  # Thursday → Friday
        ("daily", dt.date(2026, 12, 4), dt.date(2026, 12, 7)),  # Friday → Monday
        ("weekly", dt.date(2026, 12, 9), dt.date(2026, 12, 14)),  # → next Monday
        ("monthly", dt.date(2026, 12, 9), dt.date(2027, 1, 1)),
        ("term", dt.date(2026, 10, 9), dt.date(2027, 3, 1)),
        ("term", dt.date(2026, 4, 9), dt.date(2026, 9, 1)),
    ],
)
def test_next_due(frequency: str, checked_on: dt.date, due: dt.date) -> None:
    assert next_due(frequency, checked_on) == due


def test_period_end_is_the_day_before_the_next_period() -> None:
    assert period_end("weekly", dt.date(2026, 12, 7)) == dt.date(2026, 12, 13)
    assert period_end("monthly", dt.date(2026, 12, 1)) == dt.date(2026, 12, 31)
    assert period_end("daily", dt.date(2026, 12, 7)) == dt.date(2026, 12, 7)
