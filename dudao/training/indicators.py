"""继续教育 figures for the cockpit and appraisal: share of staff meeting the yearly hours, share of class teachers
trained (a 班主任 training attended) in the year, share of staff holding a 心理健康教育 certificate (A/B/C证).
The year is the one of the range's end; each figure is the one GROUP BY of `selectors.rates`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Indicator, Value, register
from dudao.orgs.models import OrgUnit
from dudao.training import selectors


def _rate(part: str, whole: str) -> Callable[..., dict[Any, Value]]:
    def compute(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
        return {
            pk: Value.rate(getattr(r, part), getattr(r, whole)) for pk, r in selectors.rates(units, end.year).items()
        }

    return compute


def short_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = selectors.hours_gap(unit, end.year, short_only=True)
    return Drilldown(rows, f"{reverse('training:hours')}?unit={unit.pk}&year={end.year}&short=1")


def class_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = selectors.staff_under(unit.path).filter(staff_profile__is_class_teacher=True).order_by("unit__path", "id")
    return Drilldown(rows, f"{reverse('training:hours')}?unit={unit.pk}&year={end.year}")


def psych_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        selectors.staff_under(unit.path)
        .exclude(staff_profile__certificates__kind__in=selectors.PSYCH_KINDS)
        .order_by("unit__path", "id")
    )
    return Drilldown(rows, reverse("teachers:list") + f"?unit={unit.pk}")


register(
    Indicator(
        code="training.hours_met",
        name="教师继续教育学时达标率",
        definition="在岗教职工（已建教师档案）中，结束日期所在年度继续教育学时达到年度要求（默认 72 学时）的比例。",
        measure="%",
        direction=Direction.HIGHER,
        module="training",
        permission="training.read",
        compute=_rate("met", "staff"),
        drill=short_rows,
        basis=Basis.RANGE,
        order=90,
    )
)
register(
    Indicator(
        code="training.class_teachers_trained",
        name="班主任年度培训覆盖率",
        definition="担任班主任的教职工中，结束日期所在年度参加过班主任类培训（签到或导入）的比例。",
        measure="%",
        direction=Direction.HIGHER,
        module="training",
        permission="training.read",
        compute=_rate("class_trained", "class_teachers"),
        drill=class_rows,
        basis=Basis.RANGE,
        order=91,
    )
)
register(
    Indicator(
        code="training.psych_certified",
        name="心理健康教育C证持证率",
        definition="在岗教职工（已建教师档案）中持有心理健康教育 A、B 或 C 证的比例（持 A、B 证视同已取得 C 证）。",
        measure="%",
        direction=Direction.HIGHER,
        module="training",
        permission="training.read",
        compute=_rate("psych", "staff"),
        drill=psych_rows,
        basis=Basis.NOW,
        order=92,
    )
)
