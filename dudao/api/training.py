"""继续教育 API: trainings (list, read, create, edit), their enrolment and attendance, QR sign-in, and each
person's hours of a year against the required total for a unit (`/trainings/hours?unit=&year=`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import Forbidden
from dudao.core.pagination import paginate
from dudao.orgs.scoping import acting_assignment, scope_root_path
from dudao.orgs.selectors import units_for
from dudao.training import selectors, services
from dudao.training.models import Attendance, Category, Level, TrainingEvent

router = Router(tags=["继续教育"])


class TrainingOut(Schema):
    id: int
    organiser: int
    organiser_name: str
    title: str
    level: str
    level_name: str
    category: str
    category_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    hours: Decimal
    audience: str
    year: int
    version: int


def _training(e: TrainingEvent) -> TrainingOut:
    return TrainingOut(
        id=e.pk,
        organiser=e.organiser_id,
        organiser_name=e.organiser.name,
        title=e.title,
        level=e.level,
        level_name=e.get_level_display(),
        category=e.category,
        category_name=e.get_category_display(),
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        venue=e.venue,
        hours=e.hours,
        audience=e.audience,
        year=e.year,
        version=e.version,
    )


class AttendanceOut(Schema):
    id: int
    training: int
    training_title: str
    person: int
    person_name: str
    unit_name: str
    hours: Decimal
    method: str
    method_name: str
    signed_at: dt.datetime
    certificate_no: str
    created: bool = Field(True, description="为 false 时表示已签到过，返回的是已有记录（重复扫码不会新增）")


def _attendance(a: Attendance, created: bool = True) -> AttendanceOut:
    return AttendanceOut(
        id=a.pk,
        training=a.event_id,
        training_title=a.event.title,
        person=a.user_id,
        person_name=a.user.display_name,
        unit_name=a.user.unit.name if a.user.unit else "",
        hours=a.hours,
        method=a.method,
        method_name=a.get_method_display(),
        signed_at=a.signed_at,
        certificate_no=a.certificate_no,
        created=created,
    )


class HoursOut(Schema):
    person: int
    name: str
    unit_name: str
    is_class_teacher: bool
    year_hours: Decimal
    gap: Decimal
    five_year_hours: Decimal
    five_year_gap: Decimal


class HoursPage(Schema):
    unit: int
    unit_name: str
    year: int
    required_yearly: Decimal
    required_five_year: Decimal
    staff: int
    met: int
    met_rate: float | None
    class_teachers: int
    class_trained: int
    psych_certified: int
    items: list[HoursOut]
    count: int


class HoursFilter(Schema):
    unit: Id | None = Field(None, description="单位（默认为当前身份的单位）")
    year: int | None = Field(None, ge=2000, le=2100, description="年度（默认今年）")
    short: bool = Field(False, description="只列未达标的")


@router.get("/trainings/hours", response=HoursPage)
def training_hours(request: AuthedRequest, paging: Query[PageParams], filters: Query[HoursFilter]) -> HoursPage:
    """Each staff member's hours of the year under `unit`, the shortest first, with the unit's rates."""
    require(request, "training.read")
    if filters.unit is not None:
        unit = get_object_or_404(units_for(request.user), pk=filters.unit)
    else:
        assignment = acting_assignment(request.user)
        if assignment is None:
            raise Forbidden()
        unit = assignment.unit
    year = filters.year or timezone.localdate().year
    page = paginate(
        selectors.hours_gap(unit, year, short_only=filters.short), page=paging.page, page_size=paging.page_size
    )
    figures = selectors.rates([unit], year)[unit.pk]
    need = selectors.requirement()
    items = [
        HoursOut(
            person=h.person.pk,
            name=h.person.display_name,
            unit_name=h.person.unit.name if h.person.unit else "",
            is_class_teacher=h.person.staff_profile.is_class_teacher,
            year_hours=h.year_hours,
            gap=h.gap,
            five_year_hours=h.five_year_hours,
            five_year_gap=h.five_year_gap,
        )
        for h in selectors.as_hours(list(page.items))
    ]
    return HoursPage(
        unit=unit.pk,
        unit_name=unit.name,
        year=year,
        required_yearly=need.yearly,
        required_five_year=need.five_year,
        staff=figures.staff,
        met=figures.met,
        met_rate=figures.met_rate,
        class_teachers=figures.class_teachers,
        class_trained=figures.class_trained,
        psych_certified=figures.psych,
        items=items,
        count=page.count,
    )


class SignInIn(Schema):
    token: str = Field(
        ..., max_length=200, description="现场签到二维码中的签到码（链接 /training/sign/<签到码>/ 的末段）"
    )


@router.post("/trainings/attendance", response={200: AttendanceOut, 201: AttendanceOut})
def sign_in(request: AuthedRequest, payload: SignInIn) -> Status[AttendanceOut]:
    """Sign the caller in with a scanned code: 201 credited, 200 (`created: false`) already signed in; 400 outside
    the window (30 minutes before the start to the end) or for an expired code."""
    attendance, created = services.sign_in(person=request.user, token=payload.token)
    attendance = Attendance.objects.select_related("event", "user__unit").get(pk=attendance.pk)
    return Status(201 if created else 200, _attendance(attendance, created))


class TrainingFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    category: Category | None = None
    unit: Id | None = Field(None, description="主办单位在该单位之下")


@router.get("/trainings", response=Paged[TrainingOut])
def list_trainings(
    request: AuthedRequest, paging: Query[PageParams], filters: Query[TrainingFilter]
) -> dict[str, object]:
    """Trainings organised in the caller's subtree or by a unit above it, newest first."""
    require(request, "training.read")
    qs = selectors.events_for(request.user)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.unit is not None:
        qs = qs.filter(organiser__path__under=get_object_or_404(units_for(request.user), pk=filters.unit).path)
    page = paginate(qs.order_by("-starts_at", "-id"), page=paging.page, page_size=paging.page_size)
    return {"items": [_training(e) for e in page.items], "count": page.count}


