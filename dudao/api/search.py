"""全局搜索: `GET /api/v1/search?q=` answers every kind the acting role may read, grouped, with counts; `kind=`
pages one kind's whole list. Each kind is scoped as its own list is; case hits are written to the access log."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from dudao.accounts.models import User
from dudao.api.schemas import PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.search import selectors, services

router = Router(tags=["全局搜索"])


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class HitOut(Schema):
    id: int
    title: str
    detail: str
    url: str


class GroupOut(Schema):
    kind: str
    label: str
    count: int = Field(description=f"找到的条数；超过 {selectors.COUNT_CAP} 时为 {selectors.COUNT_CAP + 1}")
    capped: bool = Field(description=f"是否超过 {selectors.COUNT_CAP} 条（只数到这里）")
    note: str
    items: list[HitOut]


class SearchOut(Schema):
    q: str
    groups: list[GroupOut]


class KindPageOut(Schema):
    q: str
    kind: str
    label: str
    note: str
    items: list[HitOut]
    count: int


class SearchParams(PageParams):
    q: str = Field("", max_length=200, description="关键词：姓名、名称、标题、完整学籍号或拼音首字母（如 zs）")
    kind: str = Field(
        "",
        description="只查一类并分页：students 学生、units 学校/单位、notices 家长告知书、"
        "problems 整改问题、cases 个案",
    )
    per_kind: int = Field(5, ge=1, le=20, description="不带 kind 时每类返回的条数")


def _hit(hit: selectors.Hit) -> HitOut:
    return HitOut(id=hit.id, title=hit.title, detail=hit.detail, url=hit.url)


@router.get("/search", response={200: SearchOut | KindPageOut}, summary="全局搜索")
def search(request: AuthenticatedHttpRequest, params: Query[SearchParams]) -> SearchOut | KindPageOut:
    q = selectors.clean_query(params.q)
    if not q:
        raise DomainError("请输入要搜索的关键词", code="search_query_empty")
    if params.kind:
        kind = selectors.KIND_KEYS.get(params.kind)
        if kind is None:
            raise DomainError(
                "没有这类搜索结果：kind 可取 students、units、notices、problems、cases", code="search_kind_unknown"
            )
        if kind not in selectors.kinds_for(request.user):
            raise DomainError(f"您当前的身份不能查看{kind.label}", code="forbidden", status=403)
        page = paginate(selectors.queryset(request.user, kind, q), page=params.page, page_size=params.page_size)
        kind.prepare(page.items)
        if kind.key == "cases":
            services.log_case_hits(actor=request.user, cases=page.items)
        return KindPageOut(
            q=q,
            kind=kind.key,
            label=kind.label,
            note=kind.note(request.user, q),
            items=[_hit(kind.hit(row)) for row in page.items],
            count=page.count,
        )
    groups = selectors.search(request.user, q, per_kind=params.per_kind)
    for group in groups:
        if group.kind == "cases":
            services.log_case_hits(actor=request.user, cases=group.rows)
    return SearchOut(
        q=q,
        groups=[
            GroupOut(
                kind=g.kind,
                label=g.label,
                count=g.count,
                capped=g.capped,
                note=g.note,
                items=[_hit(h) for h in g.hits],
            )
            for g in groups
        ],
    )
