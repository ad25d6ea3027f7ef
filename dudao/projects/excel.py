"""The bureau's project list as a printed ledger (xlsx), rows as filtered on the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from dudao.accounts.models import User
from dudao.projects import selectors
from dudao.projects.models import Project
from dudao.projects.rules import needs_filing

EXPORT_HEADERS = [
    "学校",
    "项目名称",
    "类别",
    "预算金额（元）",
    "资金来源",
    "状态",
    "备案/审批",
    "投入使用期限",
    "是否逾期",
    "开工日期",
    "完工日期",
    "验收日期",
    "关联隐患",
]
EXPORT_WIDTHS = [22, 28, 12, 14, 10, 8, 24, 14, 8, 12, 12, 12, 36]


def export_rows(user: User, qs: QuerySet[Project], today: dt.date) -> Iterator[list[Any]]:
    projects = list(qs)
    hazards = selectors.hazards_of(user, [p.hazard_item_id for p in projects if p.hazard_item_id])
    for p in projects:
        if p.is_filed:
            filing = f"{p.filing_number}（{p.filed_on:%Y-%m-%d}）"
        elif needs_filing(p.estimate):
            filing = "未备案"
        else:
            filing = "未达备案标准，可简易程序"
        hazard = hazards.get(p.hazard_item_id or 0)
        yield [
            p.school.name,
            p.title,
            p.get_kind_display(),
            float(p.estimate),
            p.get_funding_display(),
            p.get_status_display(),
            filing,
            p.deadline,
            "逾期" if p.is_overdue_on(today) else "",
            p.started_on,
            p.completed_on,
            p.accepted_on,
            hazard.title if hazard else "",
        ]
