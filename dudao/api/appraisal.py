"""考评 API: schemes (define, announce, compute, freeze, publish), results with ranking, objections, 目标管理责任书."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.appraisal import selectors, services
from dudao.appraisal.models import (
    AppraisalScheme,
    Band,
    Objection,
    Result,
    TargetBook,
)
from dudao.appraisal.rules import describe_scheme, scheme_problems, weight_total
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.scoping import acting_assignment

router = Router(tags=["考评"])


class ItemOut(Schema):
    id: int
    position: int
    name: str
    kind: str
    kind_name: str
    weight: float
    indicator_code: str
    rule: str = Field(description="linear：线性计分；banded：分档计分；其他项目为空")
    floor: float | None
    target: float | None
    bands: list[list[float]] = Field(description="[[阈值, 得分比例%], …]，最优档在前")
    comparison: str = Field(description="一票否决条件：gt/ge/lt/le/eq")
    threshold: float | None
    source_code: str
    criteria: str
    assessors: list[int]
    rule_text: str = Field(description="向被考评单位公布的计分规则（中文）")


class SchemeOut(Schema):
    id: int
    unit: int
    unit_name: str
    name: str
    edition: int
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    unit_kind: str
    school_types: list[str]
    status: str
    status_name: str
    green_from: float
    yellow_from: float
    veto_cap: float
    objection_days: int
    objection_until: dt.date | None
    publish_ranking: bool
    previous: int | None
    supersedes: int | None
    computed_at: dt.datetime | None
    version: int


class SchemeDetailOut(SchemeOut):
    items: list[ItemOut]
    weight_total: float
    problems: list[str] = Field(description="阻止公布或计算的问题（仅考评单位可见）")


def _scheme_out(s: AppraisalScheme) -> SchemeOut:
    return SchemeOut(
        id=s.pk,
        unit=s.unit_id,
        unit_name=s.unit.name,
        name=s.name,
        edition=s.edition,
        period_kind=s.period_kind,
        period_start=s.period_start,
        period_end=s.period_end,
        unit_kind=s.unit_kind,
        school_types=list(s.school_types),
        status=s.status,
        status_name=s.get_status_display(),
        green_from=float(s.green_from),
        yellow_from=float(s.yellow_from),
        veto_cap=float(s.veto_cap),
        objection_days=s.objection_days,
        objection_until=s.objection_until,
        publish_ranking=s.publish_ranking,
        previous=s.previous_id,
        supersedes=s.supersedes_id,
        computed_at=s.computed_at,
        version=s.version,
    )


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _detail(request: AuthedRequest, scheme_id: int) -> SchemeDetailOut:
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    items = list(scheme.items.prefetch_related("assessors"))
    return SchemeDetailOut(
        **_scheme_out(scheme).dict(),
        items=[
            ItemOut(
                id=i.pk,
                position=i.position,
                name=i.name,
                kind=i.kind,
                kind_name=i.get_kind_display(),
                weight=float(i.weight),
                indicator_code=i.indicator_code,
                rule=i.rule,
                floor=_num(i.floor),
                target=_num(i.target),
                bands=i.bands,
                comparison=i.comparison,
                threshold=_num(i.threshold),
                source_code=i.source_code,
                criteria=i.criteria,
                assessors=[a.pk for a in i.assessors.all()],
                rule_text=text,
            )
            for i, text in describe_scheme(scheme, items)
        ],
        weight_total=float(weight_total(items)),
        problems=scheme_problems(scheme, items) if selectors.is_organiser(request.user, scheme) else [],
    )


class SchemeQuery(PageParams):
    status: str | None = Field(None, description="draft / announced / frozen / published")
    unit_kind: str | None = Field(None, description="district / school")


@router.get("/appraisal/schemes", response=Paged[SchemeOut])
def list_schemes(request: AuthedRequest, query: Query[SchemeQuery]) -> dict[str, object]:
    """Schemes run inside the acting unit's subtree, and announced schemes above it that appraise units of its kind."""
    require(request, "appraisal.read")
    qs = selectors.schemes_for(request.user).order_by("-period_start", "-id")
    if query.status:
        qs = qs.filter(status=query.status)
    if query.unit_kind:
        qs = qs.filter(unit_kind=query.unit_kind)
    page = paginate(qs, page=query.page, page_size=query.page_size)
    return {"items": [_scheme_out(s) for s in page.items], "count": page.count}


