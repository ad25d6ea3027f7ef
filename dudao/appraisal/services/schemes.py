"""Defining a scheme: its settings and items, announcing its rules, copying a frozen scheme to a new edition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal.models import (
    AppraisalScheme,
    AppraisedKind,
    Comparison,
    ItemKind,
    PeriodKind,
    SchemeItem,
    SchemeStatus,
    ScoringRule,
)
from dudao.appraisal.rules import scheme_problems
from dudao.appraisal.scoring import ordered_bands, parse_bands
from dudao.appraisal.services._common import decimal, require_editable, require_scheme_change, text
from dudao.audit.services import record_change, snapshot
from dudao.command.selectors import indicator_for
from dudao.core import adjustments
from dudao.core.errors import DomainError, Forbidden
from dudao.core.indicators import Direction
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, SchoolType, UnitKind
from dudao.orgs.scoping import can

SCHEME_FIELDS = [
    "name",
    "period_kind",
    "period_start",
    "period_end",
    "unit_kind",
    "school_types",
    "green_from",
    "yellow_from",
    "veto_cap",
    "objection_days",
    "publish_ranking",
    "previous",
]
ITEM_FIELDS = [
    "name",
    "kind",
    "weight",
    "indicator_code",
    "rule",
    "floor",
    "target",
    "bands",
    "comparison",
    "threshold",
    "source_code",
    "criteria",
]
MAX_ITEMS = 40


@dataclass
class SchemeIn:
    name: str
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    unit_kind: str
    school_types: Sequence[str] = ()
    green_from: Decimal | float = Decimal("90")
    yellow_from: Decimal | float = Decimal("75")
    veto_cap: Decimal | float = Decimal("59")
    objection_days: int = 5
    publish_ranking: bool = True
    previous: AppraisalScheme | None = None


@dataclass
class ItemIn:
    name: str
    kind: str
    weight: Decimal | float | str = Decimal("0")
    indicator_code: str = ""
    rule: str = ""
    floor: Decimal | float | str | None = None
    target: Decimal | float | str | None = None
    # "95:100, 85:80" or [[95, 100], [85, 80]]
    bands: str | Sequence[Sequence[float]] = ""
    comparison: str = ""
    threshold: Decimal | float | str | None = None
    source_code: str = ""
    criteria: str = ""
    assessors: Sequence[User] = field(default_factory=list)


def _clean_scheme(actor: User, unit: OrgUnit, data: SchemeIn) -> dict[str, object]:
    if data.period_kind not in PeriodKind.values:
        raise DomainError("请选择考评周期（月度、学期或年度）", code="period_kind_invalid")
    if data.unit_kind not in AppraisedKind.values:
        raise DomainError("请选择被考评单位（区县教育局或学校）", code="unit_kind_invalid")
    if data.unit_kind == UnitKind.DISTRICT and unit.kind != UnitKind.BUREAU:
        raise DomainError("只有市教育局可以考评区县教育局", code="unit_kind_invalid")
    if data.period_start is None or data.period_end is None:
        raise DomainError("请填写考评期的开始和结束日期", code="period_required")
    if data.period_end < data.period_start:
        raise DomainError("考评期结束日期不能早于开始日期", code="period_order")
    types = sorted(set(data.school_types or ()))
    if any(t not in SchoolType.values for t in types):
        raise DomainError("学段类型不正确", code="school_type_invalid")
    if types and data.unit_kind != AppraisedKind.SCHOOL:
        raise DomainError("只有考评学校时才能按学段筛选", code="school_type_invalid")
    green = decimal(data.green_from, label="绿牌分数线", low=0, high=100)
    yellow = decimal(data.yellow_from, label="黄牌分数线", low=0, high=100)
    if yellow > green:
        raise DomainError("黄牌分数线不能高于绿牌分数线", code="bands_order")
    cap = decimal(data.veto_cap, label="否决后最高得分", low=0, high=100)
    if cap >= yellow:
        raise DomainError("否决后最高得分应低于黄牌分数线（否决即为红牌）", code="veto_cap_invalid")
    if not 1 <= int(data.objection_days) <= 30:
        raise DomainError("申诉期应为 1 到 30 天", code="objection_days_invalid")
    previous = data.previous
    if previous is not None and not can(actor, "appraisal.read", previous.unit):
        raise Forbidden("上一期方案不在您的管理范围内")
    return {
        "name": text(data.name, label="方案名称", limit=100),
        "period_kind": data.period_kind,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "unit_kind": data.unit_kind,
        "school_types": types,
        "green_from": green,
        "yellow_from": yellow,
        "veto_cap": cap,
        "objection_days": int(data.objection_days),
        "publish_ranking": bool(data.publish_ranking),
        "previous": previous,
    }


def create_scheme(*, actor: User, unit: OrgUnit, data: SchemeIn) -> AppraisalScheme:
    """A draft scheme run by `unit` (a bureau or district bureau) for units of one kind below it."""
    if not can(actor, "appraisal.change", unit):
        raise Forbidden("您无权为该单位制定考评方案")
    if unit.kind not in (UnitKind.BUREAU, UnitKind.DISTRICT):
        raise DomainError("考评方案只能由教育局或区县教育局制定", code="scheme_unit_kind")
    fields = _clean_scheme(actor, unit, data)
    with transaction.atomic():
        scheme = AppraisalScheme.objects.create(unit=unit, created_by=actor, **fields)
        record_change(
            actor=actor, action="create_scheme", obj=scheme, unit_path=unit.path, after=snapshot(scheme, SCHEME_FIELDS)
        )
    return scheme


def update_scheme(*, actor: User, scheme: AppraisalScheme, data: SchemeIn, version: int | None) -> AppraisalScheme:
    require_scheme_change(actor, scheme)
    fields = _clean_scheme(actor, scheme.unit, data)
    with transaction.atomic():
        scheme = locked(AppraisalScheme.objects, scheme.pk, version)
        require_editable(scheme)
        before = snapshot(scheme, SCHEME_FIELDS)
        for name, value in fields.items():
            setattr(scheme, name, value)
        bump(scheme, list(fields))
        record_change(
            actor=actor,
            action="update_scheme",
            obj=scheme,
            unit_path=scheme.unit.path,
            before=before,
            after=snapshot(scheme, SCHEME_FIELDS),
        )
    return scheme


def _clean_rule(data: ItemIn, direction: Direction) -> dict[str, object]:
    """A live item's scoring rule: linear between a floor and a target, or bands."""
    if data.rule == ScoringRule.LINEAR:
        floor = decimal(data.floor, label="零分线") if data.floor not in (None, "") else None
        target = decimal(data.target, label="满分线") if data.target not in (None, "") else None
        if floor is None or target is None:
            raise DomainError("线性计分请填写零分线和满分线", code="linear_required")
        if direction is Direction.HIGHER and floor >= target:
            raise DomainError("该指标越高越好：零分线应低于满分线", code="linear_order")
        if direction is Direction.LOWER and floor <= target:
            raise DomainError("该指标越低越好：零分线应高于满分线", code="linear_order")
        return {"rule": ScoringRule.LINEAR, "floor": floor, "target": target}
    if data.rule == ScoringRule.BANDED:
        raw = parse_bands(data.bands) if isinstance(data.bands, str) else [list(map(float, b)) for b in data.bands]
        if not raw:
            raise DomainError("请填写分档，如“95:100, 85:80, 70:60”", code="bands_required")
        return {"rule": ScoringRule.BANDED, "bands": ordered_bands(raw, direction)}
    raise DomainError("请选择计分规则（线性或分档）", code="rule_required")


