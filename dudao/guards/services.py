"""Guard services: the school's security profile, its guards (ID masked in the audit trail) and its equipment
with checks. Each checks `guard.change` on the school, runs in one transaction, is audited; edits carry `version`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_access, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.guards.models import DEFAULT_INTERVALS, Employer, Equipment, EquipmentKind, Guard, SecurityProfile
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.text import MOBILE_RE, is_valid_id_card, mask_id_card

GUARD_FIELDS = [
    "name",
    "phone",
    "id_card_no",
    "licence_number",
    "licence_expires_on",
    "trained_on",
    "employer",
    "company",
    "works_nights",
    "is_active",
]
EQUIPMENT_FIELDS = [
    "kind",
    "description",
    "quantity",
    "coverage",
    "linked_to_police",
    "is_working",
    "last_checked_on",
    "check_interval_days",
]


def _check(actor: User, school: OrgUnit) -> None:
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("安保信息只能登记在学校下", code="not_a_school")
    if not can(actor, "guard.change", school):
        raise Forbidden("只有本校校长或学校管理员可以维护安保信息")


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _not_future(day: dt.date | None, *, label: str) -> None:
    if day is not None and day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天（{timezone.localdate():%Y-%m-%d}）", code="date_in_future")


def _guard_snapshot(guard: Guard) -> dict[str, Any]:
    values = snapshot(guard, GUARD_FIELDS)
    values["id_card_no"] = mask_id_card(guard.id_card_no) if guard.id_card_no else ""
    return values


# ----- the school's profile ------------------------------------------------------------------------


def set_profile(
    *, actor: User, school: OrgUnit, is_boarding: bool, is_closed_campus: bool, version: int | None
) -> SecurityProfile:
    _check(actor, school)
    with transaction.atomic():
        profile, created = SecurityProfile.objects.get_or_create(school=school)
        fresh = locked(SecurityProfile.objects, profile.pk, None if created else version)
        before = snapshot(fresh, ["is_boarding", "is_closed_campus"])
        fresh.is_boarding, fresh.is_closed_campus, fresh.updated_at = is_boarding, is_closed_campus, timezone.now()
        bump(fresh, ["is_boarding", "is_closed_campus", "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=school.path,
            before=before,
            after=snapshot(fresh, ["is_boarding", "is_closed_campus"]),
        )
    return fresh


# ----- guards -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardIn:
    name: str
    phone: str = ""
    id_card_no: str = ""
    licence_number: str = ""
    licence_expires_on: dt.date | None = None
    trained_on: dt.date | None = None
    employer: str = Employer.SCHOOL
    company: str = ""
    works_nights: bool = False
    is_active: bool = True


def _guard_values(data: GuardIn) -> dict[str, Any]:
    phone = _text(data.phone, label="联系电话", limit=20, required=False)
    if phone and not MOBILE_RE.match(phone) and not phone.replace("-", "").isdigit():
        raise DomainError("联系电话格式不对：请填写 11 位手机号或带区号的座机号", code="phone_invalid")
    number = (data.id_card_no or "").strip().upper()
    if number and not is_valid_id_card(number):
        raise DomainError("身份证号格式或校验位不对，请核对 18 位号码", code="id_card_invalid")
    licence = _text(data.licence_number, label="保安员证编号", limit=40, required=False)
    if licence and data.licence_expires_on is None:
        raise DomainError("请填写保安员证的有效期", code="licence_expiry_missing")
    if data.employer not in Employer.values:
        raise DomainError("请选择用工方式", code="employer_invalid")
    company = _text(data.company, label="保安服务公司", limit=100, required=False)
    if data.employer == Employer.COMPANY and not company:
        raise DomainError("保安公司派驻的保安请填写保安服务公司名称", code="company_missing")
    _not_future(data.trained_on, label="培训日期")
    return {
        "name": _text(data.name, label="姓名", limit=40),
        "phone": phone,
        "id_card_no": number,
        "licence_number": licence,
        "licence_expires_on": data.licence_expires_on,
        "trained_on": data.trained_on,
        "employer": data.employer,
        "company": company if data.employer == Employer.COMPANY else "",
        "works_nights": data.works_nights,
        "is_active": data.is_active,
    }


def add_guard(*, actor: User, school: OrgUnit, data: GuardIn) -> Guard:
    _check(actor, school)
    values = _guard_values(data)
    with transaction.atomic():
        if values["id_card_no"] and Guard.objects.filter(school=school, id_card_no=values["id_card_no"]).exists():
            raise DomainError("本校已登记过这个身份证号的保安", code="guard_exists", status=409)
        guard = Guard.objects.create(school=school, **values)
        record_change(actor=actor, action="create", obj=guard, unit_path=school.path, after=_guard_snapshot(guard))
    return guard


def update_guard(*, actor: User, guard: Guard, data: GuardIn, version: int | None) -> Guard:
    """Renew a 保安员证, record training, or mark a guard as left (不再在岗). An empty ID number keeps the one on
    file (the form shows it masked)."""
    _check(actor, guard.school)
    if not data.id_card_no:
        data = GuardIn(**{**data.__dict__, "id_card_no": guard.id_card_no})
    values = _guard_values(data)
    with transaction.atomic():
        fresh = locked(Guard.objects, guard.pk, version)
        before = _guard_snapshot(fresh)
        for key, value in values.items():
            setattr(fresh, key, value)
        bump(fresh, GUARD_FIELDS)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=guard.school.path,
            before=before,
            after=_guard_snapshot(fresh),
        )
    return fresh


def reveal_id(*, actor: User, guard: Guard) -> str:
    """The whole ID number, for the school's principal or office; every reveal is an access event."""
    if not can(actor, "guard.unmask_id", guard.school):
        raise Forbidden("您的角色不能查看完整身份证号")
    if not guard.id_card_no:
        raise DomainError("未登记身份证号", code="nothing_to_reveal")
    record_access(
        actor=actor, action="view_unmasked", obj=guard, unit_path=guard.school.path, details={"fields": ["id_card_no"]}
    )
    return guard.id_card_no