class SchemeIn(Schema):
    unit: Id | None = Field(None, description="考评单位，默认为当前身份的单位")
    name: str
    period_kind: str = "year"
    period_start: dt.date
    period_end: dt.date
    unit_kind: str
    school_types: list[str] = []
    green_from: float = 90
    yellow_from: float = 75
    veto_cap: float = 59
    objection_days: int = 5
    publish_ranking: bool = True
    previous: Id | None = None


@router.post("/appraisal/schemes", response={201: SchemeDetailOut})
def create_scheme(request: AuthedRequest, payload: SchemeIn) -> Status[SchemeDetailOut]:
    require(request, "appraisal.change")
    acting = acting_assignment(request.user)
    assert acting is not None  # require() passed
    unit = acting.unit
    if payload.unit is not None:
        unit = get_object_or_404(selectors.units_of(request.user), pk=payload.unit)
    previous = get_object_or_404(selectors.schemes_for(request.user), pk=payload.previous) if payload.previous else None
    scheme = services.create_scheme(
        actor=request.user,
        unit=unit,
        data=services.SchemeIn(
            **payload.dict(exclude={"unit", "previous"}),
            previous=previous,
        ),
    )
    return Status(201, _detail(request, scheme.pk))


@router.get("/appraisal/schemes/{scheme_id}", response=SchemeDetailOut)
def get_scheme(request: AuthedRequest, scheme_id: Id) -> SchemeDetailOut:
    """The scheme with its items and their rules in plain Chinese."""
    require(request, "appraisal.read")
    return _detail(request, scheme_id)


class ItemIn(Schema):
    version: int = Field(description="方案的 version（乐观锁）")
    name: str
    kind: str = Field(description="live / manual / deduction / targets / veto")
    weight: float = 0
    indicator_code: str = ""
    rule: str = ""
    floor: float | None = None
    target: float | None = None
    bands: list[list[float]] = []
    comparison: str = ""
    threshold: float | None = None
    source_code: str = ""
    criteria: str = ""
    assessors: list[Id] = []


@router.post("/appraisal/schemes/{scheme_id}/items", response={201: SchemeDetailOut})
def add_item(request: AuthedRequest, scheme_id: Id, payload: ItemIn) -> Status[SchemeDetailOut]:
    require(request, "appraisal.change")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    people = list(selectors.assessors_under(scheme).filter(pk__in=payload.assessors))
    if len(people) != len(set(payload.assessors)):
        raise DomainError("评分人应为考评单位的在职人员", code="assessor_invalid")
    services.add_item(
        actor=request.user,
        scheme=scheme,
        data=services.ItemIn(**payload.dict(exclude={"version", "assessors"}), assessors=people),
        version=payload.version,
    )
    return Status(201, _detail(request, scheme.pk))


class VersionIn(Schema):
    version: int


class CopyIn(Schema):
    next_period: bool = Field(False, description="true：创建下一期方案；false：复制为同一考评期的新版本")


@router.post("/appraisal/schemes/{scheme_id}/announce", response=SchemeDetailOut)
def announce(request: AuthedRequest, scheme_id: Id, payload: VersionIn) -> SchemeDetailOut:
    """公布规则: refused (400) while the weights do not sum to 100 or an item refers to a missing indicator."""
    require(request, "appraisal.change")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    services.announce(actor=request.user, scheme=scheme, version=payload.version)
    return _detail(request, scheme.pk)


class ComputeOut(Schema):
    units: int
    computed_at: dt.datetime | None


