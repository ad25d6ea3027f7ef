"""党风廉政 API (`/integrity/*`): 一岗双责 lists, talks (summary only in the detail answer), festival spot checks with
targets and findings, and the 三重一大 register. Roles without `integrity.read` get 404 on every endpoint (the
records' existence is confidential), like objects outside the scope; each detail answer is access-logged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import Field

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.integrity import selectors, services
from dudao.integrity.models import (
    DutyList,
    Festival,
    MajorMatter,
    MatterCategory,
    SpotCheck,
    SpotFinding,
    SpotTarget,
    Talk,
    TalkKind,
    Vote,
)
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit

router = Router(tags=["党风廉政"])


def _read(request: AuthedRequest) -> None:
    if not can(request.user, "integrity.read"):
        raise HttpError(404, "对象不存在或不在您的管理范围内")


def _change(request: AuthedRequest) -> None:
    _read(request)
    if not can(request.user, "integrity.change"):
        raise HttpError(403, "您当前的身份无权修改党风廉政记录")


class PersonOut(Schema):
    id: int
    username: str
    name: str
    title: str


def _person(u: User) -> PersonOut:
    return PersonOut(id=u.pk, username=u.username, name=u.display_name, title=u.title)


# ----- 一岗双责 ---------------------------------------------------------------------------------------


class DutyOut(Schema):
    id: int
    unit: int
    unit_name: str
    leader: PersonOut
    year: int
    post: str
    business_duties: str
    integrity_duties: str
    acknowledged_at: dt.datetime | None
    version: int


def _duty(d: DutyList) -> DutyOut:
    return DutyOut(
        id=d.pk,
        unit=d.unit_id,
        unit_name=d.unit.name,
        leader=_person(d.leader),
        year=d.year,
        post=d.post,
        business_duties=d.business_duties,
        integrity_duties=d.integrity_duties,
        acknowledged_at=d.acknowledged_at,
        version=d.version,
    )


@router.get("/integrity/duties", response=Paged[DutyOut])
def list_duties(
    request: AuthedRequest, paging: Query[PageParams], year: int | None = None, pending: bool = False
) -> dict[str, object]:
    """一岗双责 lists in scope; `year`, `pending=true` (not yet acknowledged) narrow the list."""
    _read(request)
    qs = selectors.duty_lists_for(request.user).order_by("-year", "unit__path", "id")
    if year is not None:
        qs = qs.filter(year=year)
    if pending:
        qs = qs.filter(acknowledged_at__isnull=True)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_duty(d) for d in page.items], "count": page.count}


@router.get("/integrity/duties/mine", response=list[DutyOut])
def my_duties(request: AuthedRequest) -> list[DutyOut]:
    """The caller's own lists, for any role (a principal reads and acknowledges their own)."""
    return [_duty(d) for d in selectors.own_duty_lists(request.user).order_by("-year", "id")]


def _duty_for(request: AuthedRequest, duty_id: int) -> DutyList:
    if can(request.user, "integrity.read"):
        found = selectors.duty_lists_for(request.user).filter(pk=duty_id).first()
        if found is not None:
            return found
    return get_object_or_404(selectors.own_duty_lists(request.user), pk=duty_id)


@router.get("/integrity/duties/{duty_id}", response=DutyOut)
def get_duty(request: AuthedRequest, duty_id: Id) -> DutyOut:
    duty = _duty_for(request, duty_id)
    selectors.log_view(request.user, duty, what="一岗双责清单")
    return _duty(duty)


class DutyIn(Schema):
    leader: str = Field(description="领导干部的账号")
    year: int
    post: str
    business_duties: str
    integrity_duties: str


@router.post("/integrity/duties", response={200: DutyOut, 201: DutyOut})
def create_duty(request: AuthedRequest, payload: DutyIn) -> Status[DutyOut]:
    """A leader's list for the year (at the leader's unit). The same list posted twice answers 200 with the first."""
    _change(request)
    leader = selectors.person(request.user, payload.leader, label="领导干部")
    duty, created = services.create_duty_list(
        actor=request.user,
        leader=leader,
        data=services.DutyIn(
            year=payload.year,
            post=payload.post,
            business_duties=payload.business_duties,
            integrity_duties=payload.integrity_duties,
        ),
    )
    return Status(201 if created else 200, _duty(duty))


class VersionIn(Schema):
    version: int | None = None


@router.post("/integrity/duties/{duty_id}/acknowledge", response=DutyOut)
def acknowledge_duty(request: AuthedRequest, duty_id: Id, payload: VersionIn) -> DutyOut:
    """签收: the leader named on the list only (others: 404)."""
    duty = get_object_or_404(selectors.own_duty_lists(request.user), pk=duty_id)
    return _duty(services.acknowledge_duty_list(actor=request.user, duty=duty, version=payload.version))


# ----- talks ------------------------------------------------------------------------------------------


class TalkOut(Schema):
    id: int
    unit: int
    unit_name: str
    kind: str
    kind_name: str
    talker: PersonOut
    subject: PersonOut
    held_on: dt.date
    place: str
    summary: str | None = Field(None, description="谈话要点：仅在单条查询中返回（每次查询记入访问日志）")
    version: int


