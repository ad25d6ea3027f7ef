"""Guard services: bad input refused with nothing changed, optimistic locking, masking and the access event."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.guards import services
from dudao.guards.models import Equipment, EquipmentKind, Guard
from tests.guards.conftest import add_guard, today

pytestmark = pytest.mark.django_db


def test_bad_id_number_is_refused_and_nothing_saved(city):
    with pytest.raises(DomainError, match="身份证号"):
        add_guard(city, id_card_no="360101197503081234")
    assert not Guard.objects.exists()


def test_company_guard_needs_the_company(city):
    with pytest.raises(DomainError, match="保安服务公司"):
        add_guard(city, employer="company")


def test_licence_number_without_expiry_is_refused(city):
    with pytest.raises(DomainError, match="有效期"):
        add_guard(city, licence_expires_on=None)


def test_audit_trail_holds_the_masked_id_only(city):
    guard = add_guard(city)
    event = AuditEvent.objects.filter(object_id=str(guard.pk), action="create").latest("id")
    assert guard.id_card_no not in str(event.changes)
    assert "****" in str(event.changes)


def test_stale_edit_is_refused(city):
    guard = add_guard(city)
    data = services.GuardIn(name="王建国", licence_number="赣1", licence_expires_on=today() + dt.timedelta(days=99))
    services.update_guard(actor=city.user("principal"), guard=guard, data=data, version=guard.version)
    with pytest.raises(StaleEditError):
        services.update_guard(actor=city.user("principal"), guard=guard, data=data, version=guard.version)
    assert Guard.objects.get(pk=guard.pk).version == guard.version + 1


def test_update_keeps_the_id_number_when_left_blank(city):
    guard = add_guard(city)
    data = services.GuardIn(name="王建国", trained_on=today())
    fresh = services.update_guard(actor=city.user("principal"), guard=guard, data=data, version=guard.version)
    assert fresh.id_card_no == guard.id_card_no and fresh.trained_on == today()


def test_reveal_is_an_access_event_and_refused_to_the_district(city):
    guard = add_guard(city)
    assert services.reveal_id(actor=city.user("principal"), guard=guard) == guard.id_card_no
    assert AuditEvent.objects.filter(action="view_unmasked", object_id=str(guard.pk)).count() == 1
    with pytest.raises(Forbidden):
        services.reveal_id(actor=city.user("district_admin"), guard=guard)


@pytest.mark.parametrize("role", ["district_admin", "doctor", "class_teacher", "bureau_staff"])
def test_only_the_school_keeps_its_guards(city, role):
    with pytest.raises(Forbidden):
        services.add_guard(actor=city.user(role), school=city.school_a, data=services.GuardIn(name="王建国"))


def test_equipment_check_twice_a_day_is_one_change(city):
    item = services.add_equipment(
        actor=city.user("principal"), school=city.school_a, data=services.EquipmentIn(kind=EquipmentKind.VIDEO)
    )
    assert item.check_interval_days == 30
    first = services.record_check(actor=city.user("principal"), item=item, is_working=True)
    second = services.record_check(actor=city.user("principal"), item=item, is_working=True)
    assert first.version == second.version == item.version + 1
    assert Equipment.objects.get(pk=item.pk).last_checked_on == today()


def test_future_check_date_and_bad_coverage_are_refused(city):
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.add_equipment(
            actor=city.user("principal"),
            school=city.school_a,
            data=services.EquipmentIn(kind=EquipmentKind.ALARM, last_checked_on=today() + dt.timedelta(days=1)),
        )
    with pytest.raises(DomainError, match="覆盖率"):
        services.add_equipment(
            actor=city.user("principal"),
            school=city.school_a,
            data=services.EquipmentIn(kind=EquipmentKind.VIDEO, coverage=120),
        )
    assert not Equipment.objects.exists()
