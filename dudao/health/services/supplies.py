"""防疫物资: the schools' supply records."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.health.models import SupplyKind, SupplyRecord
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can


def record_supply(
    *, actor: User, school: OrgUnit, kind: str, date: dt.date, received: int, used: int, stock: int
) -> SupplyRecord:
    if kind not in SupplyKind.values:
        raise DomainError("物资类型无效", code="supply_kind_invalid")
    if min(received, used, stock) < 0:
        raise DomainError("数量不能为负数", code="supply_negative")
    if max(received, used, stock) > 10_000_000:
        raise DomainError("数量过大，请核对", code="supply_too_large")
    if date > timezone.localdate():
        raise DomainError("不能登记未来日期的物资", code="future_date")
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("物资按学校登记", code="not_a_school")
    with transaction.atomic():
        if not can(actor, "health.supplies", school):
            raise Forbidden("只有校医、学校管理员或校长可以登记防疫物资")
        record, created = SupplyRecord.objects.select_for_update().get_or_create(
            school=school,
            kind=kind,
            date=date,
            defaults={"received": received, "used": used, "stock": stock, "recorded_by": actor},
        )
        before = None if created else snapshot(record, ["received", "used", "stock"])
        if not created:
            record.received, record.used, record.stock = received, used, stock
            record.recorded_by = actor
            record.recorded_at = timezone.now()
            record.save(update_fields=["received", "used", "stock", "recorded_by", "recorded_at"])
        record_change(
            actor=actor,
            action="health_supply",
            obj=record,
            unit_path=school.path,
            before=before,
            after=snapshot(record, ["kind", "date", "received", "used", "stock"]),
        )
    return record
