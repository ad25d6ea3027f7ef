"""Helpers for the 督办与问责 tests: overdue ledger items, orders and records in the test city."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.rectification.models import RectificationItem
from dudao.supervision import services
from dudao.supervision.models import AccountabilityForm, AccountabilityRecord, Commendation, SupervisionOrder
from tests.factories import City
from tests.inspections.factories import ledger_item


def today() -> dt.date:
    return timezone.localdate()


def overdue_item(city: City, school: OrgUnit | None = None, days: int = 5) -> RectificationItem:
    """A ledger item at `school` (五中 by default) whose deadline passed `days` ago."""
    item = ledger_item(city, school=school or city.school_a, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=today() - dt.timedelta(days=days))
    item.refresh_from_db()
    return item


def issue(
    city: City, *, target: OrgUnit | None = None, facts=(), actor_key: str = "bureau_leader", **extra
) -> SupervisionOrder:
    actor = city.user(actor_key)
    issuer = actor.assignments.get().unit
    fields = {
        "subject": "关于督促整改逾期问题的督办",
        "body": "请限期整改到位并书面反馈。",
        "deadline": today() + dt.timedelta(days=7),
        **extra,
    }
    return services.issue_order(
        actor=actor, issuer=issuer, target=target or city.district_a, facts=list(facts), **fields
    )


def form(name: str = "约谈") -> AccountabilityForm:
    return AccountabilityForm.objects.get_or_create(name=name, defaults={"order": 10})[0]


def talk(
    city: City,
    *,
    person_key: str | None = "principal",
    unit: OrgUnit | None = None,
    actor_key: str = "bureau_leader",
    deduction: Decimal | None = Decimal("1.5"),
    evidence=(),
) -> AccountabilityRecord:
    actor = city.user(actor_key)
    return services.record_accountability(
        actor=actor,
        form=form(),
        subject_unit=unit,
        subject_person=city.user(person_key) if person_key else None,
        reason="督办事项逾期未反馈",
        decided_by=actor,
        decided_on=today(),
        deduction=deduction,
        evidence=list(evidence),
    )


def praise(
    city: City, *, unit: OrgUnit | None = None, actor_key: str = "bureau_leader", bonus: Decimal | None = Decimal("2")
) -> Commendation:
    actor = city.user(actor_key)
    return services.record_commendation(
        actor=actor,
        title="整改及时到位",
        subject_unit=unit or city.school_a,
        reason="问题全部按时销号",
        decided_by=actor,
        decided_on=today(),
        bonus=bonus,
    )