# ----- equipment --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EquipmentIn:
    kind: str
    description: str = ""
    quantity: int = 1
    coverage: int | None = None
    linked_to_police: bool = False
    is_working: bool = True
    last_checked_on: dt.date | None = None
    check_interval_days: int | None = None


def _equipment_values(data: EquipmentIn) -> dict[str, Any]:
    if data.kind not in EquipmentKind.values:
        raise DomainError("请选择设施类别", code="kind_invalid")
    if data.quantity < 1 or data.quantity > 10000:
        raise DomainError("数量应在 1 到 10000 之间", code="quantity_invalid")
    if data.coverage is not None and not 0 <= data.coverage <= 100:
        raise DomainError("覆盖率应在 0 到 100 之间", code="coverage_invalid")
    interval = data.check_interval_days or DEFAULT_INTERVALS[EquipmentKind(data.kind)]
    if not 1 <= interval <= 366:
        raise DomainError("检查周期应在 1 到 366 天之间", code="interval_invalid")
    _not_future(data.last_checked_on, label="检查日期")
    return {
        "kind": data.kind,
        "description": _text(data.description, label="说明", limit=100, required=False),
        "quantity": data.quantity,
        "coverage": data.coverage if data.kind == EquipmentKind.VIDEO else None,
        "linked_to_police": data.linked_to_police,
        "is_working": data.is_working,
        "last_checked_on": data.last_checked_on,
        "check_interval_days": interval,
    }


def add_equipment(*, actor: User, school: OrgUnit, data: EquipmentIn) -> Equipment:
    _check(actor, school)
    values = _equipment_values(data)
    with transaction.atomic():
        item = Equipment.objects.create(school=school, **values)
        record_change(
            actor=actor, action="create", obj=item, unit_path=school.path, after=snapshot(item, EQUIPMENT_FIELDS)
        )
    return item


def update_equipment(*, actor: User, item: Equipment, data: EquipmentIn, version: int | None) -> Equipment:
    _check(actor, item.school)
    values = _equipment_values(data)
    with transaction.atomic():
        fresh = locked(Equipment.objects, item.pk, version)
        before = snapshot(fresh, EQUIPMENT_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        bump(fresh, EQUIPMENT_FIELDS)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=item.school.path,
            before=before,
            after=snapshot(fresh, EQUIPMENT_FIELDS),
        )
    return fresh


def record_check(*, actor: User, item: Equipment, is_working: bool, day: dt.date | None = None) -> Equipment:
    """A routine check today: the date moves on and the state is what was found. Checking twice on the same day
    with the same result changes nothing (a double tap)."""
    _check(actor, item.school)
    day = day or timezone.localdate()
    _not_future(day, label="检查日期")
    with transaction.atomic():
        fresh = locked(Equipment.objects, item.pk, None)
        if fresh.last_checked_on == day and fresh.is_working == is_working:
            return fresh
        before = snapshot(fresh, ["last_checked_on", "is_working"])
        fresh.last_checked_on, fresh.is_working = day, is_working
        bump(fresh, ["last_checked_on", "is_working"])
        record_change(
            actor=actor,
            action="check",
            obj=fresh,
            unit_path=item.school.path,
            before=before,
            after=snapshot(fresh, ["last_checked_on", "is_working"]),
        )
    return fresh
