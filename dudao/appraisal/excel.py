"""The results in the layout of the 年度考核 table: 序号, unit, one column per item (with its full marks), total,
rank, band, veto, remarks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import FileResponse

from dudao.accounts.models import User
from dudao.appraisal import selectors
from dudao.appraisal.models import AppraisalScheme, Band, ItemKind
from dudao.appraisal.scoring import fmt
from dudao.core.excel import xlsx_response


def results_response(user: User, scheme: AppraisalScheme) -> FileResponse:
    items = [i for i in scheme.items.all() if i.kind != ItemKind.VETO]
    ranked = selectors.shows_rank(user, scheme)
    headers = [
        "序号",
        "单位",
        *[f"{i.name}（{fmt(i.weight)}分）" for i in items],
        "总分",
        "排名",
        "等次（色牌）",
        "一票否决",
        "备注",
    ]
    rows = selectors.results_for(user, scheme)

    def lines() -> Iterator[list[Any]]:
        for n, result in enumerate(rows.iterator(chunk_size=500), start=1):
            scores = [result.items.get(str(i.pk), {}).get("score") for i in items]
            change = result.rank_change if ranked else None
            remark = ""
            if change:
                remark = f"比上期上升 {change} 位" if change > 0 else f"比上期下降 {-change} 位"
            yield [
                n,
                result.unit.name,
                *scores,
                float(result.total),
                result.rank if ranked else "未发布",
                Band(result.band).label,
                result.veto_reason if result.vetoed else "",
                remark,
            ]

    status = "" if scheme.status == "published" else "（未发布，仅供内部核对）"
    return xlsx_response(
        filename=f"{scheme}-考核结果.xlsx",
        headers=headers,
        rows=lines(),
        sheet_name="考核结果",
        column_widths=[6, 28, *[12] * len(items), 8, 6, 12, 25, 16],
        title=f"{scheme}考核结果{status}",
        landscape=True,
    )
