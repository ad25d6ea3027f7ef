"""A raised outbreak alert reaches the school doctor and the district health officer at once, whatever the hour;
an overdue 督办单 is chased at the receiving unit (催办) and, after the set days, reported to the issuing leader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.messaging import services as messaging
from dudao.messaging.models import Category, Channel, Delivery, DeliveryStatus, Message
from dudao.supervision import services as supervision
from dudao.supervision.models import SupervisionOrder
from tests.factories import City
from tests.messaging.conftest import FakeApi, bind
from tests.supervision.factories import issue

pytestmark = pytest.mark.django_db


def titled(city: City, key: str, prefix: str) -> list[Message]:
    return [m for m in Message.objects.filter(recipient=city.user(key)).order_by("id") if m.title.startswith(prefix)]


# --- health alerts -------------------------------------------------------------------------------------------------


def raise_measles(city: City, session: str = "morning"):
    from dudao.health.services import AbsenceInput
    from tests.health.conftest import check

    student = city.students["a1"][0].pk
    absence = AbsenceInput(student=student, reason="illness", symptoms=("rash",), suspected="MEASLES")
    return check(city, [absence], session=session)


def test_raised_alert_reaches_the_school_doctor_and_the_district_health_officer_once(city: City) -> None:
    [alert] = raise_measles(city).alerts
    for key in ("doctor", "health_officer"):
        [message] = titled(city, key, "疫情预警：")
        assert message.category == Category.HEALTH_ALERT and message.urgent
        assert message.title == f"疫情预警：{alert.title}"
        assert message.body == "须立即报告疾控"  # a (suspected) notifiable disease
        assert message.url == f"/health/alerts/{alert.pk}/"
    # Not the class teacher who checked, not the principal (escalation tells them), not the other district.
    for key in ("class_teacher", "principal", "district_admin", "district_admin_b", "bureau_staff", "counsellor"):
        assert titled(city, key, "疫情预警") == [], key
    # The noon check finds the same case: the open alert absorbs it, nobody is told twice.
    assert raise_measles(city, session="noon").alerts == []
    assert len(titled(city, "doctor", "疫情预警：")) == 1


def test_an_alert_push_goes_out_in_quiet_hours(
    city: City, fake_api: FakeApi, django_capture_on_commit_callbacks
) -> None:
    doctor = city.user("doctor")
    bind(doctor, Channel.WECOM, "sunren")
    now = timezone.localtime()
    messaging.save_preferences(
        actor=doctor,
        channels_by_category={c: ["wecom"] for c in Category.values},
        quiet_enabled=True,
        quiet_start=(now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_end=(now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        version=0,
    )
    # The same person in the same quiet hours: a duty reminder waits ...
    messaging.notify([doctor], category="duty", title="值班提醒")
    assert Delivery.objects.get(message__category="duty").status == DeliveryStatus.HELD
    # ... an outbreak alert does not.
    with django_capture_on_commit_callbacks(execute=True):
        raise_measles(city)
    assert Delivery.objects.get(message__category="health_alert").status == DeliveryStatus.SENT
    assert "疫情预警" in fake_api.texts("wecom")[0]


# --- 督办单 -------------------------------------------------------------------------------------------------------


def overdue_order(city: City, days: int, **extra) -> SupervisionOrder:
    order = issue(city, target=city.school_a, **extra)
    SupervisionOrder.objects.filter(pk=order.pk).update(deadline=timezone.localdate() - dt.timedelta(days=days))
    return SupervisionOrder.objects.get(pk=order.pk)


def test_an_overdue_order_is_chased_at_the_receiving_unit_once(city: City, settings) -> None:
    settings.DUDAO_SUPERVISION_ESCALATE_DAYS = 3
    order = overdue_order(city, 1)
    supervision.sign_order(actor=city.user("principal"), order=order, version=order.version)
    assert supervision.escalate_overdue() == 0
    supervision.escalate_overdue()  # the job run again
    for key in ("principal", "school_staff"):
        [message] = titled(city, key, "督办单已逾期：")
        assert message.category == Category.SUPERVISION
        assert order.number in message.body and "已逾期 1 天" in message.body
        assert message.url == f"/supervision/{order.pk}/"
    # Not yet the leader who issued it, and nobody outside the school.
    for key in ("bureau_leader", "district_admin", "district_admin_b", "doctor"):
        assert titled(city, key, "督办单") == [], key


def test_the_person_who_signed_is_chased_even_without_a_role_at_the_unit(city: City) -> None:
    order = overdue_order(city, 1)
    SupervisionOrder.objects.filter(pk=order.pk).update(signed_by=city.user("counsellor"))
    supervision.escalate_overdue()
    [message] = titled(city, "counsellor", "督办单已逾期：")
    assert message.url == f"/supervision/{order.pk}/"


def test_after_the_set_days_the_issuing_leader_is_told_once(city: City, settings) -> None:
    settings.DUDAO_SUPERVISION_ESCALATE_DAYS = 3
    order = overdue_order(city, 3, actor_key="bureau_staff")
    assert supervision.escalate_overdue() == 1
    assert supervision.escalate_overdue() == 0
    for key in ("bureau_leader", "bureau_staff"):  # the bureau's leader and the clerk who issued it
        [message] = titled(city, key, "督办单逾期上报：")
        assert message.title == "督办单逾期上报：甲区第五中学未反馈"
        assert "已逾期 3 天仍未反馈" in message.body
    assert titled(city, "principal", "督办单逾期上报") == []
    assert len(titled(city, "principal", "督办单已逾期：")) == 1
    order.refresh_from_db()
    assert order.escalated_at is not None


def test_answered_and_closed_orders_are_not_chased(city: City) -> None:
    order = overdue_order(city, 5)
    supervision.respond_order(actor=city.user("principal"), order=order, text="已整改到位", version=None)
    assert supervision.escalate_overdue() == 0
    assert not Message.objects.filter(dedupe_key__startswith="supervision-overdue").exists()
    assert not Message.objects.filter(dedupe_key__startswith="supervision-escalated").exists()


def test_a_new_deadline_chases_again(city: City) -> None:
    order = overdue_order(city, 1)
    supervision.escalate_overdue()
    supervision.escalate_overdue()
    assert len(titled(city, "principal", "督办单已逾期：")) == 1
    # Sent back with a new deadline, which passed as well.
    SupervisionOrder.objects.filter(pk=order.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))
    supervision.escalate_overdue()
    assert len(titled(city, "principal", "督办单已逾期：")) == 2
