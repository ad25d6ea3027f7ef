"""The daily reminder job: owners 2 days before and on the day; overdue to the principal, then the district."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.rectification import services
from dudao.rectification.models import ItemStatus, RectificationItem, Reminder, ReminderKind
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db


def due_in(city: City, days: int, **kwargs) -> RectificationItem:
    item = ledger_item(city, **kwargs)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() + dt.timedelta(days=days))
    item.refresh_from_db()
    return item


def sent_to(item: RectificationItem) -> set[tuple[str, int]]:
    return set(Reminder.objects.filter(item=item).values_list("kind", "recipient"))


def test_owner_reminded_two_days_before_due(city: City) -> None:
    item = due_in(city, 2)
    result = services.send_reminders()
    assert sent_to(item) == {(ReminderKind.DUE_SOON, city.user("class_teacher").pk)}
    assert result[ReminderKind.DUE_SOON] == 1


def test_owner_not_reminded_three_days_before_due(city: City) -> None:
    item = due_in(city, 3)
    services.send_reminders()
    assert sent_to(item) == set()


def test_owner_reminded_on_the_due_date(city: City) -> None:
    item = due_in(city, 0)
    services.send_reminders()
    assert sent_to(item) == {(ReminderKind.DUE_TODAY, city.user("class_teacher").pk)}


def test_overdue_item_escalated_to_principal_at_once(city: City) -> None:
    item = due_in(city, -1)
    services.send_reminders()
    assert sent_to(item) == {(ReminderKind.OVERDUE_PRINCIPAL, city.user("principal").pk)}


def test_overdue_item_without_owner_still_escalated_to_principal(city: City) -> None:
    item = due_in(city, -1, owner=None)
    services.send_reminders()
    assert sent_to(item) == {(ReminderKind.OVERDUE_PRINCIPAL, city.user("principal").pk)}


def test_three_days_overdue_not_yet_sent_to_district(city: City) -> None:
    item = due_in(city, -3)
    services.send_reminders()
    assert (ReminderKind.OVERDUE_DISTRICT, city.user("district_admin").pk) not in sent_to(item)


def test_more_than_three_days_overdue_sent_to_district_admin(city: City) -> None:
    item = due_in(city, -4)
    services.send_reminders()
    assert sent_to(item) == {
        (ReminderKind.OVERDUE_PRINCIPAL, city.user("principal").pk),
        (ReminderKind.OVERDUE_DISTRICT, city.user("district_admin").pk),
    }


def test_district_escalation_goes_to_the_schools_own_district(city: City) -> None:
    item = due_in(city, -5)
    services.send_reminders()
    recipients = {r for _, r in sent_to(item)}
    assert city.user("district_admin_b").pk not in recipients


def test_closed_items_are_not_reminded(city: City) -> None:
    item = due_in(city, -5)
    RectificationItem.objects.filter(pk=item.pk).update(status=ItemStatus.CLOSED)
    services.send_reminders()
    assert sent_to(item) == set()


def test_second_run_sends_nothing_new(city: City) -> None:
    items = [due_in(city, 2), due_in(city, 0), due_in(city, -5)]
    services.send_reminders()
    before = Reminder.objects.count()
    assert before == 4
    result = services.send_reminders()
    assert Reminder.objects.count() == before
    assert sum(result.values()) == 0
    assert len(items) == 3


def test_reminders_follow_the_day_given(city: City) -> None:
    item = due_in(city, 5)
    services.send_reminders(today=item.due_date - dt.timedelta(days=2))
    services.send_reminders(today=item.due_date)
    services.send_reminders(today=item.due_date + dt.timedelta(days=4))
    assert {kind for kind, _ in sent_to(item)} == set(ReminderKind.values) - {ReminderKind.REOPENED}


def test_inactive_principal_gets_no_escalation(city: City) -> None:
    item = due_in(city, -1)
    principal = city.user("principal")
    principal.is_active = False
    principal.save(update_fields=["is_active"])
    services.send_reminders()
    assert sent_to(item) == set()


def test_owner_marks_reminders_read(city: City) -> None:
    due_in(city, 0)
    services.send_reminders()
    assert services.mark_reminders_read(actor=city.user("class_teacher")) == 1
    assert not Reminder.objects.filter(read_at__isnull=True, recipient=city.user("class_teacher")).exists()
