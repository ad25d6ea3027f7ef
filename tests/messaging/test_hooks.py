"""The modules' reminder and escalation points reach the message centre: 催报, 整改到期/逾期, 疫情预警 escalation,
值班 sign-in reminders and 督办单."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.messaging.models import Category, Message
from tests.directives.conftest import city_directive, form_version  # noqa: F401  (fixture)
from tests.duty.conftest import add, roster, today  # noqa: F401  (fixtures)
from tests.factories import City

pytestmark = pytest.mark.django_db


def inbox(city: City, key: str, category: str) -> list[Message]:
    return list(Message.objects.filter(recipient=city.user(key), category=category))


def test_rectification_reminders_reach_the_owner_once(city: City) -> None:
    from dudao.rectification import services
    from dudao.rectification.models import RectificationItem
    from tests.inspections.factories import ledger_item

    item = ledger_item(city)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate())
    services.send_reminders()
    services.send_reminders()  # the daily job run twice
    [message] = inbox(city, "class_teacher", Category.RECTIFICATION)
    assert message.title.startswith("整改今天到期：")
    assert message.url == f"/ledger/{item.pk}/"


def test_overdue_items_reach_the_principal(city: City) -> None:
    from dudao.rectification import services
    from dudao.rectification.models import RectificationItem
    from tests.inspections.factories import ledger_item

    item = ledger_item(city)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    services.send_reminders()
    assert [m.title[:9] for m in inbox(city, "principal", Category.RECTIFICATION)] == ["整改已逾期（报校长"]


def test_one_click_cuibao_reaches_the_heads_of_missing_units(city: City, form_version) -> None:  # noqa: F811
    from dudao.directives import services

    directive = city_directive(city, form_version)
    services.remind_missing(actor=city.user("bureau_staff"), period=directive.periods.get())
    [message] = inbox(city, "principal", Category.DIRECTIVE)
    assert message.title == f"催报：请尽快报送《{directive.title}》"
    assert message.url.startswith("/submissions/")
    assert inbox(city, "school_staff", Category.DIRECTIVE)
    # Twice the same day: still one message.
    services.remind_missing(actor=city.user("bureau_staff"), period=directive.periods.get())
    assert len(inbox(city, "principal", Category.DIRECTIVE)) == 1


def test_escalated_health_alert_is_urgent_for_school_and_district(city: City) -> None:
    from dudao.health import services
    from tests.health.test_alerts import _open_alert

    alert = _open_alert(city)
    services.escalate_alerts(now=alert.created_at + dt.timedelta(hours=3))
    for key in ("principal", "doctor", "health_officer"):
        [message] = [m for m in inbox(city, key, Category.HEALTH_ALERT) if m.title.startswith("疫情预警超时未确认")]
        assert message.urgent
        assert message.url == f"/health/alerts/{alert.pk}/"
    assert not inbox(city, "class_teacher", Category.HEALTH_ALERT)


def test_missed_duty_signin_reminds_the_person(city: City, roster, settings) -> None:  # noqa: F811
    from dudao.duty import services

    now = timezone.now()
    settings.DUDAO_DUTY_SIGNIN_DEADLINE = timezone.localtime(now - dt.timedelta(minutes=5)).strftime("%H:%M")
    add(city, roster, city.user("doctor"), now - dt.timedelta(hours=2))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    services.flag_missed_signins()
    [message] = inbox(city, "doctor", Category.DUTY)
    assert message.title == "值班尚未签到"
    assert message.url == "/duty/mine/"


def test_issued_supervision_order_reaches_the_target_unit(city: City) -> None:
    from tests.supervision.factories import issue

    order = issue(city, target=city.district_a)
    [message] = inbox(city, "district_admin", Category.SUPERVISION)
    assert message.title == "督办单：关于督促整改逾期问题的督办"
    assert order.number in message.body
    assert message.url == f"/supervision/{order.pk}/"
    assert not inbox(city, "district_admin_b", Category.SUPERVISION)


def test_people_on_duty_in_the_next_day_are_reminded_once(city: City, roster) -> None:  # noqa: F811
    from dudao.duty import services

    now = timezone.now()
    add(city, roster, city.user("doctor"), now + dt.timedelta(hours=3))
    add(city, roster, city.user("counsellor"), now + dt.timedelta(hours=30))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    assert services.remind_upcoming_shifts(now=now) == 1
    assert services.remind_upcoming_shifts(now=now + dt.timedelta(hours=1)) == 0
    [message] = inbox(city, "doctor", Category.DUTY)
    assert message.title.startswith("值班提醒：")
    assert "甲区第五中学" in message.body
    assert not inbox(city, "counsellor", Category.DUTY)
