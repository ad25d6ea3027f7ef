"""问责 and 通报表扬 as appraisal adjustments: registered in `dudao.core.adjustments`, so a scheme's deduction item
can take its points from the records (appraisal sits on this app's floor and may not import it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.urls import reverse

from dudao.core.adjustments import Adjustment, AdjustmentSource, register
from dudao.core.indicators import UnitLike
from dudao.supervision.models import AccountabilityRecord, Commendation
from dudao.supervision.selectors import adjustments


def _reason(row: AccountabilityRecord | Commendation) -> str:
    # A person's record is confidential: the appraisal names the form and the unit, never the person.
    if isinstance(row, AccountabilityRecord):
        return f"{row.form.name}（{row.subject_unit.name}，{row.decided_on:%Y-%m-%d}）"
    return f"通报表扬（{row.subject_unit.name}，{row.decided_on:%Y-%m-%d}）"


def accountability(units: Sequence[UnitLike], start: dt.date, end: dt.date) -> dict[Any, list[Adjustment]]:
    found = adjustments(units, start, end)
    return {
        pk: [
            Adjustment(
                points=-float(row.deduction),
                reason=_reason(row),
                url=reverse("supervision:record", args=[row.pk]),
                on=row.decided_on,
            )
            for row in rows
            if isinstance(row, AccountabilityRecord) and row.deduction
        ]
        for pk, (_, _, rows) in found.items()
    }


def commendations(units: Sequence[UnitLike], start: dt.date, end: dt.date) -> dict[Any, list[Adjustment]]:
    found = adjustments(units, start, end)
    return {
        pk: [
            Adjustment(
                points=float(row.bonus),
                reason=_reason(row),
                url=reverse("supervision:commendation", args=[row.pk]),
                on=row.decided_on,
            )
            for row in rows
            if isinstance(row, Commendation) and row.bonus
        ]
        for pk, (_, _, rows) in found.items()
    }


register(
    AdjustmentSource(
        code="supervision.accountability",
        name="问责记录扣分",
        collect=accountability,
        definition="考核期内对本单位（及其下属单位、人员）作出的问责决定，按每条记录登记的扣分扣减；已撤销的不计",
    )
)
register(
    AdjustmentSource(
        code="supervision.commendations",
        name="通报表扬加分",
        collect=commendations,
        definition="考核期内对本单位（及其下属单位、人员）的通报表扬，按每条记录登记的加分增加；已撤销的不计",
    )
)
