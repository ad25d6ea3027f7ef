"""The ¥10,000 filing rule of repair works, in one place: works estimated at FILING_THRESHOLD or more need a
备案/审批 number and date before they may start; below it they may follow the simple procedure (flagged, not
refused). A bureau with another threshold sets DUDAO_PROJECT_FILING_THRESHOLD."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

SIMPLE_PROCEDURE_FLAG = "未达备案标准，可简易程序"


def filing_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "DUDAO_PROJECT_FILING_THRESHOLD", 10000) or 10000))


def needs_filing(estimate: Decimal) -> bool:
    return estimate >= filing_threshold()
