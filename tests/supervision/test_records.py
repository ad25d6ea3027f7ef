"""问责 and 通报表扬: recording, who sees what (subject and upward, people's records only for heads), access
events, revoking, the configurable forms and the points appraisal reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.supervision import selectors, services
from dudao.supervision.models import AccountabilityRecord, Commendation
from tests.factories import City
from tests.supervision.factories import form, issue, praise, talk, today

pytestmark = pytest.mark.django_db


def visible(city: City, key: str, model=AccountabilityRecord) -> set[int]:
    return set(model.objects.for_user(city.user(key)).values_list("pk", flat=True))


def test_director_records_a_talk_with_the_order_as_evidence(city: City) -> None:
    order = issue(city)
    record = talk(city, evidence=[("supervision_order", order.pk)])
    assert record.subject_unit == city.school_a and record.deduction == Decimal("1.5")
    assert record.evidence.get().label.startswith(order.number)
    assert AuditEvent.objects.filter(object_type="supervision.accountabilityrecord", action="create").count() == 1


def test_unit_record_is_seen_by_the_subject_and_upward_never_sideways(city: City) -> None:
    record = talk(city, person_key=None, unit=city.school_a)
    for key in ("bureau_leader", "bureau_staff", "inspector", "district_admin", "principal", "school_staff"):
        assert record.pk in visible(city, key), key
    for key in ("district_admin_b", "class_teacher", "doctor", "sysadmin", "auditor"):
        assert record.pk not in visible(city, key), key


def test_persons_record_is_seen_by_their_unit_head_and_upward_only(city: City) -> None:
    record = talk(city, person_key="school_staff")
    for key in ("bureau_leader", "bureau_staff", "district_admin", "principal"):
        assert record.pk in visible(city, key), key
    # The school's other staff (the person included) and a sibling district do not see it.
    for key in ("school_staff", "counsellor", "district_admin_b"):
        assert record.pk not in visible(city, key), key


def test_reading_a_persons_record_writes_an_access_event(city: City) -> None:
    record = talk(city)
    services.log_read(actor=city.user("district_admin"), record=record, via="read")
    event = AuditEvent.objects.get(kind="access", action="accountability_read")
    assert event.object_id == str(record.pk) and event.actor_id == city.user("district_admin").pk


def test_reading_a_units_record_writes_no_access_event(city: City) -> None:
    record = talk(city, person_key=None, unit=city.school_a)
    services.log_read(actor=city.user("district_admin"), record=record, via="read")
    assert not AuditEvent.objects.filter(kind="access").exists()


def test_district_cannot_record_about_another_district(city: City) -> None:
    with pytest.raises(DomainError, match="不在甲区教育局的管理范围内"):
        talk(city, actor_key="district_admin", person_key=None, unit=city.school_b)
    with pytest.raises(DomainError, match="不在甲区教育局的管理范围内"):
        talk(city, actor_key="district_admin", person_key="district_admin_b")
    assert not AccountabilityRecord.objects.exists()


def test_school_cannot_record(city: City) -> None:
    with pytest.raises(Forbidden):
        talk(city, actor_key="principal", person_key="class_teacher")


@pytest.mark.parametrize("points", ["0", "-1", "100.5", "1.234", "abc", "NaN"])
def test_bad_points_are_refused(city: City, points: str) -> None:
    with pytest.raises(DomainError, match="扣分"):
        talk(city, deduction=points)  # type: ignore[arg-type]
    assert not AccountabilityRecord.objects.exists()


def test_decision_date_in_the_future_is_refused(city: City) -> None:
    actor = city.user("bureau_leader")
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.record_accountability(
            actor=actor,
            form=form(),
            subject_unit=city.school_a,
            reason="x",
            decided_by=actor,
            decided_on=today() + dt.timedelta(days=1),
        )


def test_inactive_form_is_refused(city: City) -> None:
    old = form("批评教育")
    old.is_active = False
    old.save()
    actor = city.user("bureau_leader")
    with pytest.raises(DomainError, match="已停用"):
        services.record_accountability(
            actor=actor, form=old, subject_unit=city.school_a, reason="x", decided_by=actor, decided_on=today()
        )


def test_commendation_with_bonus_is_seen_upward(city: City) -> None:
    record = praise(city)
    assert record.bonus == Decimal("2")
    assert record.pk in visible(city, "district_admin", Commendation)
    assert record.pk not in visible(city, "district_admin_b", Commendation)


def test_revoked_record_no_longer_counts_and_revoking_twice_changes_nothing(city: City) -> None:
    record = talk(city, person_key=None, unit=city.school_a)
    leader = city.user("bureau_leader")
    revoked = services.revoke(actor=leader, record=record, reason="决定有误", version=record.version)
    again = services.revoke(actor=leader, record=record, reason="决定有误", version=record.version)
    assert revoked.is_revoked and again.version == revoked.version
    assert selectors.adjustments([city.school_a], today(), today())[city.school_a.pk][0] == 0


def test_only_the_deciding_unit_or_above_revokes(city: City) -> None:
    record = talk(city, person_key=None, unit=city.school_a)
    with pytest.raises(Forbidden):
        services.revoke(actor=city.user("district_admin"), record=record, reason="x", version=record.version)


def test_revoke_with_stale_version_is_refused(city: City) -> None:
    record = talk(city, person_key=None, unit=city.school_a)
    with pytest.raises(StaleEditError):
        services.revoke(actor=city.user("bureau_leader"), record=record, reason="x", version=record.version + 1)


def test_adjustments_add_up_per_unit_and_roll_up(city: City) -> None:
    talk(city, person_key=None, unit=city.school_a, deduction=Decimal("1.5"))
    talk(city, person_key="principal", deduction=Decimal("1"))
    talk(city, person_key=None, unit=city.school_b, deduction=None)
    praise(city, unit=city.school_a2, bonus=Decimal("2"))
    units = [city.root, city.district_a, city.school_a, city.school_a2, city.district_b]
    found = selectors.adjustments(units, today() - dt.timedelta(days=30), today())
    assert found[city.school_a.pk][:2] == (Decimal("2.5"), Decimal(0))
    assert found[city.school_a2.pk][:2] == (Decimal(0), Decimal(2))
    assert found[city.district_a.pk][:2] == (Decimal("2.5"), Decimal(2))
    assert found[city.district_b.pk][:2] == (Decimal(0), Decimal(0)) and len(found[city.district_b.pk][2]) == 1
    assert found[city.root.pk][:2] == (Decimal("2.5"), Decimal(2)) and len(found[city.root.pk][2]) == 4


def test_adjustments_leave_out_other_dates(city: City) -> None:
    talk(city, person_key=None, unit=city.school_a)
    found = selectors.adjustments([city.school_a], today() - dt.timedelta(days=60), today() - dt.timedelta(days=1))
    assert found[city.school_a.pk] == (Decimal(0), Decimal(0), [])


def test_adjustments_cost_two_queries_for_any_number_of_units(city: City, django_assert_num_queries) -> None:
    talk(city, person_key=None, unit=city.school_a)
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_a2, city.school_b]
    with django_assert_num_queries(2):
        selectors.adjustments(units, today(), today())


def test_forms_are_set_at_the_city_only(city: City) -> None:
    added = services.add_form(actor=city.user("bureau_staff"), name="批评教育")
    assert added.is_active
    with pytest.raises(DomainError, match="已存在"):
        services.add_form(actor=city.user("bureau_staff"), name="批评教育")
    with pytest.raises(Forbidden):
        services.add_form(actor=city.user("district_admin"), name="谈话提醒")
    off = services.set_form_active(actor=city.user("bureau_staff"), form=added, is_active=False, version=added.version)
    assert not off.is_active
