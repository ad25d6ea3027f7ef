"""Excel of the health dashboard: one row per area below the unit, the morning check of one day."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse

from dudao.core.excel import xlsx_response
from dudao.health.selectors import AreaRow
from dudao.orgs.models import OrgUnit

HEADERS = [
    "单位",
    "班级数",
    "已检班级",
    "检查率%",
    "应到",
    "因病缺勤",
    "其他缺勤",
    "出勤率%",
    "因病缺勤率%",
    "未结预警",
    "待复课",
]


def dashboard_xlsx(unit: OrgUnit, day: dt.date, rows: list[AreaRow]) -> FileResponse:
    return xlsx_response(
        filename=f"晨午检统计-{unit.name}-{day:%Y%m%d}.xlsx",
        headers=HEADERS,
        rows=[
            [
                r.unit.name,
                r.classes,
                r.checked,
                r.checked_pct,
                r.roster,
                r.illness,
                r.other,
                r.attendance_pct,
                r.illness_pct,
                r.open_alerts,
                r.awaiting,
            ]
            for r in rows
        ],
        sheet_name="晨午检",
        title=f"{unit.name} 晨午检统计（{day:%Y-%m-%d} 晨检）",
    )
