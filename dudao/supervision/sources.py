"""The rows a 督办单 or a record may link to, each read through its own module's scoped queryset (`for_user`).

A link is (kind, id). `resolve` finds the row only inside the actor's scope, so a fact the issuer cannot see is
refused like one that does not exist; the label and unit are kept with the link (see `models.Link`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.errors import DomainError
from dudao.directives.models import DirectiveStatus, DirectiveTarget, Submission
from dudao.directives.selectors import SUBMITTED
from dudao.health.models import Alert, AlertStatus
from dudao.orgs.models import OrgUnit
from dudao.rectification.models import ItemStatus, RectificationItem
from dudao.supervision.models import FactKind, SupervisionOrder

# At most this many facts on one order or record: a longer list belongs in the module's own page.
MAX_LINKS = 50


@dataclass(frozen=True)
class Source:
    kind: FactKind
    model: type[models.Model]
    # The module's scoped rows for the actor, with what `describe` and `unit_of` need.
    rows: Callable[[User], QuerySet[Any]]
    unit_of: Callable[[Any], OrgUnit]
    describe: Callable[[Any], str]
    url: Callable[[int], str]
    # Rows that call for supervision (overdue, late, unacknowledged, unresolved): kept from an indicator's drill.
    problem: Callable[[], Q]
    # A subject line for an order issued from one row.
    subject: Callable[[Any], str]


def _date(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _item_label(item: RectificationItem) -> str:
    late = (timezone.localdate() - item.due_date).days
    state = f"已逾期 {late} 天" if item.is_overdue else item.get_status_display()
    return f"{item.school.name}：{item.description}（整改时限 {_date(item.due_date)}，{state}）"


def _submission_label(s: Submission) -> str:
    if s.status in SUBMITTED:
        state = "逾期报送" if s.is_late else s.get_status_display()
    else:
        state = "逾期未报" if s.period.deadline < timezone.now() else s.get_status_display()
    return f"{s.unit.name}：{s.directive.title}·{s.period.label}（截止 {_date(s.period.deadline)}，{state}）"


def _target_label(t: DirectiveTarget) -> str:
    return f"{t.unit.name}：《{t.directive.title}》尚未签收（截止 {_date(t.directive.deadline)}）"


def _alert_label(a: Alert) -> str:
    return f"{a.school.name}：{a.title}（{_date(a.on_date)}，{a.get_status_display()}）"


def _order_label(o: SupervisionOrder) -> str:
    return f"{o.number}：{o.subject}（承办 {o.target.name}，办结时限 {_date(o.deadline)}，{o.status_label}）"


SOURCES: dict[str, Source] = {
    s.kind.value: s
    for s in (
        Source(
            kind=FactKind.RECTIFICATION_ITEM,
            model=RectificationItem,
            rows=lambda user: RectificationItem.objects.for_user(user, "read").select_related("school"),
            unit_of=lambda item: item.school,
            describe=_item_label,
            url=lambda pk: reverse("rectification:item", args=[pk]),
            problem=lambda: ~Q(status=ItemStatus.CLOSED) & Q(due_date__lt=timezone.localdate()),
            subject=lambda item: f"关于督促{item.school.name}整改逾期问题的督办",
        ),
        Source(
            kind=FactKind.SUBMISSION,
            model=Submission,
            rows=lambda user: Submission.objects.for_user(user, "read").select_related("directive", "period", "unit"),
            unit_of=lambda s: s.unit,
            describe=_submission_label,
            url=lambda pk: reverse("directives:submission", args=[pk]),
            problem=lambda: Q(is_late=True) | (~Q(status__in=SUBMITTED) & Q(period__deadline__lt=timezone.now())),
            subject=lambda s: f"关于督促{s.unit.name}按时报送“{s.directive.title}”的督办",
        ),
        Source(
            kind=FactKind.DIRECTIVE_TARGET,
            model=DirectiveTarget,
            rows=lambda user: DirectiveTarget.objects.for_user(user, "read")
            .filter(directive__status=DirectiveStatus.ISSUED)
            .select_related("directive", "unit"),
            unit_of=lambda t: t.unit,
            describe=_target_label,
            url=lambda pk: reverse("directives:list"),
            problem=lambda: Q(acknowledged_at__isnull=True),
            subject=lambda t: f"关于督促{t.unit.name}签收落实“{t.directive.title}”的督办",
        ),
        Source(
            kind=FactKind.HEALTH_ALERT,
            model=Alert,
            rows=lambda user: Alert.objects.for_user(user, "read").select_related("school"),
            unit_of=lambda a: a.school,
            describe=_alert_label,
            url=lambda pk: reverse("health:alert", args=[pk]),
            problem=lambda: ~Q(status=AlertStatus.CLOSED),
            subject=lambda a: f"关于督促{a.school.name}处置疫情预警的督办",
        ),
        Source(
            kind=FactKind.SUPERVISION_ORDER,
            model=SupervisionOrder,
            rows=lambda user: SupervisionOrder.objects.for_user(user, "read").select_related("target", "issuer"),
            unit_of=lambda o: o.target,
            describe=_order_label,
            url=lambda pk: reverse("supervision:detail", args=[pk]),
            problem=lambda: Q(status__in=("issued", "signed"), deadline__lt=timezone.localdate()),
            subject=lambda o: f"关于{o.target.name}{o.subject.removeprefix('关于')}",
        ),
    )
}

# Kinds a 督办单 may be issued from (an order is evidence for a record, not the fact of another order).
ORDER_KINDS = tuple(k for k in SOURCES if k != FactKind.SUPERVISION_ORDER)


@dataclass(frozen=True)
class Fact:
    kind: str
    object_id: int
    label: str
    unit: OrgUnit
    row: Any

    @property
    def kind_label(self) -> str:
        return FactKind(self.kind).label


def source(kind: str) -> Source:
    found = SOURCES.get(kind)
    if found is None:
        raise DomainError("不能关联这种类型的事实依据", code="fact_kind_invalid")
    return found


def parse(raw: Iterable[str]) -> list[tuple[str, int]]:
    """ "kind:id" strings (a form's hidden inputs, the API's `facts`) as pairs, duplicates dropped, order kept."""
    pairs: list[tuple[str, int]] = []
    for text in raw:
        kind, _, number = str(text).strip().partition(":")
        if not kind and not number:
            continue
        if kind not in SOURCES or not number.isdigit() or not 0 < int(number) < 2**63:
            raise DomainError(f"事实依据“{str(text)[:40]}”的格式不正确", code="fact_invalid")
        pair = (kind, int(number))
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def resolve(actor: User, links: Sequence[tuple[str, int]], *, kinds: Iterable[str] = tuple(SOURCES)) -> list[Fact]:
    """The linked rows, each found through its module's `for_user` for the actor; one query per kind. A row that
    does not exist or lies outside the actor's scope is refused by name."""
    if len(links) > MAX_LINKS:
        raise DomainError(f"事实依据最多关联 {MAX_LINKS} 条", code="too_many_facts")
    allowed = set(kinds)
    wanted: dict[str, list[int]] = {}
    for kind, pk in links:
        if kind not in allowed or kind not in SOURCES:
            label = FactKind(kind).label if kind in SOURCES else "这种类型的对象"
            raise DomainError(f"不能关联{label}", code="fact_kind_invalid")
        wanted.setdefault(kind, []).append(pk)
    found: dict[tuple[str, int], Fact] = {}
    for kind, pks in wanted.items():
        src = source(kind)
        for row in src.rows(actor).filter(pk__in=pks):
            found[(kind, row.pk)] = Fact(kind, row.pk, src.describe(row)[:300], src.unit_of(row), row)
    facts = []
    for kind, pk in links:
        fact = found.get((kind, pk))
        if fact is None:
            raise DomainError(
                f"{FactKind(kind).label}（编号 {pk}）不存在或不在您的管理范围内", code="fact_outside_scope"
            )
        facts.append(fact)
    return facts


def problem_rows(actor: User, rows: Any, limit: int = MAX_LINKS) -> list[Fact] | None:
    """An indicator drill's rows as facts: the rows that call for supervision (`Source.problem`), read again
    through the module's scoped rows; None when the rows cannot be linked (counts-only figures give plain dicts)."""
    if not isinstance(rows, QuerySet):
        return None
    src = next((s for s in SOURCES.values() if s.model is rows.model), None)
    if src is None:
        return None
    # A module's list may join rows more than once (a ledger filtered through its steps): each row is one fact.
    ids = list(dict.fromkeys(rows.filter(src.problem()).values_list("pk", flat=True)[: limit * 4]))[:limit]
    by_pk = {r.pk: r for r in src.rows(actor).filter(pk__in=ids)}
    kind = src.kind.value
    return [Fact(kind, pk, src.describe(r)[:300], src.unit_of(r), r) for pk in ids if (r := by_pk.get(pk))]


def url_for(kind: str, object_id: int) -> str:
    src = SOURCES.get(kind)
    return src.url(object_id) if src else ""