def _clean_item(actor: User, data: ItemIn) -> dict[str, object]:
    if data.kind not in ItemKind.values:
        raise DomainError("请选择计分方式", code="item_kind_invalid")
    fields: dict[str, object] = {
        "name": text(data.name, label="项目名称", limit=60),
        "kind": data.kind,
        "weight": Decimal("0"),
        "indicator_code": "",
        "rule": "",
        "floor": None,
        "target": None,
        "bands": [],
        "comparison": "",
        "threshold": None,
        "source_code": "",
        "criteria": text(data.criteria, label="评分标准", limit=1000, required=False),
    }
    if data.kind != ItemKind.VETO:
        weight = decimal(data.weight, label="分值", low=0, high=100)
        if weight <= 0:
            raise DomainError("分值应大于 0", code="weight_invalid")
        fields["weight"] = weight
    code = (data.indicator_code or "").strip()
    direction = Direction.HIGHER
    if code:
        try:
            indicator = indicator_for(actor, code)
        except Forbidden:
            raise DomainError("您当前的身份无权查看该监测指标，不能用它计分", code="indicator_forbidden") from None
        except DomainError:
            raise DomainError(
                f"没有代码为“{code[:60]}”的监测指标（可能已停用），请从指标目录中选择", code="indicator_unknown"
            ) from None
        fields["indicator_code"] = indicator.code
        direction = indicator.direction
    if data.kind == ItemKind.LIVE:
        if not code:
            raise DomainError("请选择监测指标", code="indicator_required")
        fields.update(_clean_rule(data, direction))
    elif data.kind == ItemKind.VETO:
        if code:
            if data.comparison not in Comparison.values or data.threshold in (None, ""):
                raise DomainError("指标否决条件请选择比较方式并填写阈值", code="veto_condition_required")
            fields.update(comparison=data.comparison, threshold=decimal(data.threshold, label="阈值"))
    elif data.kind == ItemKind.DEDUCTION:
        source = (data.source_code or "").strip()
        if source and adjustments.get(source) is None:
            raise DomainError(f"没有代码为“{source[:60]}”的扣分来源", code="source_unknown")
        fields["source_code"] = source
    elif code:
        raise DomainError("只有监测指标项目和一票否决项目可以选择指标", code="indicator_not_used")
    return fields


