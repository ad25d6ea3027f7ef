"""食堂与食品安全 API: canteens and their suppliers (read), and the daily records 留样 and 陪餐 (list and create)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.canteens import selectors, services
from dudao.canteens.models import Canteen, CompanionMeal, FoodSample, Meal, Supplier
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.selectors import units_for

router = Router(tags=["食堂与食品安全"])


class CanteenOut(Schema):
    id: int
    school: int
    school_name: str
    name: str
    licence_number: str
    licence_expires_on: dt.date | None
    open_kitchen: str
    open_kitchen_name: str
    open_kitchen_checked_on: dt.date | None
    meals: list[str]
    version: int


def _canteen(c: Canteen) -> CanteenOut:
    return CanteenOut(
        id=c.pk,
        school=c.school_id,
        school_name=c.school.name,
        name=c.name,
        licence_number=c.licence_number,
        licence_expires_on=c.licence_expires_on,
        open_kitchen=c.open_kitchen,
        open_kitchen_name=c.get_open_kitchen_display(),
        open_kitchen_checked_on=c.open_kitchen_checked_on,
        meals=c.meals,
        version=c.version,
    )


def _under(request: AuthedRequest, unit: int | None) -> str | None:
    return None if unit is None else get_object_or_404(units_for(request.user), pk=unit).path


@router.get("/canteens", response=Paged[CanteenOut])
def list_canteens(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Canteens in scope; `unit`: those of the schools inside it."""
    require(request, "canteen.read")
    qs = selectors.canteens_for(request.user).order_by("school__path", "name", "id")
    path = _under(request, unit)
    if path is not None:
        qs = qs.filter(school__path__under=path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_canteen(c) for c in page.items], "count": page.count}


@router.get("/canteens/{canteen_id}", response=CanteenOut)
def get_canteen(request: AuthedRequest, canteen_id: Id) -> CanteenOut:
    require(request, "canteen.read")
    return _canteen(get_object_or_404(selectors.canteens_for(request.user), pk=canteen_id))


class SupplierOut(Schema):
    id: int
    canteen: int
    canteen_name: str
    school_name: str
    name: str
    licence_number: str
    licence_expires_on: dt.date
    is_expired: bool
    supplies: str
    is_active: bool


def _supplier(s: Supplier, today: dt.date) -> SupplierOut:
    return SupplierOut(
        id=s.pk,
        canteen=s.canteen_id,
        canteen_name=s.canteen.name,
        school_name=s.canteen.school.name,
        name=s.name,
        licence_number=s.licence_number,
        licence_expires_on=s.licence_expires_on,
        is_expired=s.licence_expires_on < today,
        supplies=s.supplies,
        is_active=s.is_active,
    )


