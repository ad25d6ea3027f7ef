"""Monitoring figures of 免疫接种与学校卫生: coverage of the catalogue's vaccines (全程接种率) and the share of schools
with a staffed health room (卫生室配备率). One GROUP BY per figure for any number of units; enrolment is cached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Indicator, Value, register
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit
from dudao.schoolhealth import selectors
from dudao.schoolhealth.vaccines import VACCINES, Vaccine


def vaccine_coverage(
    units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User, vaccine: Vaccine
) -> dict[Any, Value]:
    counts = selectors.coverage_counts(units, [vaccine.code])
    enrolled = enrolment.rollup(units)
    return {u.pk: Value.rate(counts.get(u.pk, {}).get(vaccine.code, (0, 0))[0], enrolled[u.pk].students) for u in units}


def vaccine_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User, vaccine: Vaccine) -> Drilldown:
    rows = (
        selectors.records_for(user)
        .filter(vaccine=vaccine.code, completes_course=True, student__klass__path__under=unit.path)
        .select_related("student", "unit")
        .order_by("id")
    )
    return Drilldown(rows, f"{reverse('schoolhealth:coverage')}?unit={unit.pk}")


def room_rate(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    return {pk: Value.rate(equipped, schools) for pk, (schools, equipped) in selectors.room_rates(units).items()}


def room_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        selectors.rooms_for(user)
        .filter(school__path__under=unit.path)
        .select_related("school")
        .order_by("school__path")
    )
    return Drilldown(rows, f"{reverse('schoolhealth:exams')}?unit={unit.pk}")


for _order, _vaccine in enumerate(v for v in VACCINES if v.in_catalogue):
    register(
        Indicator(
            code=f"schoolhealth.coverage_{_vaccine.code}",
            name=f"{_vaccine.name}疫苗全程接种率",
            definition=(
                f"在籍学生中已登记{_vaccine.name}疫苗全程（{_vaccine.doses} 剂）的比例；每名学生每种疫苗只计一次，"
                "有禁忌证者不计入分子，另行统计。"
            ),
            measure="%",
            direction=Direction.HIGHER,
            module="schoolhealth",
            permission="schoolhealth.read",
            compute=partial(vaccine_coverage, vaccine=_vaccine),
            drill=partial(vaccine_rows, vaccine=_vaccine),
            basis=Basis.NOW,
            order=64 + _order,
        )
    )
register(
    Indicator(
        code="schoolhealth.room_rate",
        name="卫生室配备率",
        definition="设有卫生室或保健室且登记了至少一名卫生保健人员的学校占学校总数的比例。",
        measure="%",
        direction=Direction.HIGHER,
        module="schoolhealth",
        permission="schoolhealth.read",
        compute=room_rate,
        drill=room_rows,
        basis=Basis.NOW,
        order=69,
    )
)