@router.post("/appraisal/schemes/{scheme_id}/compute", response=ComputeOut)
def compute(request: AuthedRequest, scheme_id: Id) -> ComputeOut:
    """Compute every appraised unit's result now (also done nightly); 409 once the results are frozen."""
    require(request, "appraisal.change")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    units = services.compute(actor=request.user, scheme=scheme)
    scheme.refresh_from_db()
    return ComputeOut(units=units, computed_at=scheme.computed_at)


@router.post("/appraisal/schemes/{scheme_id}/freeze", response=SchemeDetailOut)
def freeze(request: AuthedRequest, scheme_id: Id, payload: VersionIn) -> SchemeDetailOut:
    require(request, "appraisal.change")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    services.freeze(actor=request.user, scheme=scheme, version=payload.version)
    return _detail(request, scheme.pk)


@router.post("/appraisal/schemes/{scheme_id}/publish", response=SchemeDetailOut)
def publish(request: AuthedRequest, scheme_id: Id, payload: VersionIn) -> SchemeDetailOut:
    require(request, "appraisal.change")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    services.publish(actor=request.user, scheme=scheme, version=payload.version)
    return _detail(request, scheme.pk)


@router.post("/appraisal/schemes/{scheme_id}/copy", response={201: SchemeDetailOut})
def copy(request: AuthedRequest, scheme_id: Id, payload: CopyIn) -> Status[SchemeDetailOut]:
    require(request, "appraisal.change")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id)
    new = services.copy_scheme(actor=request.user, scheme=scheme, next_period=payload.next_period)
    return Status(201, _detail(request, new.pk))


class ItemScoreOut(Schema):
    item: int
    item_name: str
    score: float
    max: float
    value: float | None = Field(None, description="监测指标的值")
    note: str = Field(description="得分说明")
    hint: str = Field(description="提分建议")
    vetoed: bool = False


class ResultOut(Schema):
    id: int
    scheme: int
    unit: int
    unit_name: str
    total: float
    rank: int | None = Field(description="名次；成绩发布前对被考评单位为 null")
    rank_change: int | None = Field(description="比上一期上升的位次（负数为下降）")
    band: str = Field(description="green / yellow / red")
    band_name: str
    vetoed: bool
    veto_reason: str
    items: list[ItemScoreOut]
    computed_at: dt.datetime
    version: int


class ResultsQuery(PageParams):
    period: str | None = Field(
        None,
        description="考评期：2026、2026-03 或 2026-03-15。指定时返回本方案或其历次上一期方案中覆盖该日期的一期",
    )
    unit: Id | None = Field(None, description="只看该单位")


def _period_start(text: str) -> dt.date:
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return dt.date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        raise DomainError(
            f"考评期“{text[:20]}”格式不对，应为 2026、2026-03 或 2026-03-15", code="invalid_period"
        ) from None


def _in_series(request: AuthedRequest, scheme: AppraisalScheme, period: str | None) -> AppraisalScheme:
    if not period:
        return scheme
    day = _period_start(period)
    current: AppraisalScheme | None = scheme
    for _ in range(100):
        if current is None:
            break
        if current.period_start <= day <= current.period_end:
            found: AppraisalScheme = get_object_or_404(selectors.schemes_for(request.user), pk=current.pk)
            return found
        current = current.previous
    raise DomainError(f"该方案及其历次上一期方案都不包含 {period[:20]} 这一期", code="not_found", status=404)


def _result_out(r: Result, shows_rank: bool, names: dict[str, str]) -> ResultOut:
    return ResultOut(
        id=r.pk,
        scheme=r.scheme_id,
        unit=r.unit_id,
        unit_name=r.unit.name,
        total=float(r.total),
        rank=r.rank if shows_rank else None,
        rank_change=r.rank_change if shows_rank else None,
        band=r.band,
        band_name=Band(r.band).label,
        vetoed=r.vetoed,
        veto_reason=r.veto_reason,
        items=[
            ItemScoreOut(
                item=int(key),
                item_name=names.get(key, ""),
                score=e.get("score", 0),
                max=e.get("max", 0),
                value=e.get("value"),
                note=e.get("note", ""),
                hint=e.get("hint", ""),
                vetoed=bool(e.get("vetoed")),
            )
            for key, e in r.items.items()
        ],
        computed_at=r.computed_at,
        version=r.version,
    )


