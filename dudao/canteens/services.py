"""Canteen services: the canteen's own data (licence, 明厨亮灶, staff, suppliers) and the daily records (留样,
陪餐, 晨检). Each checks the acting role on the canteen's school, runs in one transaction and is audited.

Daily records are kept by the school; a double submit of the same meal returns the record already there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.canteens.models import (
    SAMPLE_MIN_GRAMS,
    Canteen,
    CanteenWorker,
    CompanionMeal,
    FoodSample,
    Meal,
    MorningCheck,
    OpenKitchen,
    Supplier,
)
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import IMAGE_TYPES, store_upload
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can

# A sample photo: a phone picture, scaled down on storage; anything larger is not a photo of a sample fridge.
PHOTO_MAX_BYTES = 10 * 1024 * 1024
CANTEEN_FIELDS = [
    "name",
    "licence_number",
    "licence_expires_on",
    "open_kitchen",
    "open_kitchen_checked_on",
    "serves_breakfast",
    "serves_dinner",
]
WORKER_FIELDS = ["name", "post", "certificate_number", "certificate_expires_on", "is_active"]
SUPPLIER_FIELDS = ["name", "licence_number", "licence_expires_on", "supplies", "contact", "is_active"]


def _check(actor: User, school: OrgUnit) -> None:
    if not can(actor, "canteen.change", school):
        raise Forbidden("只有本校校长、学校管理员或校医可以维护食堂记录")


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _not_future(day: dt.date, *, label: str) -> None:
    if day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天（{timezone.localdate():%Y-%m-%d}）", code="date_in_future")


def _meal(canteen: Canteen, meal: str) -> str:
    if meal not in Meal.values:
        raise DomainError("请选择餐次", code="meal_invalid")
    if meal not in canteen.meals:
        raise DomainError(f"{canteen.name}不供应{Meal(meal).label}", code="meal_not_served")
    return meal


# ----- the canteen, its staff and suppliers ------------------------------------------------------


@dataclass(frozen=True)
class CanteenIn:
    name: str
    licence_number: str = ""
    licence_expires_on: dt.date | None = None
    open_kitchen: str = OpenKitchen.NONE
    open_kitchen_checked_on: dt.date | None = None
    serves_breakfast: bool = False
    serves_dinner: bool = False


def _canteen_values(data: CanteenIn) -> dict[str, Any]:
    if data.open_kitchen not in OpenKitchen.values:
        raise DomainError("请选择明厨亮灶实施情况", code="open_kitchen_invalid")
    if data.open_kitchen != OpenKitchen.NONE and data.open_kitchen_checked_on is None:
        raise DomainError("请填写明厨亮灶的核查日期", code="open_kitchen_date_missing")
    if data.open_kitchen_checked_on is not None:
        _not_future(data.open_kitchen_checked_on, label="明厨亮灶核查日期")
    number = _text(data.licence_number, label="食品经营许可证编号", limit=40, required=False)
    if number and data.licence_expires_on is None:
        raise DomainError("请填写食品经营许可证的有效期", code="licence_expiry_missing")
    return {
        "name": _text(data.name, label="食堂名称", limit=60),
        "licence_number": number,
        "licence_expires_on": data.licence_expires_on,
        "open_kitchen": data.open_kitchen,
        "open_kitchen_checked_on": data.open_kitchen_checked_on,
        "serves_breakfast": data.serves_breakfast,
        "serves_dinner": data.serves_dinner,
    }


def create_canteen(*, actor: User, school: OrgUnit, data: CanteenIn) -> Canteen:
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("食堂只能登记在学校下", code="not_a_school")
    _check(actor, school)
    values = _canteen_values(data)
    with transaction.atomic():
        if Canteen.objects.filter(school=school, name=values["name"]).exists():
            raise DomainError(f"本校已有名为“{values['name']}”的食堂", code="canteen_exists", status=409)
        canteen = Canteen.objects.create(school=school, **values)
        record_change(
            actor=actor, action="create", obj=canteen, unit_path=school.path, after=snapshot(canteen, CANTEEN_FIELDS)
        )
    return canteen


def update_canteen(*, actor: User, canteen: Canteen, data: CanteenIn, version: int | None) -> Canteen:
    _check(actor, canteen.school)
    values = _canteen_values(data)
    with transaction.atomic():
        fresh = locked(Canteen.objects, canteen.pk, version)
        if Canteen.objects.filter(school_id=fresh.school_id, name=values["name"]).exclude(pk=fresh.pk).exists():
            raise DomainError(f"本校已有名为“{values['name']}”的食堂", code="canteen_exists", status=409)
        before = snapshot(fresh, CANTEEN_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*CANTEEN_FIELDS, "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=canteen.school.path,
            before=before,
            after=snapshot(fresh, CANTEEN_FIELDS),
        )
    return fresh


@dataclass(frozen=True)
class WorkerIn:
    name: str
    certificate_expires_on: dt.date
    post: str = ""
    certificate_number: str = ""
    is_active: bool = True
    account: User | None = None


def _worker_values(data: WorkerIn) -> dict[str, Any]:
    return {
        "name": _text(data.name, label="姓名", limit=40),
        "post": _text(data.post, label="岗位", limit=30, required=False),
        "certificate_number": _text(data.certificate_number, label="健康证编号", limit=40, required=False),
        "certificate_expires_on": data.certificate_expires_on,
        "is_active": data.is_active,
    }


def add_worker(*, actor: User, canteen: Canteen, data: WorkerIn) -> CanteenWorker:
    _check(actor, canteen.school)
    values = _worker_values(data)
    with transaction.atomic():
        worker = CanteenWorker.objects.create(canteen=canteen, account=data.account, **values)
        record_change(
            actor=actor,
            action="create",
            obj=worker,
            unit_path=canteen.school.path,
            after=snapshot(worker, WORKER_FIELDS),
        )
    return worker


def update_worker(*, actor: User, worker: CanteenWorker, data: WorkerIn, version: int | None) -> CanteenWorker:
    """Renew a health certificate, correct a name, or mark someone as left (不再在职)."""
    _check(actor, worker.canteen.school)
    values = _worker_values(data)
    with transaction.atomic():
        fresh = locked(CanteenWorker.objects, worker.pk, version)
        before = snapshot(fresh, WORKER_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        bump(fresh, WORKER_FIELDS)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=worker.canteen.school.path,
            before=before,
            after=snapshot(fresh, WORKER_FIELDS),
        )
    return fresh


@dataclass(frozen=True)
class SupplierIn:
    name: str
    licence_number: str
    licence_expires_on: dt.date
    supplies: str
    contact: str = ""
    is_active: bool = True


def add_supplier(*, actor: User, canteen: Canteen, data: SupplierIn) -> Supplier:
    _check(actor, canteen.school)
    values = {
        "name": _text(data.name, label="供应商名称", limit=100),
        "licence_number": _text(data.licence_number, label="许可证或营业执照编号", limit=40),
        "licence_expires_on": data.licence_expires_on,
        "supplies": _text(data.supplies, label="供应品种", limit=100),
        "contact": _text(data.contact, label="联系人及电话", limit=60, required=False),
        "is_active": data.is_active,
    }
    if data.licence_expires_on < timezone.localdate():
        raise DomainError(
            f"该供应商的资质已于 {data.licence_expires_on:%Y-%m-%d} 过期，不能登记为合作供应商", code="supplier_expired"
        )
    with transaction.atomic():
        supplier = Supplier.objects.create(canteen=canteen, **values)
        record_change(
            actor=actor,
            action="create",
            obj=supplier,
            unit_path=canteen.school.path,
            after=snapshot(supplier, SUPPLIER_FIELDS),
        )
    return supplier


# ----- daily records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DishIn:
    name: str
    grams: int


def _dishes(dishes: Sequence[DishIn]) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for dish in dishes:
        name = _text(dish.name, label="菜品名称", limit=30)
        if dish.grams < SAMPLE_MIN_GRAMS:
            raise DomainError(
                f"“{name}”留样 {dish.grams} 克，每个品种不得少于 {SAMPLE_MIN_GRAMS} 克", code="sample_too_small"
            )
        if dish.grams > 2000:
            raise DomainError(f"“{name}”的留样重量 {dish.grams} 克不合常理，请核对", code="sample_weight_invalid")
        cleaned.append({"name": name, "grams": dish.grams})
    if not cleaned:
        raise DomainError("请至少填写一个留样菜品及其重量", code="sample_no_dishes")
    names = [d["name"] for d in cleaned]
    if len(set(names)) != len(names):
        raise DomainError("同一菜品不要重复填写", code="sample_duplicate_dish")
    return cleaned


def record_sample(
    *,
    actor: User,
    canteen: Canteen,
    served_on: dt.date,
    meal: str,
    dishes: Sequence[DishIn],
    sampled_at: dt.datetime,
    sampled_by: str,
    photo: IO[bytes] | None,
) -> tuple[FoodSample, bool]:
    """留样 of one meal, with its photo. Returns (record, created): a second submit of the same meal (a double tap,
    a retried upload) returns the first record unchanged and stores no second photo."""
    _check(actor, canteen.school)
    with transaction.atomic():
        fresh = Canteen.objects.select_for_update().get(pk=canteen.pk)
        existing = FoodSample.objects.filter(canteen=fresh, served_on=served_on, meal=meal).first()
        if existing is not None:
            return existing, False
        _not_future(served_on, label="留样日期")
        _meal(fresh, meal)
        cleaned = _dishes(dishes)
        sampled_at = timezone.localtime(sampled_at)
        if sampled_at > timezone.now() + dt.timedelta(minutes=5):
            raise DomainError("留样时间不能晚于现在", code="sample_time_in_future")
        if sampled_at.date() != served_on:
            raise DomainError("留样时间应在当天", code="sample_time_other_day")
        who = _text(sampled_by, label="留样人", limit=40)
        if photo is None:
            raise DomainError("请拍摄或上传留样照片", code="sample_photo_missing")
        stored = store_upload(actor=actor, upload=photo, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
        sample = FoodSample.objects.create(
            canteen=fresh,
            served_on=served_on,
            meal=meal,
            dishes=cleaned,
            sampled_at=sampled_at,
            sampled_by=who,
            photo=stored,
            recorded_by=actor,
        )
        record_change(
            actor=actor,
            action="sample",
            obj=sample,
            unit_path=canteen.school.path,
            after={**snapshot(sample, ["served_on", "meal", "dishes", "sampled_at", "sampled_by"]), "photo": stored.pk},
        )
    return sample, True


def record_companion(
    *,
    actor: User,
    canteen: Canteen,
    served_on: dt.date,
    meal: str,
    leader_name: str,
    leader_title: str,
    note: str,
) -> tuple[CompanionMeal, bool]:
    """陪餐 of one meal; a second submit for the same meal returns the first record."""
    _check(actor, canteen.school)
    with transaction.atomic():
        fresh = Canteen.objects.select_for_update().get(pk=canteen.pk)
        existing = CompanionMeal.objects.filter(canteen=fresh, served_on=served_on, meal=meal).first()
        if existing is not None:
            return existing, False
        _not_future(served_on, label="陪餐日期")
        _meal(fresh, meal)
        record = CompanionMeal.objects.create(
            canteen=fresh,
            served_on=served_on,
            meal=meal,
            leader_name=_text(leader_name, label="陪餐人", limit=40),
            leader_title=_text(leader_title, label="职务", limit=30, required=False),
            note=_text(note, label="陪餐情况", limit=300),
            recorded_by=actor,
        )
        record_change(
            actor=actor,
            action="companion",
            obj=record,
            unit_path=canteen.school.path,
            after=snapshot(record, ["served_on", "meal", "leader_name", "leader_title", "note"]),
        )
    return record, True


@dataclass(frozen=True)
class CheckIn:
    worker_id: int
    is_well: bool
    symptoms: str = ""


def record_morning_check(
    *, actor: User, canteen: Canteen, day: dt.date, results: Sequence[CheckIn]
) -> list[MorningCheck]:
    """晨检: each worker on the list is well (on duty) or not (sent home, with the symptoms). A worker whose health
    certificate has expired cannot be put on duty; a check already made that day is corrected, not duplicated."""
    _check(actor, canteen.school)
    _not_future(day, label="晨检日期")
    if not results:
        raise DomainError("请至少为一名从业人员填写晨检结果", code="check_empty")
    with transaction.atomic():
        Canteen.objects.select_for_update().get(pk=canteen.pk)
        workers = {w.pk: w for w in CanteenWorker.objects.filter(canteen=canteen, is_active=True)}
        for result in results:
            worker = workers.get(result.worker_id)
            if worker is None:
                raise DomainError("晨检名单中有不属于本食堂的人员，请刷新页面后重试", code="check_unknown_worker")
            if result.is_well and worker.certificate_expires_on < day:
                raise DomainError(
                    f"{worker.name}的健康证已于 {worker.certificate_expires_on:%Y-%m-%d} 过期，不能安排上岗；"
                    "请办理新证后更新健康证有效期",
                    code="certificate_expired",
                )
            if not result.is_well:
                _text(result.symptoms, label=f"{worker.name}的症状", limit=100)
        existing = {c.worker_id: c for c in MorningCheck.objects.filter(canteen=canteen, checked_on=day)}
        saved: list[MorningCheck] = []
        changes: dict[str, Any] = {}
        for result in results:
            symptoms = "" if result.is_well else result.symptoms.strip()
            check = existing.get(result.worker_id)
            if check is None:
                check = MorningCheck.objects.create(
                    canteen=canteen,
                    worker_id=result.worker_id,
                    checked_on=day,
                    is_well=result.is_well,
                    symptoms=symptoms,
                    checked_by=actor,
                )
            elif (check.is_well, check.symptoms) != (result.is_well, symptoms):
                check.is_well, check.symptoms, check.checked_by = result.is_well, symptoms, actor
                check.save(update_fields=["is_well", "symptoms", "checked_by"])
            saved.append(check)
            changes[workers[result.worker_id].name] = "在岗" if result.is_well else f"身体不适离岗（{symptoms}）"
        record_change(
            actor=actor,
            action="morning_check",
            obj=canteen,
            unit_path=canteen.school.path,
            after={"day": day.isoformat(), "results": changes},
        )
    return saved
