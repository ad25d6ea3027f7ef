"""Reads of 督办与问责: scoped lists, what the new-order page is pre-filled with, home counts, and the points
appraisal adds and deducts (`adjustments`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from os.path import commonprefix
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.command import selectors as command
from dudao.core.errors import DomainError
from dudao.core.indicators import UnitLike
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.supervision import sources
from dudao.supervision.models import (
    AccountabilityForm,
    AccountabilityRecord,
    Commendation,
    Decision,
    OrderQuerySet,
    OrderStatus,
    SupervisionOrder,
)
from dudao.supervision.services.orders import CLOSING_HINT, ISSUER_KINDS, TARGET_KINDS
from dudao.supervision.services.records import DECIDING_KINDS, SUBJECT_KINDS

# Which orders a list shows: addressed to the acting unit, issued by it, or all in scope.
BOXES = {"in": "收到的督办单", "out": "下发的督办单", "all": "全部督办单"}


def scope_unit(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    return assignment.unit if assignment is not None else None


def orders_for(user: User, action: str = "read") -> OrderQuerySet:
    qs: OrderQuerySet = SupervisionOrder.objects.for_user(user, action)
    return qs.select_related("issuer", "target", "issued_by")


def order_list(
    user: User, *, box: str = "all", status: str = "", unit: OrgUnit | None = None, q: str = ""
) -> OrderQuerySet:
    """Orders in scope; `status` is a stored status or "overdue" (unanswered after the deadline, computed)."""
    qs = orders_for(user)
    acting = scope_unit(user)
    if acting is not None and box == "in":
        qs = qs.filter(target=acting)
    elif acting is not None and box == "out":
        qs = qs.filter(issuer=acting)
    if status == "overdue":
        qs = qs.overdue()
    elif status in OrderStatus.values:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(target__path__under=unit.path)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(subject__contains=q) | Q(target__name__contains=q))
    return qs.order_by("-issued_at", "-id")


def order_detail(user: User, pk: int) -> SupervisionOrder | None:
    return orders_for(user).select_related("signed_by", "responded_by", "closed_by").filter(pk=pk).first()


def order_steps(order: SupervisionOrder) -> list[Any]:
    return list(order.steps.select_related("actor").prefetch_related("files"))


def order_file(order: SupervisionOrder, file_pk: int) -> Any:
    """A file attached to one of the order's answers, or None."""
    for step in order.steps.prefetch_related("files"):
        for stored in step.files.all():
            if stored.pk == file_pk:
                return stored
    return None


def records_for(user: User, action: str = "read") -> QuerySet[AccountabilityRecord]:
    qs: QuerySet[AccountabilityRecord] = AccountabilityRecord.objects.for_user(user, action)
    return qs.select_related("form", "subject_unit", "subject_person", "deciding_unit", "decided_by")


def commendations_for(user: User, action: str = "read") -> QuerySet[Commendation]:
    qs: QuerySet[Commendation] = Commendation.objects.for_user(user, action)
    return qs.select_related("subject_unit", "subject_person", "deciding_unit", "decided_by")


def filtered(
    qs: QuerySet[Any],
    *,
    unit: OrgUnit | None = None,
    person: User | None = None,
    year: int | None = None,
    include_revoked: bool = False,
) -> QuerySet[Any]:
    if unit is not None:
        qs = qs.filter(subject_unit__path__under=unit.path)
    if person is not None:
        qs = qs.filter(subject_person=person)
    if year is not None:
        qs = qs.filter(decided_on__year=year)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("-decided_on", "-id")


def active_forms() -> QuerySet[AccountabilityForm]:
    return AccountabilityForm.objects.filter(is_active=True).order_by("order", "id")


def all_forms() -> QuerySet[AccountabilityForm]:
    return AccountabilityForm.objects.order_by("order", "id")