@router.get("/appraisal/schemes/{scheme_id}/results", response=Paged[ResultOut])
def results(request: AuthedRequest, scheme_id: Id, query: Query[ResultsQuery]) -> dict[str, object]:
    """The ranking the viewer may see: the bureau running the scheme sees all; an appraised unit sees its own
    result (and those below it), provisional and without rank until published, and the whole ranking once
    published where the bureau publishes it."""
    require(request, "appraisal.read")
    scheme = _in_series(request, get_object_or_404(selectors.schemes_for(request.user), pk=scheme_id), query.period)
    qs = selectors.results_for(request.user, scheme)
    if query.unit is not None:
        qs = qs.filter(unit_id=query.unit)
    names = {str(i.pk): i.name for i in scheme.items.all()}
    page = paginate(qs, page=query.page, page_size=query.page_size)
    shows_rank = selectors.shows_rank(request.user, scheme)
    return {"items": [_result_out(r, shows_rank, names) for r in page.items], "count": page.count}


class ObjectionOut(Schema):
    id: int
    scheme: int
    scheme_name: str
    result: int
    unit: int
    unit_name: str
    item: int
    item_name: str
    reason: str
    status: str
    status_name: str
    score_before: float | None
    corrected_score: float | None
    decision_note: str
    filed_at: dt.datetime
    decided_at: dt.datetime | None
    evidence: list[int]
    version: int
    result_version: int


def _objection_out(o: Objection) -> ObjectionOut:
    return ObjectionOut(
        id=o.pk,
        scheme=o.result.scheme_id,
        scheme_name=str(o.result.scheme),
        result=o.result_id,
        unit=o.result.unit_id,
        unit_name=o.result.unit.name,
        item=o.item_id,
        item_name=o.item.name,
        reason=o.reason,
        status=o.status,
        status_name=o.get_status_display(),
        score_before=_num(o.score_before),
        corrected_score=_num(o.corrected_score),
        decision_note=o.decision_note,
        filed_at=o.filed_at,
        decided_at=o.decided_at,
        evidence=[f.pk for f in o.evidence.all()],
        version=o.version,
        result_version=o.result.version,
    )


class ObjectionQuery(PageParams):
    status: str | None = Field(None, description="pending / accepted / rejected")
    scheme: Id | None = None


@router.get("/appraisal/objections", response=Paged[ObjectionOut])
def list_objections(request: AuthedRequest, query: Query[ObjectionQuery]) -> dict[str, object]:
    """Objections of units in the acting unit's subtree, and those to schemes the subtree runs."""
    require(request, "appraisal.read")
    qs = selectors.objections_for(request.user).prefetch_related("evidence")
    if query.status:
        qs = qs.filter(status=query.status)
    if query.scheme:
        qs = qs.filter(result__scheme_id=query.scheme)
    page = paginate(qs, page=query.page, page_size=query.page_size)
    return {"items": [_objection_out(o) for o in page.items], "count": page.count}


class ObjectionIn(Schema):
    scheme: Id
    unit: Id
    item: Id
    reason: str


@router.post("/appraisal/objections", response={201: ObjectionOut})
def file_objection(request: AuthedRequest, payload: ObjectionIn) -> Status[ObjectionOut]:
    """File an objection (evidence files are attached on the result page); a repeat answers the pending one."""
    require(request, "appraisal.object")
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=payload.scheme)
    result = selectors.result_visible(request.user, scheme, payload.unit)
    if result is None:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    item = get_object_or_404(scheme.items, pk=payload.item)
    objection = services.file_objection(actor=request.user, result=result, item=item, reason=payload.reason)
    return Status(201, _objection_out(get_object_or_404(selectors.objections_for(request.user), pk=objection.pk)))


