"""校园安保与三防 API: the 三防 card of each school (`/safety/guards`), the guards (ID numbers masked) and the
equipment; guards and equipment may be added by the school."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.guards import selectors, services
from dudao.guards.models import Employer, Equipment, EquipmentKind, Guard
from dudao.guards.rules import GREEN
from dudao.orgs.selectors import units_for
from dudao.orgs.text import mask_id_card
from dudao.orgs.web import acting_unit

router = Router(tags=["校园安保与三防"])


class PillarOut(Schema):
    name: str
    level: str
    reasons: list[str]


class CardOut(Schema):
    school: int
    school_name: str
    students: int
    is_boarding: bool
    required_day: int
    required_night: int
    guards: int
    night_guards: int
    level: str = Field(description="green / yellow / red：三防卡的总体颜色（三项中最差的一项）")
    level_name: str
    people: PillarOut
    physical: PillarOut
    technical: PillarOut


class CardFilter(Schema):
    unit: Id | None = Field(None, description="只看该单位下的学校；默认为当前身份的单位")
    level: str = Field("", description="green / yellow / red；not_green 为黄和红")


@router.get("/safety/guards", response=Paged[CardOut])
def list_cards(request: AuthedRequest, paging: Query[PageParams], filters: Query[CardFilter]) -> dict[str, object]:
    """三防 status: one card per school in scope (人防 物防 技防, each green/yellow/red with its reasons)."""
    require(request, "guard.read")
    unit = (
        get_object_or_404(units_for(request.user), pk=filters.unit)
        if filters.unit is not None
        else acting_unit(request)
    )
    cards = selectors.cards_of(list(selectors.schools_for(request.user, unit)), timezone.localdate())
    if filters.level == "not_green":
        cards = [c for c in cards if c.card.level != GREEN]
    elif filters.level:
        cards = [c for c in cards if c.card.level == filters.level]
    start = (paging.page - 1) * paging.page_size
    return {
        "items": [
            CardOut(
                school=c.school.pk,
                school_name=c.school.name,
                students=c.students,
                is_boarding=c.is_boarding,
                required_day=c.card.requirement.day,
                required_night=c.card.requirement.night,
                guards=c.card.guards,
                night_guards=c.card.night_guards,
                level=c.card.level,
                level_name=c.card.label,
                people=PillarOut(name=c.card.people.name, level=c.card.people.level, reasons=c.card.people.reasons),
                physical=PillarOut(
                    name=c.card.physical.name, level=c.card.physical.level, reasons=c.card.physical.reasons
                ),
                technical=PillarOut(
                    name=c.card.technical.name, level=c.card.technical.level, reasons=c.card.technical.reasons
                ),
            )
            for c in cards[start : start + paging.page_size]
        ],
        "count": len(cards),
    }


class GuardOut(Schema):
    id: int
    school: int
    school_name: str
    name: str
    phone: str
    id_card_no: str = Field(description="身份证号（脱敏）")
    licence_number: str
    licence_expires_on: dt.date | None
    licence_expired: bool
    trained_on: dt.date | None
    employer: str
    employer_name: str
    company: str
    works_nights: bool
    is_active: bool
    version: int


def _guard(g: Guard, today: dt.date) -> GuardOut:
    return GuardOut(
        id=g.pk,
        school=g.school_id,
        school_name=g.school.name,
        name=g.name,
        phone=g.phone,
        id_card_no=mask_id_card(g.id_card_no) if g.id_card_no else "",
        licence_number=g.licence_number,
        licence_expires_on=g.licence_expires_on,
        licence_expired=g.licence_expires_on is not None and g.licence_expires_on < today,
        trained_on=g.trained_on,
        employer=g.employer,
        employer_name=g.get_employer_display(),
        company=g.company,
        works_nights=g.works_nights,
        is_active=g.is_active,
        version=g.version,
    )


@router.get("/safety/guards/people", response=Paged[GuardOut])
def list_guards(
    request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None, expiring: bool = False
) -> dict[str, object]:
    """Guards in scope; `expiring=true`: active guards whose 保安员证 expired or expires within 30 days."""
    require(request, "guard.read")
    qs = selectors.guards_for(request.user).order_by("school__path", "name", "id")
    if unit is not None:
        qs = qs.filter(school__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    if expiring:
        qs = selectors.expiring_licences(qs)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    today = timezone.localdate()
    return {"items": [_guard(g, today) for g in page.items], "count": page.count}


class GuardIn(Schema):
    school: Id
    name: str
    phone: str = ""
    id_card_no: str = ""
    licence_number: str = ""
    licence_expires_on: dt.date | None = None
    trained_on: dt.date | None = None
    employer: Employer = Employer.SCHOOL
    company: str = ""
    works_nights: bool = False


@router.post("/safety/guards/people", response={201: GuardOut})
def create_guard(request: AuthedRequest, payload: GuardIn) -> Status[GuardOut]:
    """Register a guard of a school (ID number checked, answered masked)."""
    require(request, "guard.change")
    school = selectors.school_for(request.user, payload.school)
    if school is None:
        raise Http404("学校不存在")
    guard = services.add_guard(
        actor=request.user,
        school=school,
        data=services.GuardIn(
            name=payload.name,
            phone=payload.phone,
            id_card_no=payload.id_card_no,
            licence_number=payload.licence_number,
            licence_expires_on=payload.licence_expires_on,
            trained_on=payload.trained_on,
            employer=payload.employer,
            company=payload.company,
            works_nights=payload.works_nights,
        ),
    )
    return Status(201, _guard(guard, timezone.localdate()))


class EquipmentOut(Schema):
    id: int
    school: int
    school_name: str
    kind: str
    kind_name: str
    description: str
    quantity: int
    coverage: int | None
    linked_to_police: bool
    is_working: bool
    last_checked_on: dt.date | None
    check_interval_days: int
    next_check_on: dt.date | None
    check_overdue: bool


@router.get("/safety/equipment", response=Paged[EquipmentOut])
def list_equipment(
    request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None, kind: EquipmentKind | None = None
) -> dict[str, object]:
    require(request, "guard.read")
    qs = selectors.equipment_for(request.user).order_by("school__path", "kind", "id")
    if unit is not None:
        qs = qs.filter(school__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    if kind is not None:
        qs = qs.filter(kind=kind)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    today = timezone.localdate()

    def out(e: Equipment) -> EquipmentOut:
        return EquipmentOut(
            id=e.pk,
            school=e.school_id,
            school_name=e.school.name,
            kind=e.kind,
            kind_name=e.get_kind_display(),
            description=e.description,
            quantity=e.quantity,
            coverage=e.coverage,
            linked_to_police=e.linked_to_police,
            is_working=e.is_working,
            last_checked_on=e.last_checked_on,
            check_interval_days=e.check_interval_days,
            next_check_on=e.next_check_on(),
            check_overdue=e.is_check_overdue(today),
        )

    return {"items": [out(e) for e in page.items], "count": page.count}