@router.get("/canteen-suppliers", response=Paged[SupplierOut])
def list_suppliers(
    request: AuthedRequest, paging: Query[PageParams], canteen: Id | None = None, unit: Id | None = None
) -> dict[str, object]:
    """Suppliers and their qualifications; `canteen` or `unit` narrow the list."""
    require(request, "canteen.read")
    qs = selectors.suppliers_for(request.user).order_by("canteen__school__path", "name", "id")
    if canteen is not None:
        qs = qs.filter(canteen=get_object_or_404(selectors.canteens_for(request.user), pk=canteen))
    path = _under(request, unit)
    if path is not None:
        qs = qs.filter(canteen__school__path__under=path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    today = timezone.localdate()
    return {"items": [_supplier(s, today) for s in page.items], "count": page.count}


class Dish(Schema):
    name: str
    grams: int


class RecordOut(Schema):
    id: int
    kind: Literal["sample", "companion"]
    canteen: int
    canteen_name: str
    school: int
    school_name: str
    served_on: dt.date
    meal: str
    meal_name: str
    created: bool = Field(True, description="为 false 时表示该餐次已有记录，返回的是已有记录（重复提交不会新增）")
    dishes: list[Dish] = []
    sampled_at: dt.datetime | None = None
    sampled_by: str = ""
    discard_after: dt.datetime | None = Field(None, description="留样满 48 小时、可以处理的时间")
    photo_url: str = ""
    leader_name: str = ""
    leader_title: str = ""
    note: str = ""


def _sample(s: FoodSample, created: bool = True) -> RecordOut:
    return RecordOut(
        id=s.pk,
        kind="sample",
        canteen=s.canteen_id,
        canteen_name=s.canteen.name,
        school=s.canteen.school_id,
        school_name=s.canteen.school.name,
        served_on=s.served_on,
        meal=s.meal,
        meal_name=s.get_meal_display(),
        created=created,
        dishes=[Dish(**d) for d in s.dishes],
        sampled_at=s.sampled_at,
        sampled_by=s.sampled_by,
        discard_after=s.discard_after,
        photo_url=reverse("canteens:sample_photo", args=[s.pk]),
    )


def _companion(m: CompanionMeal, created: bool = True) -> RecordOut:
    return RecordOut(
        id=m.pk,
        kind="companion",
        canteen=m.canteen_id,
        canteen_name=m.canteen.name,
        school=m.canteen.school_id,
        school_name=m.canteen.school.name,
        served_on=m.served_on,
        meal=m.meal,
        meal_name=m.get_meal_display(),
        created=created,
        discard_after=None,
        leader_name=m.leader_name,
        leader_title=m.leader_title,
        note=m.note,
    )


class RecordFilter(Schema):
    kind: Literal["sample", "companion"] = Field("sample", description="sample = 留样，companion = 陪餐")
    canteen: Id | None = None
    unit: Id | None = None
    served_on: dt.date | None = None


@router.get("/canteen-records", response=Paged[RecordOut])
def list_records(request: AuthedRequest, paging: Query[PageParams], filters: Query[RecordFilter]) -> dict[str, object]:
    """留样 (`kind=sample`, default) or 陪餐 (`kind=companion`) records in scope, newest first."""
    require(request, "canteen.read")
    qs: Any = (
        selectors.samples_for(request.user) if filters.kind == "sample" else selectors.companions_for(request.user)
    )
    if filters.canteen is not None:
        qs = qs.filter(canteen=get_object_or_404(selectors.canteens_for(request.user), pk=filters.canteen))
    path = _under(request, filters.unit)
    if path is not None:
        qs = qs.filter(canteen__school__path__under=path)
    if filters.served_on is not None:
        qs = qs.filter(served_on=filters.served_on)
    page = paginate(qs.order_by("-served_on", "canteen_id", "meal", "id"), page=paging.page, page_size=paging.page_size)
    convert = _sample if filters.kind == "sample" else _companion
    return {"items": [convert(r) for r in page.items], "count": page.count}


class RecordIn(Schema):
    kind: Literal["sample", "companion"]
    canteen: Id
    served_on: dt.date
    meal: Meal
    dishes: str = Field("", description='留样菜品，JSON 数组：[{"name": "红烧肉", "grams": 150}]（每种不少于 125 克）')
    sampled_at: dt.datetime | None = Field(None, description="留样时间，默认现在")
    sampled_by: str = Field("", description="留样人，默认调用者本人")
    leader_name: str = Field("", description="陪餐人（陪餐必填）")
    leader_title: str = ""
    note: str = Field("", description="陪餐情况（陪餐必填）")


def _dishes(raw: str) -> list[services.DishIn]:
    try:
        items = json.loads(raw or "[]")
        return [services.DishIn(name=str(d["name"]), grams=int(d["grams"])) for d in items]
    except (ValueError, TypeError, KeyError) as exc:
        raise DomainError(
            'dishes 应为 JSON 数组，如 [{"name": "红烧肉", "grams": 150}]', code="sample_dishes_invalid"
        ) from exc


@router.post("/canteen-records", response={200: RecordOut, 201: RecordOut})
def create_record(
    request: AuthedRequest, payload: Form[RecordIn], photo: File[UploadedFile | None] = None
) -> Status[RecordOut]:
    """Record a 留样 (multipart form with `photo`, required) or a 陪餐. A second record for the same canteen, day and
    meal is not created: the answer is the existing record with status 200 and `created: false`."""
    require(request, "canteen.change")
    canteen = get_object_or_404(selectors.canteens_for(request.user), pk=payload.canteen)
    if payload.kind == "sample":
        sample, created = services.record_sample(
            actor=request.user,
            canteen=canteen,
            served_on=payload.served_on,
            meal=payload.meal,
            dishes=_dishes(payload.dishes),
            sampled_at=payload.sampled_at or timezone.now(),
            sampled_by=payload.sampled_by or request.user.display_name,
            photo=photo,
        )
        return Status(201 if created else 200, _sample(sample, created))
    record, created = services.record_companion(
        actor=request.user,
        canteen=canteen,
        served_on=payload.served_on,
        meal=payload.meal,
        leader_name=payload.leader_name,
        leader_title=payload.leader_title,
        note=payload.note,
    )
    return Status(201 if created else 200, _companion(record, created))