class DecisionIn(Schema):
    accept: bool
    note: str = ""
    corrected_score: float | None = None
    version: int = Field(description="申诉的 version")
    result_version: int = Field(description="处理时所依据的成绩 version；其间重新计算过则返回 409")


@router.post("/appraisal/objections/{objection_id}/decide", response=ObjectionOut)
def decide_objection(request: AuthedRequest, objection_id: Id, payload: DecisionIn) -> ObjectionOut:
    require(request, "appraisal.assess")
    objection = get_object_or_404(selectors.objections_for(request.user), pk=objection_id)
    services.decide_objection(
        actor=request.user,
        objection=objection,
        accept=payload.accept,
        note=payload.note,
        corrected_score=payload.corrected_score,
        version=payload.version,
        result_version=payload.result_version,
    )
    return _objection_out(get_object_or_404(selectors.objections_for(request.user), pk=objection_id))


class TargetOut(Schema):
    id: int
    position: int
    text: str
    indicator_code: str
    comparison: str
    value: float | None
    current: float | None = Field(description="监测指标本年度至今的值；人工核查的目标为 null")
    is_met: bool | None = Field(description="是否达成：有监测指标的实时核查，其余为人工核查结果")
    check_note: str


class BookOut(Schema):
    id: int
    unit: int
    unit_name: str
    issuer: int
    issuer_name: str
    year: int
    title: str
    status: str
    status_name: str
    signed_at: dt.datetime | None
    targets: list[TargetOut]
    version: int


def _book_out(b: TargetBook, lines: list[selectors.TargetProgress]) -> BookOut:
    return BookOut(
        id=b.pk,
        unit=b.unit_id,
        unit_name=b.unit.name,
        issuer=b.issuer_id,
        issuer_name=b.issuer.name,
        year=b.year,
        title=b.title,
        status=b.status,
        status_name=b.get_status_display(),
        signed_at=b.signed_at,
        targets=[
            TargetOut(
                id=line.target.pk,
                position=line.target.position,
                text=line.target.text,
                indicator_code=line.target.indicator_code,
                comparison=line.target.comparison,
                value=_num(line.target.value),
                current=line.value.value if line.value is not None else None,
                is_met=line.met,
                check_note=line.target.check_note,
            )
            for line in lines
        ],
        version=b.version,
    )


class BookQuery(PageParams):
    year: int | None = None
    unit: Id | None = Field(None, description="只看该单位及其下级")


@router.get("/targets", response=Paged[BookOut])
def list_books(request: AuthedRequest, query: Query[BookQuery]) -> dict[str, Any]:
    """目标管理责任书 in scope, each target with its live progress where an indicator exists."""
    require(request, "target.read")
    qs = selectors.books_for(request.user).order_by("-year", "unit__path")
    if query.year:
        qs = qs.filter(year=query.year)
    if query.unit is not None:
        qs = qs.filter(unit__path__under=get_object_or_404(selectors.units_of(request.user), pk=query.unit).path)
    page = paginate(qs, page=query.page, page_size=query.page_size)
    lines = selectors.progress_many(request.user, page.items)
    return {"items": [_book_out(b, lines[b.pk]) for b in page.items], "count": page.count}


@router.post("/targets/{book_id}/sign", response=BookOut)
def sign_book(request: AuthedRequest, book_id: Id, payload: VersionIn) -> BookOut:
    require(request, "target.sign")
    book = get_object_or_404(selectors.books_for(request.user), pk=book_id)
    services.sign_book(actor=request.user, book=book, version=payload.version)
    book = get_object_or_404(selectors.books_for(request.user), pk=book_id)
    return _book_out(book, selectors.progress(request.user, book))