def units_below(unit: OrgUnit, kinds: Iterable[str]) -> QuerySet[OrgUnit]:
    """Open units of `kinds` strictly below `unit`, in tree order (the target and subject pickers)."""
    return (
        OrgUnit.objects.filter(path__under=unit.path, depth__gt=unit.depth, kind__in=list(kinds), is_closed=False)
        .only("id", "name", "kind", "path", "depth")
        .order_by("path")
    )


def target_choices(issuer: OrgUnit, around: OrgUnit | None = None) -> list[OrgUnit]:
    """Units an order from `issuer` may go to: around a fact's unit, that unit and the units above it (a school's
    problem may be put to its district bureau); else every district bureau and school below the issuer."""
    if around is None:
        return list(units_below(issuer, TARGET_KINDS))
    paths = [around.path[:n] for n in range(len(issuer.path) + OrgUnit.steplen, len(around.path) + 1, OrgUnit.steplen)]
    return list(OrgUnit.objects.filter(path__in=paths, kind__in=TARGET_KINDS, is_closed=False).order_by("path"))


def subject_choices(deciding: OrgUnit) -> list[OrgUnit]:
    return list(units_below(deciding, SUBJECT_KINDS))


def deciders(unit: OrgUnit) -> QuerySet[User]:
    """People of the deciding unit itself (its leaders and offices), for the 决定人 picker."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(unit=unit) | Q(unit__path__under=unit.path, unit__kind=UnitKind.OFFICE, unit__depth=unit.depth + 1))
        .order_by("unit__path", "id")
    )


def person_named(user: User, username: str) -> User | None:
    """An active account in the viewer's scope by its login name (the person picker of the record forms)."""
    unit = scope_unit(user)
    name = (username or "").strip()
    if unit is None or not name:
        return None
    return (
        User.objects.filter(username=name, is_active=True, unit__path__under=unit.path).select_related("unit").first()
    )


def person_by_id(user: User, pk: int) -> User | None:
    """An account in the viewer's scope by id (the API's person and decider fields)."""
    unit = scope_unit(user)
    if unit is None:
        return None
    return User.objects.filter(pk=pk, unit__path__under=unit.path).select_related("unit").first()


def may_issue(user: User) -> bool:
    unit = scope_unit(user)
    return unit is not None and unit.kind in ISSUER_KINDS and can(user, "supervision.issue")


def may_record(user: User) -> bool:
    unit = scope_unit(user)
    return unit is not None and unit.kind in DECIDING_KINDS and can(user, "accountability.change")


# ---- the new-order page, pre-filled ----


@dataclass
class Prefill:
    subject: str = ""
    body: str = ""
    target: OrgUnit | None = None
    # The unit whose own and upper units are offered as targets (a fact's unit), or None for all below.
    around: OrgUnit | None = None
    facts: list[sources.Fact] = field(default_factory=list)
    source: str = ""


def _today_text() -> str:
    today = timezone.localdate()
    return f"{today.year}年{today.month}月{today.day}日"


def prefill_from_row(user: User, kind: str, pk: int) -> Prefill:
    """From one overdue or late row of a module page (`?kind=…&id=…`): the row is the fact, its unit the target."""
    try:
        fact = sources.resolve(user, [(kind, pk)], kinds=sources.ORDER_KINDS)[0]
    except DomainError as exc:
        if exc.code == "fact_outside_scope":
            raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404) from exc
        raise
    src = sources.source(kind)
    return Prefill(
        subject=src.subject(fact.row)[:120],
        body=f"经查，{fact.label}。{CLOSING_HINT}",
        target=fact.unit if fact.unit.kind in TARGET_KINDS else None,
        around=fact.unit,
        facts=[fact],
        source=fact.kind_label,
    )


