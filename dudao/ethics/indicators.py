"""师德 figures (监测指标): one-vote-veto incidents per unit (the appraisal's veto condition reads it: a scheme's
一票否决 item names `ethics.veto_incidents` with "> 0"), and the share of staff who acknowledged the year's
commitment. Incidents are confidential: counts only, and the drill-down lists schools, never a name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.ethics.models import Acknowledgement, Incident
from dudao.ethics.selectors import SCHOOL_KINDS, staff_under
from dudao.orgs.models import OrgUnit, UnitKind


def _vetoes(root: str, start: dt.date, end: dt.date) -> QuerySet[Incident]:
    """Veto incidents decided in the range (the measure's date)."""
    return Incident.objects.filter(
        school__path__under=root, is_veto=True, measure_on__gte=start, measure_on__lte=end
    ).exclude(finding="unsubstantiated")


def veto_incidents(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_vetoes(grouping.root, start, end), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def veto_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    """The schools where such incidents were decided: no teacher's name."""
    schools = OrgUnit.objects.filter(pk__in=_vetoes(unit.path, start, end).values("school_id")).order_by("path")
    return Drilldown(schools, reverse("ethics:index") + f"?unit={unit.pk}&veto=1")


def commitment_rate(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    """Staff who acknowledged a commitment of the end date's year ÷ staff placed at schools, per unit."""
    grouping = Grouping.of(units)
    staff = grouping.sums(staff_under(grouping.root), "unit__path", n=Count("*"))
    acks = grouping.sums(
        Acknowledgement.objects.filter(
            commitment__year=end.year,
            user__is_active=True,
            user__unit__path__under=grouping.root,
            user__unit__kind__in=SCHOOL_KINDS,
        ),
        "user__unit__path",
        n=Count("user_id", distinct=True),
    )
    return {u.pk: Value.rate(int(acks[u.pk][0]), int(staff[u.pk][0])) for u in units}


def commitment_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    """The schools with staff who have not acknowledged the year's commitment (names stay on the module's page)."""
    signed = Acknowledgement.objects.filter(commitment__year=end.year).values("user_id")
    pending = staff_under(unit.path).exclude(pk__in=signed).values("unit__path")
    schools = OrgUnit.objects.filter(path__under=unit.path, kind=UnitKind.SCHOOL, path__in=pending).order_by("path")
    return Drilldown(schools, reverse("ethics:commitments") + f"?unit={unit.pk}")


register(
    Indicator(
        code="ethics.veto_incidents",
        name="师德一票否决事件数",
        definition="统计区间内作出处理决定、并实行一票否决的师德失范事件数（按教师所在学校计）。"
        "考评方案的“一票否决”项目可选用本指标（条件：大于 0）。",
        measure="起",
        direction=Direction.LOWER,
        module="ethics",
        permission="ethics.read",
        compute=veto_incidents,
        drill=veto_rows,
        basis=Basis.RANGE,
        counts_only=True,
        order=90,
    )
)
register(
    Indicator(
        code="ethics.commitment_rate",
        name="师德承诺书签署率",
        definition="结束日期所在年度的师德承诺书已签署的教职工人数 ÷ 各学校在岗教职工账号数。",
        measure="%",
        direction=Direction.HIGHER,
        module="ethics",
        permission="ethics.commitments",
        compute=commitment_rate,
        drill=commitment_rows,
        basis=Basis.RANGE,
        order=91,
    )
)