def _talk(t: Talk, *, summary: bool = False) -> TalkOut:
    return TalkOut(
        id=t.pk,
        unit=t.unit_id,
        unit_name=t.unit.name,
        kind=t.kind,
        kind_name=t.get_kind_display(),
        talker=_person(t.talker),
        subject=_person(t.subject),
        held_on=t.held_on,
        place=t.place,
        summary=t.summary if summary else None,
        version=t.version,
    )


@router.get("/integrity/talks", response=Paged[TalkOut])
def list_talks(request: AuthedRequest, paging: Query[PageParams], kind: TalkKind | None = None) -> dict[str, object]:
    _read(request)
    qs = selectors.talks_for(request.user)
    if kind is not None:
        qs = qs.filter(kind=kind)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_talk(t) for t in page.items], "count": page.count}


@router.get("/integrity/talks/{talk_id}", response=TalkOut)
def get_talk(request: AuthedRequest, talk_id: Id) -> TalkOut:
    _read(request)
    talk = get_object_or_404(selectors.talks_for(request.user), pk=talk_id)
    selectors.log_view(request.user, talk, what="谈话记录")
    return _talk(talk, summary=True)


class TalkIn(Schema):
    kind: TalkKind
    talker: str = Field(description="谈话人账号")
    subject: str = Field(description="谈话对象账号")
    held_on: dt.date
    place: str = ""
    summary: str


@router.post("/integrity/talks", response={200: TalkOut, 201: TalkOut})
def create_talk(request: AuthedRequest, payload: TalkIn) -> Status[TalkOut]:
    """Record a talk (filed at the subject's unit). The same talk posted twice answers 200 with the first."""
    _change(request)
    talk, created = services.record_talk(
        actor=request.user,
        data=services.TalkIn(
            kind=payload.kind,
            talker=selectors.person(request.user, payload.talker, label="谈话人"),
            subject=selectors.person(request.user, payload.subject, label="谈话对象"),
            held_on=payload.held_on,
            place=payload.place,
            summary=payload.summary,
        ),
    )
    return Status(201 if created else 200, _talk(talk, summary=True))


# ----- festival spot checks ----------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    kind: str = Field(description="unit = 单位，person = 人员")
    unit: int | None
    person: PersonOut | None
    label: str


class FindingOut(Schema):
    id: int
    target: int
    found_on: dt.date
    text: str
    is_problem: bool
    photo_url: str


class CheckOut(Schema):
    id: int
    unit: int
    unit_name: str
    name: str
    festival: str
    festival_name: str
    starts_on: dt.date
    ends_on: dt.date
    focus: str
    closed: bool
    version: int
    targets: list[TargetOut] = []
    findings: list[FindingOut] = []


def _target(t: SpotTarget) -> TargetOut:
    return TargetOut(
        id=t.pk,
        kind="person" if t.is_person else "unit",
        unit=t.target_unit_id,
        person=_person(t.target_user) if t.target_user is not None else None,
        label=t.label,
    )


def _finding(f: SpotFinding) -> FindingOut:
    return FindingOut(
        id=f.pk,
        target=f.target_id,
        found_on=f.found_on,
        text=f.text,
        is_problem=f.is_problem,
        photo_url=reverse("integrity:finding_photo", args=[f.pk]) if f.photo_id else "",
    )


def _check(c: SpotCheck, *, full: bool = False) -> CheckOut:
    out = CheckOut(
        id=c.pk,
        unit=c.unit_id,
        unit_name=c.unit.name,
        name=c.name,
        festival=c.festival,
        festival_name=c.get_festival_display(),
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        focus=c.focus,
        closed=c.closed_at is not None,
        version=c.version,
    )
    if full:
        out.targets = [_target(t) for t in c.targets.select_related("target_unit", "target_user")]
        out.findings = [_finding(f) for f in c.findings.order_by("found_on", "id")]
    return out