def add_item(*, actor: User, scheme: AppraisalScheme, data: ItemIn, version: int | None) -> SchemeItem:
    """A new item at the end; the scheme's version moves on (a form rendered before is stale)."""
    require_scheme_change(actor, scheme)
    fields = _clean_item(actor, data)
    with transaction.atomic():
        scheme = locked(AppraisalScheme.objects, scheme.pk, version)
        require_editable(scheme)
        count = scheme.items.count()
        if count >= MAX_ITEMS:
            raise DomainError(f"一个方案最多 {MAX_ITEMS} 个项目", code="too_many_items")
        item = SchemeItem.objects.create(scheme=scheme, position=count + 1, **fields)
        if data.kind == ItemKind.MANUAL and data.assessors:
            item.assessors.set(data.assessors)
        bump(scheme, [])
        record_change(
            actor=actor,
            action="add_scheme_item",
            obj=item,
            unit_path=scheme.unit.path,
            after={**snapshot(item, ITEM_FIELDS), "assessors": [a.pk for a in data.assessors]},
        )
    return item


def remove_item(*, actor: User, scheme: AppraisalScheme, item: SchemeItem, version: int | None) -> None:
    require_scheme_change(actor, scheme)
    with transaction.atomic():
        scheme = locked(AppraisalScheme.objects, scheme.pk, version)
        require_editable(scheme)
        item = SchemeItem.objects.get(pk=item.pk, scheme=scheme)
        before = snapshot(item, ITEM_FIELDS)
        record_change(actor=actor, action="remove_scheme_item", obj=item, unit_path=scheme.unit.path, before=before)
        item.delete()
        for position, rest in enumerate(scheme.items.order_by("position", "id"), start=1):
            if rest.position != position:
                rest.position = position
                rest.save(update_fields=["position"])
        bump(scheme, [])


def announce(*, actor: User, scheme: AppraisalScheme, version: int | None) -> AppraisalScheme:
    """公布规则: the units see the rules; refused while the weights do not sum to 100 or an item cannot be scored."""
    require_scheme_change(actor, scheme)
    with transaction.atomic():
        scheme = locked(AppraisalScheme.objects, scheme.pk, version)
        if scheme.status == SchemeStatus.ANNOUNCED:
            return scheme  # a second click
        if scheme.status != SchemeStatus.DRAFT:
            raise DomainError("只有草稿方案可以公布规则", code="scheme_not_draft", status=409)
        problems = scheme_problems(scheme)
        if problems:
            raise DomainError("方案不能公布：" + "；".join(problems), code="scheme_invalid")
        scheme.status = SchemeStatus.ANNOUNCED
        bump(scheme, ["status"])
        record_change(
            actor=actor,
            action="announce_scheme",
            obj=scheme,
            unit_path=scheme.unit.path,
            before={"status": SchemeStatus.DRAFT},
            after={"status": scheme.status},
        )
    return scheme


def copy_scheme(*, actor: User, scheme: AppraisalScheme, next_period: bool = False) -> AppraisalScheme:
    """A draft copy of the scheme with its items: a new edition of the same period (a frozen scheme is never
    edited), or (`next_period`) the scheme for the following period, comparing its ranks with this one's."""
    require_scheme_change(actor, scheme)
    with transaction.atomic():
        scheme = AppraisalScheme.objects.select_for_update().get(pk=scheme.pk)
        items = list(scheme.items.prefetch_related("assessors"))
        copy = AppraisalScheme.objects.get(pk=scheme.pk)
        copy.pk = None
        copy.status = SchemeStatus.DRAFT
        copy.computed_at = copy.frozen_at = copy.published_at = None
        copy.objection_until = None
        copy.created_by = actor
        copy.created_at = timezone.now()
        copy.version = 1
        if next_period:
            length = scheme.period_end - scheme.period_start
            copy.period_start = scheme.period_end + dt.timedelta(days=1)
            copy.period_end = copy.period_start + length
            copy.previous, copy.supersedes, copy.edition = scheme, None, 1
        else:
            copy.supersedes = scheme
            copy.edition = scheme.edition + 1
        copy.save()
        for item in items:
            assessors = list(item.assessors.all())
            item.pk = None
            item.scheme = copy
            item.save()
            item.assessors.set(assessors)
        record_change(
            actor=actor,
            action="copy_scheme",
            obj=copy,
            unit_path=scheme.unit.path,
            after={"from": scheme.pk, "edition": copy.edition, "next_period": next_period, "items": len(items)},
        )
    return copy


__all__ = [
    "ItemIn",
    "SchemeIn",
    "add_item",
    "announce",
    "copy_scheme",
    "create_scheme",
    "remove_item",
    "update_scheme",
]
