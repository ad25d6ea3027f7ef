"""Rules added after review: no answers to indicators a school type skips, no past due dates, no owner
reminders while close-out waits for the verifier, bounded round names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.errors import DomainError
from dudao.inspections import services as inspections
from dudao.rectification import services
from dudao.rectification.models import RectificationItem, Reminder
from tests.factories import City
from tests.inspections.factories import build_framework, indicator, ledger_item, plan_round, target_of, upload

pytestmark = pytest.mark.django_db


def test_answer_to_an_indicator_the_school_type_skips_is_refused(city: City) -> None:
    framework = build_framework(city)
    inspection = plan_round(city, framework=framework, schools=[city.school_a])  # 完全中学: no 2.2
    target = target_of(inspection, city.school_a)
    with pytest.raises(DomainError) as error:
        inspections.save_answer(
            actor=city.user("inspector"), target=target, indicator_id=indicator(framework, "2.2").pk, result="pass"
        )
    assert error.value.code == "indicator_not_applicable"
    assert not target.answers.exists()


def test_principal_cannot_set_a_due_date_in_the_past(city: City) -> None:
    item = ledger_item(city, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - dt.timedelta(days=5))
    with pytest.raises(DomainError) as error:
        services.assign(
            actor=city.user("principal"),
            item=item,
            owner=city.user("class_teacher"),
            responsibility="维修",
            due_date=timezone.localdate() - dt.timedelta(days=1),
            version=None,
        )
    assert error.value.code == "due_date_in_past"
    item.refresh_from_db()
    assert item.owner_id is None


def test_owner_not_reminded_while_closeout_awaits_the_verifier(city: City) -> None:
    item = ledger_item(city, due_in_days=2)
    services.request_closeout(
        actor=city.user("class_teacher"), item=item, text="已修好", photos=[upload(5)], version=None
    )
    services.send_reminders()
    assert not Reminder.objects.filter(item=item, recipient=city.user("class_teacher")).exists()


def test_round_name_over_100_characters_is_refused(city: City) -> None:
    with pytest.raises(DomainError) as error:
        plan_round(city, name="很长" * 51)
    assert error.value.code == "name_too_long"
