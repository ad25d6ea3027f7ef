"""领导驾驶舱: per child unit of a unit, the lateness figures and the rank (`dudao.command.lateness`)."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Id, Paged, PageParams
from dudao.cockpit.selectors import cockpit_unit
from dudao.command import lateness, selectors

router = Router(tags=["领导驾驶舱"])


class CockpitQuery(PageParams):
    unit: Id | None = Field(None, description="单位编号，默认为当前身份的单位；列出其直接下级单位（科室除外）")
    start: dt.date | None = Field(None, description="开始日期，默认为结束日期前 29 天")
    end: dt.date | None = Field(None, description="结束日期，默认为今天")


class FigureOut(Schema):
    code: str
    name: str
    unit: str = Field(description="计量单位，如 %、项")
    direction: str = Field(description="higher：越高越好；lower：越低越好")
    value: float | None = Field(description="指标值；无可统计对象时为 null")
    numerator: float | None
    denominator: float | None
    compared: float | None = Field(description="与同级单位比较用的值：数量类指标为每所学校平均，其余同 value")
    behind: float | None = Field(description="在同级单位中的落后程度：0 为最好，1 为最差；null 为不参与比较")
    level: str = Field(description="red：明显落后；yellow：偏后；green：正常；空：无数据")


class UnitLatenessOut(Schema):
    unit: int
    unit_name: str
    unit_kind: str
    schools: int = Field(description="其下开办中的学校数（学校为 1）")
    rank: int | None = Field(description="落后排名：1 为最落后；无任何数据时为 null")
    score: float | None = Field(description="落后指数 0～100：各指标落后程度的平均值 × 100")
    level: str
    red: int = Field(description="落后项：明显落后（红色）的指标个数")
    figures: list[FigureOut]


def _out(row: lateness.UnitLateness) -> UnitLatenessOut:
    return UnitLatenessOut(
        unit=row.unit.pk,
        unit_name=row.unit.name,
        unit_kind=row.unit.kind,
        schools=row.schools,
        rank=row.rank,
        score=row.score,
        level=row.level,
        red=row.red,
        figures=[
            FigureOut(
                code=cell.indicator.code,
                name=cell.indicator.name,
                unit=cell.indicator.measure,
                direction=cell.indicator.direction.value,
                value=cell.value.value,
                numerator=cell.value.numerator,
                denominator=cell.value.denominator,
                compared=cell.compared,
                behind=cell.behind,
                level=cell.level,
            )
            for cell in row.cells
        ],
    )


@router.get("/cockpit", response=Paged[UnitLatenessOut])
def cockpit_ranking(request: AuthedRequest, query: Query[CockpitQuery]) -> dict[str, object]:
    """The unit's children ranked by how far behind they are (furthest first), with each lateness figure. 403 for a
    role without the cockpit, 404 for a unit outside the acting assignment's subtree, 400 for a start after the
    end."""
    start, end = selectors.period(query.start, query.end)
    unit = cockpit_unit(request.user, query.unit)
    rows = lateness.lateness(request.user, unit, start, end)
    first = (query.page - 1) * query.page_size
    return {"items": [_out(row) for row in rows[first : first + query.page_size]], "count": len(rows)}
