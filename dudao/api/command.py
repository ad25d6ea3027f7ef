"""监测指标: the indicator catalogue and an indicator's values for a unit and its children."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Id, Paged, PageParams
from dudao.command import selectors
from dudao.command.selectors import UnitValue
from dudao.core.errors import DomainError
from dudao.core.indicators import Indicator
from dudao.orgs.models import OrgUnit
from dudao.orgs.selectors import scope_root, units_for

router = Router(tags=["监测指标"])


class IndicatorOut(Schema):
    code: str
    name: str
    definition: str
    unit: str = Field(description="计量单位，如 %、项、所")
    direction: str = Field(description="higher：越高越好；lower：越低越好")
    direction_name: str
    module: str
    module_name: str
    basis: str = Field(description="range：统计区间内；now：当前状态；day：结束日期当天；term：结束日期所在学期")
    basis_name: str
    counts_only: bool = Field(description="保密数据，只提供计数，不提供名单")


def _indicator_out(indicator: Indicator) -> IndicatorOut:
    return IndicatorOut(
        code=indicator.code,
        name=indicator.name,
        definition=indicator.definition,
        unit=indicator.measure,
        direction=indicator.direction.value,
        direction_name=indicator.direction.label,
        module=indicator.module,
        module_name=str(apps.get_app_config(indicator.module).verbose_name),
        basis=indicator.basis.value,
        basis_name=indicator.basis.label,
        counts_only=indicator.counts_only,
    )


@router.get("/indicators", response=Paged[IndicatorOut])
def list_indicators(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """The monitoring indicators the acting role may read (sysadmin, security officer and auditor read none)."""
    readable = selectors.catalogue(request.user)
    if not readable:
        raise HttpError(403, "您当前的身份无权查看监测指标")
    first = (paging.page - 1) * paging.page_size
    shown = readable[first : first + paging.page_size]
    return {"items": [_indicator_out(i) for i in shown], "count": len(readable)}


class ValuesQuery(PageParams):
    unit: Id | None = Field(None, description="单位编号，默认为当前身份的单位")
    start: dt.date | None = Field(None, description="开始日期，默认为结束日期前 29 天")
    end: dt.date | None = Field(None, description="结束日期，默认为今天")


class ValueOut(Schema):
    unit: int
    unit_name: str
    unit_kind: str
    is_total: bool = Field(description="true：所查单位本身（含其全部下级）；false：其直接下级单位")
    value: float | None = Field(description="指标值；无可统计对象时为 null（不同于 0）")
    numerator: float | None
    denominator: float | None


def _value_out(row: UnitValue) -> ValueOut:
    return ValueOut(
        unit=row.unit.pk,
        unit_name=row.unit.name,
        unit_kind=row.unit.kind,
        is_total=row.is_total,
        value=row.value.value,
        numerator=row.value.numerator,
        denominator=row.value.denominator,
    )


def _unit(request: AuthedRequest, unit_id: int | None) -> OrgUnit:
    if unit_id is None:
        top = scope_root(request.user)
        if top is None:
            raise DomainError("当前身份没有所属单位", code="no_scope", status=403)
        return top
    unit: OrgUnit = get_object_or_404(units_for(request.user), pk=unit_id)
    return unit


@router.get("/indicators/{code}/values", response=Paged[ValueOut])
def indicator_values(request: AuthedRequest, code: str, query: Query[ValuesQuery]) -> dict[str, object]:
    """One value for the unit itself (its whole subtree) and one per child unit, computed in bulk."""
    indicator = selectors.indicator_for(request.user, code)
    start, end = selectors.period(query.start, query.end)
    unit = _unit(request, query.unit)
    page = selectors.breakdown(request.user, indicator, unit, start, end, page=query.page, page_size=query.page_size)
    return {"items": [_value_out(row) for row in page.items], "count": page.count}
