"""门卫登记 services: registration rules, check-out, reveal, contact-tracing details, purge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.gate import services
from dudao.gate.models import Visit, VisitReason
from tests.factories import City
from tests.gate.conftest import BAD_ID, GOOD_ID, OTHER_ID, at_hours_ago, old_visit, register

pytestmark = pytest.mark.django_db


def test_guard_registers_a_visitor_and_the_audit_event_masks_the_numbers(city: City, guard) -> None:
    visit = register(guard, city.school_a, id_card_no=GOOD_ID.lower())
    assert visit.is_inside and visit.registered_by == guard
    assert visit.id_card_no == GOOD_ID.upper()
    event = AuditEvent.objects.get(action="visitor_register", object_id=str(visit.pk))
    after = event.changes["after"]
    assert after["id_card_no"] != GOOD_ID and after["id_card_no"].startswith(GOOD_ID[:6])
    assert after["phone"] == "139****0021"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_card_no": BAD_ID}, "身份证号校验位不正确"),
        ({"id_card_no": "36010119850615"}, "身份证号应为18位"),
        ({"id_card_no": ""}, "请填写身份证号"),
        ({"phone": "1390791"}, "请填写11位手机号"),
        ({"name": " "}, "请填写访客姓名"),
        ({"host_text": ""}, "请选择或填写被访人"),
        ({"reason": VisitReason.OTHER}, "请写明事由"),
        ({"reason": ""}, "请选择来访事由"),
        ({"temperature": "39.9a"}, "请填写体温"),
        ({"temperature": "45"}, "体温应在"),
        ({"checked_in_at": timezone.now() + dt.timedelta(hours=1)}, "进校时间不能晚于现在"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    city: City, guard, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        register(guard, city.school_a, **overrides)
    assert message in refused.value.message
    assert not Visit.objects.exists()
    assert not AuditEvent.objects.filter(action="visitor_register").exists()


def test_a_nonexistent_birth_date_in_the_id_number_is_refused(city: City, guard) -> None:
    from dudao.orgs.text import id_card_check_digit

    first17 = "36010119850231" + "123"  # 31 February
    with pytest.raises(DomainError, match="出生日期"):
        register(guard, city.school_a, id_card_no=first17 + id_card_check_digit(first17))


def test_a_host_of_another_school_is_refused(city: City, guard) -> None:
    with pytest.raises(DomainError, match="不是本校人员"):
        register(guard, city.school_a, host=city.user("district_admin_b"), host_text="")


def test_a_host_of_the_school_is_named_on_the_visit(city: City, guard) -> None:
    visit = register(guard, city.school_a, host=city.user("class_teacher"), host_text="ignored")
    assert visit.host == city.user("class_teacher") and visit.host_text == ""


def test_a_double_tap_registers_once(city: City, guard) -> None:
    first = register(guard, city.school_a)
    again = register(guard, city.school_a)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert AuditEvent.objects.filter(action="visitor_register").count() == 1


def test_roles_outside_the_gate_cannot_register(city: City) -> None:
    for role in ("class_teacher", "counsellor", "health_officer", "district_admin", "bureau_staff"):
        with pytest.raises(Forbidden):
            register(city.user(role), city.school_a)


def test_a_guard_cannot_register_at_another_school(city: City, guard) -> None:
    with pytest.raises(Forbidden):
        register(guard, city.school_b)


def test_check_out_records_the_time_and_an_audit_event(city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=at_hours_ago(1))
    done = services.check_out(actor=guard, visit=visit, version=visit.version)
    assert done.checked_out_at is not None and done.checked_out_by == guard and done.version == visit.version + 1
    assert AuditEvent.objects.filter(action="visitor_check_out", object_id=str(visit.pk)).count() == 1


def test_a_second_check_out_changes_nothing(city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=at_hours_ago(1))
    first = services.check_out(actor=guard, visit=visit, version=visit.version)
    second = services.check_out(actor=guard, visit=visit, version=visit.version)  # the stale version is harmless
    assert second.checked_out_at == first.checked_out_at and second.version == first.version
    assert AuditEvent.objects.filter(action="visitor_check_out").count() == 1


def test_time_out_before_time_in_is_refused(city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=at_hours_ago(1))
    with pytest.raises(DomainError, match="离校时间不能早于进校时间"):
        services.check_out(actor=guard, visit=visit, at=at_hours_ago(2))
    visit.refresh_from_db()
    assert visit.checked_out_at is None and visit.version == 1


def test_time_out_in_the_future_is_refused(city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=at_hours_ago(1))
    with pytest.raises(DomainError, match="不能晚于现在"):
        services.check_out(actor=guard, visit=visit, at=timezone.now() + dt.timedelta(hours=1))
    visit.refresh_from_db()
    assert visit.checked_out_at is None


def test_a_stale_check_out_is_a_conflict(city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=at_hours_ago(1))
    with pytest.raises(StaleEditError):
        services.check_out(actor=guard, visit=visit, version=visit.version + 5)


def test_a_returning_visitor_is_registered_from_the_previous_visit(city: City, guard) -> None:
    previous = old_visit(city.school_a, guard, days=3, checked_out_at=timezone.now() - dt.timedelta(days=3))
    visit = register(guard, city.school_a, previous=previous, name="", id_card_no="", phone="")
    assert (visit.name, visit.id_card_no, visit.phone) == (previous.name, OTHER_ID, previous.phone)


def test_a_previous_visit_of_another_school_is_refused(city: City, guard, guard_b) -> None:
    elsewhere = old_visit(city.school_b, guard_b, days=1)
    with pytest.raises(DomainError, match="不属于本校"):
        register(guard, city.school_a, previous=elsewhere)


def test_revealing_the_numbers_is_an_access_event(city: City, guard) -> None:
    visit = register(guard, city.school_a)
    shown = services.reveal_visit(actor=city.user("health_officer"), visit=visit)
    assert shown == {"id_card_no": GOOD_ID, "phone": "13907910021"}
    event = AuditEvent.objects.get(action="view_unmasked", object_id=str(visit.pk))
    assert event.kind == "access" and event.actor_id == city.user("health_officer").pk


@pytest.mark.parametrize("role", ["school_staff", "class_teacher"])
def test_roles_without_unmask_cannot_reveal(city: City, guard, role: str) -> None:
    visit = register(guard, city.school_a)
    with pytest.raises(Forbidden):
        services.reveal_visit(actor=city.user(role), visit=visit)
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_the_guard_cannot_reveal(city: City, guard) -> None:
    visit = register(guard, city.school_a)
    with pytest.raises(Forbidden):
        services.reveal_visit(actor=guard, visit=visit)


def test_a_trace_search_records_the_id_number_masked(city: City) -> None:
    today = timezone.localdate()
    query = services.TraceQuery(unit=city.district_a, start=today, end=today, q=GOOD_ID)
    services.log_trace(actor=city.user("health_officer"), query=query, found=2)
    event = AuditEvent.objects.get(action="visitor_trace")
    assert event.kind == "access" and event.changes["found"] == 2
    assert event.changes["id_card_no"] != GOOD_ID and event.changes["id_card_no"].endswith(GOOD_ID[-4:])


@pytest.mark.parametrize(
    ("days", "message"), [((5, 0), "结束日期不能早于开始日期"), ((100, 0), "一次最多查询"), ((-2, -3), "不能晚于今天")]
)
def test_bad_trace_ranges_are_refused(city: City, days: tuple[int, int], message: str) -> None:
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=days[0]), today - dt.timedelta(days=days[1])
    if days == (5, 0):
        start, end = end, start
    with pytest.raises(DomainError, match=message):
        services.check_trace(services.TraceQuery(unit=city.district_a, start=start, end=end))


@override_settings(DUDAO_VISITOR_RETENTION_DAYS=10)
def test_purge_deletes_visits_past_the_retention_period_with_a_count_only_event(city: City, guard) -> None:
    old = old_visit(city.school_a, guard, days=12)
    kept = old_visit(city.school_a, guard, days=9)
    assert services.purge_expired() == 1
    assert list(Visit.objects.values_list("pk", flat=True)) == [kept.pk]
    event = AuditEvent.objects.get(action="visitor_purge")
    assert event.changes["count"] == 1 and event.changes["retention_days"] == 10
    assert old.name not in str(event.changes) and OTHER_ID not in str(event.changes)


def test_purge_without_expired_visits_writes_nothing(city: City, guard) -> None:
    old_visit(city.school_a, guard, days=2)
    call_command("gate_purge")
    assert Visit.objects.count() == 1
    assert not AuditEvent.objects.filter(action="visitor_purge").exists()


def test_the_nightly_task_purges(city: City, guard) -> None:
    from dudao.gate.tasks import purge_visitors

    old_visit(city.school_a, guard, days=40)
    assert purge_visitors.call_local() == 1