@router.get("/integrity/checks", response=Paged[CheckOut])
def list_checks(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    _read(request)
    page = paginate(selectors.checks_for(request.user), page=paging.page, page_size=paging.page_size)
    return {"items": [_check(c) for c in page.items], "count": page.count}


def _check_for(request: AuthedRequest, check_id: int) -> SpotCheck:
    _read(request)
    return get_object_or_404(selectors.checks_for(request.user), pk=check_id)


@router.get("/integrity/checks/{check_id}", response=CheckOut)
def get_check(request: AuthedRequest, check_id: Id) -> CheckOut:
    check = _check_for(request, check_id)
    selectors.log_view(request.user, check, what="节日监督检查")
    return _check(check, full=True)


class CheckIn(Schema):
    name: str
    festival: Festival
    starts_on: dt.date
    ends_on: dt.date
    focus: str = ""


@router.post("/integrity/checks", response={200: CheckOut, 201: CheckOut})
def create_check(request: AuthedRequest, payload: CheckIn) -> Status[CheckOut]:
    """A spot check organised by the acting unit; the same check posted twice answers 200 with the first."""
    _change(request)
    check, created = services.create_check(
        actor=request.user,
        unit=acting_unit(request),
        data=services.CheckIn(
            name=payload.name,
            festival=payload.festival,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            focus=payload.focus,
        ),
    )
    return Status(201 if created else 200, _check(check, full=True))


class TargetsIn(Schema):
    units: list[Id] = Field([], description="被检查单位（科室、区县教育局、学校）的编号")
    people: list[str] = Field([], description="被检查人员的账号")


@router.post("/integrity/checks/{check_id}/targets", response=CheckOut)
def add_targets(request: AuthedRequest, check_id: Id, payload: TargetsIn) -> CheckOut:
    """Add targets; ones already on the check are skipped."""
    check = _check_for(request, check_id)
    _change(request)
    units = list(selectors.target_units(request.user).filter(pk__in=payload.units))
    if len(units) != len(set(payload.units)):
        raise HttpError(404, "所选单位不存在或不在您的管理范围内")
    people = [selectors.person(request.user, p, label="被检查人员") for p in payload.people]
    services.add_targets(actor=request.user, check=check, units=units, people=people)
    return _check(check, full=True)


class FindingIn(Schema):
    target: Id
    found_on: dt.date
    text: str
    is_problem: bool = True


@router.post("/integrity/checks/{check_id}/findings", response={200: FindingOut, 201: FindingOut})
def add_finding(
    request: AuthedRequest, check_id: Id, payload: Form[FindingIn], photo: File[UploadedFile | None] = None
) -> Status[FindingOut]:
    """A finding at one target (multipart form; `photo` optional, checked by content). A double submit answers
    200 with the first."""
    check = _check_for(request, check_id)
    _change(request)
    target = get_object_or_404(check.targets.all(), pk=payload.target)
    finding, created = services.add_finding(
        actor=request.user,
        target=target,
        data=services.FindingIn(found_on=payload.found_on, text=payload.text, is_problem=payload.is_problem),
        photo=photo,
    )
    return Status(201 if created else 200, _finding(finding))


# ----- 三重一大 -----------------------------------------------------------------------------------------


class DocumentOut(Schema):
    id: int
    name: str
    url: str


class MatterOut(Schema):
    id: int
    unit: int
    unit_name: str
    category: str
    category_name: str
    title: str
    decided_on: dt.date
    meeting: str
    participants: str
    vote: str
    vote_name: str
    vote_detail: str
    amount: Decimal | None
    note: str
    version: int
    documents: list[DocumentOut] = []


def _matter(m: MajorMatter, *, full: bool = False) -> MatterOut:
    out = MatterOut(
        id=m.pk,
        unit=m.unit_id,
        unit_name=m.unit.name,
        category=m.category,
        category_name=m.get_category_display(),
        title=m.title,
        decided_on=m.decided_on,
        meeting=m.meeting,
        participants=m.participants,
        vote=m.vote,
        vote_name=m.get_vote_display(),
        vote_detail=m.vote_detail,
        amount=m.amount,
        note=m.note,
        version=m.version,
    )
    if full:
        out.documents = [
            DocumentOut(id=d.pk, name=d.file.name, url=reverse("integrity:matter_document", args=[m.pk, d.pk]))
            for d in m.documents.select_related("file")
        ]
    return out


@router.get("/integrity/matters", response=Paged[MatterOut])
def list_matters(
    request: AuthedRequest, paging: Query[PageParams], category: MatterCategory | None = None
) -> dict[str, object]:
    _read(request)
    qs = selectors.matters_for(request.user)
    if category is not None:
        qs = qs.filter(category=category)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_matter(m) for m in page.items], "count": page.count}


@router.get("/integrity/matters/{matter_id}", response=MatterOut)
def get_matter(request: AuthedRequest, matter_id: Id) -> MatterOut:
    _read(request)
    matter = get_object_or_404(selectors.matters_for(request.user), pk=matter_id)
    selectors.log_view(request.user, matter, what="三重一大事项")
    return _matter(matter, full=True)


class MatterIn(Schema):
    category: MatterCategory
    title: str
    decided_on: dt.date
    meeting: str
    participants: str
    vote: Vote
    vote_detail: str = ""
    amount: Decimal | None = Field(None, description="金额（万元），大额资金使用必填")
    note: str = ""


@router.post("/integrity/matters", response={200: MatterOut, 201: MatterOut})
def create_matter(request: AuthedRequest, payload: Form[MatterIn]) -> Status[MatterOut]:
    """Register a matter at the acting unit (multipart form; attach files as repeated `documents` parts, each
    checked by content: one refused file refuses the entry). The same title on the same day answers 200 with the
    first."""
    _change(request)
    matter, created = services.create_matter(
        actor=request.user,
        unit=acting_unit(request),
        data=services.MatterIn(
            category=payload.category,
            title=payload.title,
            decided_on=payload.decided_on,
            meeting=payload.meeting,
            participants=payload.participants,
            vote=payload.vote,
            vote_detail=payload.vote_detail,
            amount=payload.amount,
            note=payload.note,
        ),
        documents=request.FILES.getlist("documents"),
    )
    return Status(201 if created else 200, _matter(matter, full=True))