class TrainingIn(Schema):
    title: str = Field(..., max_length=100)
    level: Level
    category: Category
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str = Field(..., max_length=100)
    hours: Decimal = Field(..., description="认定学时，不超过培训时长")
    audience: str = Field("", max_length=100)
    version: int | None = Field(None, description="修改时填写读取时的 version（已被他人修改则 409）")


def _event_in(payload: TrainingIn) -> services.EventIn:
    return services.EventIn(
        title=payload.title,
        level=payload.level,
        category=payload.category,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        venue=payload.venue,
        hours=payload.hours,
        audience=payload.audience,
    )


@router.post("/trainings", response={201: TrainingOut})
def create_training(request: AuthedRequest, payload: TrainingIn) -> Status[TrainingOut]:
    """Publish a training organised by the caller's unit (a repeated identical request returns the same one)."""
    require(request, "training.organise")
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise Forbidden()
    event = services.create_event(actor=request.user, organiser=assignment.unit, data=_event_in(payload))
    return Status(201, _training(event))


def _event(request: AuthedRequest, training_id: int) -> TrainingEvent:
    event = selectors.event_for(request.user, training_id)
    if event is None:
        raise Http404
    return event


@router.get("/trainings/{training_id}", response=TrainingOut)
def get_training(request: AuthedRequest, training_id: Id) -> TrainingOut:
    return _training(_event(request, training_id))


@router.put("/trainings/{training_id}", response=TrainingOut)
def update_training(request: AuthedRequest, training_id: Id, payload: TrainingIn) -> TrainingOut:
    require(request, "training.organise")
    event = _event(request, training_id)
    return _training(
        services.update_event(actor=request.user, event=event, data=_event_in(payload), version=payload.version)
    )


@router.get("/trainings/{training_id}/attendance", response=Paged[AttendanceOut])
def list_attendance(request: AuthedRequest, paging: Query[PageParams], training_id: Id) -> dict[str, object]:
    """Who attended (those in the caller's subtree; everyone for the organiser)."""
    require(request, "training.read")
    event = _event(request, training_id)
    qs = Attendance.objects.filter(event=event).select_related("event", "user__unit").order_by("user__unit__path", "id")
    if not selectors.may_organise(request.user, event):
        root = scope_root_path(request.user, "training.read")
        qs = qs.filter(user__unit__path__under=root) if root is not None else qs.none()
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_attendance(a) for a in page.items], "count": page.count}


class AttendIn(Schema):
    person: Id
    hours: Decimal | None = Field(None, description="学时，默认为认定学时；不能超过认定学时")


@router.post("/trainings/{training_id}/attendance", response={200: AttendanceOut, 201: AttendanceOut})
def record_attendance(request: AuthedRequest, training_id: Id, payload: AttendIn) -> Status[AttendanceOut]:
    """The organiser credits one person; 200 when the person was already credited."""
    require(request, "training.organise")
    event = _event(request, training_id)
    if not selectors.may_organise(request.user, event):
        raise Forbidden("只有主办单位的管理人员可以登记签到")
    person = get_object_or_404(User.objects.select_related("unit"), pk=payload.person)
    before = Attendance.objects.filter(event=event, user=person).exists()
    attendance = services.record_attendance(actor=request.user, event=event, person=person, hours=payload.hours)
    attendance = Attendance.objects.select_related("event", "user__unit").get(pk=attendance.pk)
    return Status(200 if before else 201, _attendance(attendance, not before))


class EnrolIn(Schema):
    unit: Id
    class_teachers_only: bool = False


class EnrolOut(Schema):
    added: int
    enrolled: int


@router.post("/trainings/{training_id}/enrolments", response=EnrolOut)
def enrol(request: AuthedRequest, training_id: Id, payload: EnrolIn) -> EnrolOut:
    """Enrol every active staff member of a unit inside the organiser's subtree (those enrolled are skipped)."""
    require(request, "training.organise")
    event = _event(request, training_id)
    unit = get_object_or_404(selectors.organiser_units(request.user), pk=payload.unit)
    added = services.enrol_unit(
        actor=request.user, event=event, unit=unit, class_teachers_only=payload.class_teachers_only
    )
    return EnrolOut(added=added, enrolled=event.enrolments.count())