def prefill_from_indicator(user: User, unit: OrgUnit, code: str) -> Prefill:
    """From a cockpit cell (`?unit=…&indicator=…`): the unit's figure in the words of the indicator, and the rows
    behind it that call for supervision (overdue, late, unacknowledged, unresolved) as facts."""
    indicator = command.indicator_for(user, code)
    start, end = command.period(None, None)
    found = command.values(user, indicator, [unit], start, end)
    if unit.pk not in found:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    value = found[unit.pk].value
    drill = command.drill(user, indicator, unit, start, end)
    facts = sources.problem_rows(user, drill.rows) or []
    figure = f"{value:g}{indicator.measure}" if value is not None else "暂无可统计数据"
    body = f"经查，截至{_today_text()}，{unit.name}“{indicator.name}”为{figure}。"
    if facts:
        body += f"其中需督办的{facts[0].kind_label} {len(facts)} 项，详见所附事实清单。"
    return Prefill(
        subject=f"关于{unit.name}“{indicator.name}”情况的督办"[:120],
        body=body + CLOSING_HINT,
        target=unit if unit.kind in TARGET_KINDS else None,
        around=unit,
        facts=facts,
        source=f"监测指标：{indicator.name}",
    )


# ---- home ----


@dataclass(frozen=True)
class HomeCounts:
    to_answer: int
    overdue_to_answer: int
    to_close: int
    escalated_below: int


def home_counts(user: User, unit: OrgUnit) -> HomeCounts:
    """For the acting unit: orders it must answer, answers it must close, and orders below it past their deadline
    (the issuing unit's head and the receiving unit's parent see these)."""
    today = timezone.localdate()
    qs = SupervisionOrder.objects.for_user(user, "read")
    mine = qs.filter(target=unit, status__in=(OrderStatus.ISSUED, OrderStatus.SIGNED))
    return HomeCounts(
        to_answer=mine.count(),
        overdue_to_answer=mine.filter(deadline__lt=today).count(),
        to_close=qs.filter(issuer=unit, status=OrderStatus.RESPONDED).count(),
        escalated_below=qs.overdue(today).exclude(target=unit).count(),
    )


# ---- appraisal ----


def adjustments(
    units: Iterable[UnitLike], start: dt.date, end: dt.date
) -> dict[Any, tuple[Decimal, Decimal, list[Decision]]]:
    """Points appraisal deducts and adds per unit for decisions dated in [start, end]: {unit pk: (deduction, bonus,
    rows)}. A record counts for its subject unit and every unit above it that is asked about (a school's 通报批评
    also weighs on its district); revoked records do not count. `rows` lists every counted record, with or without
    points (问责 first, then 表扬, newest first). Not scoped: the caller (an appraisal run) decides who sees what.
    Two queries, whatever the number of units."""
    units = list(units)
    if not units:
        return {}
    root = commonprefix([u.path for u in units])
    by_path: dict[str, list[Any]] = {}
    for u in units:
        by_path.setdefault(u.path, []).append(u.pk)
    lengths = sorted({len(p) for p in by_path})
    result: dict[Any, tuple[Decimal, Decimal, list[Decision]]] = {u.pk: (Decimal(0), Decimal(0), []) for u in units}
    period = {"decided_on__gte": start, "decided_on__lte": end, "revoked_at__isnull": True}
    found: list[Decision] = [
        *AccountabilityRecord.objects.filter(subject_unit__path__under=root, **period)
        .select_related("subject_unit", "subject_person", "form")
        .order_by("-decided_on", "-id"),
        *Commendation.objects.filter(subject_unit__path__under=root, **period)
        .select_related("subject_unit", "subject_person")
        .order_by("-decided_on", "-id"),
    ]
    for row in found:
        path = row.subject_unit.path
        minus = getattr(row, "deduction", None) or Decimal(0)
        plus = getattr(row, "bonus", None) or Decimal(0)
        for length in lengths:
            if length > len(path):
                break
            for pk in by_path.get(path[:length], ()):
                deduction, bonus, rows = result[pk]
                rows.append(row)
                result[pk] = (deduction + minus, bonus + plus, rows)
    return result
