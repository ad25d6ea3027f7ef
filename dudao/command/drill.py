"""The rows behind a figure, as one table whatever the module: what, where, who answers for it and their phone.

Each module's `drill` gives its own rows (ledger items, reports, shifts, classes, alerts, receipts, per-school
counts for the confidential case figures). `drill_page` pages them and describes each as a `DrillRow`; the person
who answers for a row is its own owner when it has one (整改责任人, 值班人员), else the head of its unit (班主任 of
a class, 校长 of a school, 区县管理员 of a district bureau), looked up for the whole page in one query. Receipts
are counted per class (a leader calls the class teacher, not 3,000 parents); no student is named here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.command import selectors
from dudao.core.indicators import Indicator
from dudao.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, paginate, parse_int
from dudao.directives.models import DirectiveTarget, Submission
from dudao.duty.models import DutyShift
from dudao.health.models import Alert
from dudao.inspections.models import Target
from dudao.notices.models import Receipt
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role
from dudao.rectification.models import RectificationItem

# Who answers for a unit's rows, by the unit's kind (the first role found on the unit).
HEADS = (Role.CLASS_TEACHER, Role.PRINCIPAL, Role.DISTRICT_ADMIN, Role.BUREAU_LEADER)
HEAD_LABELS = {
    Role.CLASS_TEACHER: "班主任",
    Role.PRINCIPAL: "校长",
    Role.DISTRICT_ADMIN: "区县管理员",
    Role.BUREAU_LEADER: "局领导",
}


@dataclass(frozen=True)
class DrillRow:
    title: str  # what: the item, report, class…
    unit_name: str  # where
    detail: str = ""  # deadline, status, counts
    owner: str = ""  # who answers for it
    owner_role: str = ""
    phone: str = ""
    url: str = ""  # the row's own page, when it has one
    is_late: bool = False
    school_id: int | None = None  # when `unit_name` is a school's name: its pk (the page links its 一校一档)

    @property
    def school(self) -> dict[str, Any] | None:
        """The school the row names, for `{% school_link %}` (which decides whether the viewer gets a link)."""
        if self.school_id is None:
            return None
        return {"pk": self.school_id, "name": self.unit_name, "kind": UnitKind.SCHOOL.value}


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _school(unit: OrgUnit) -> int | None:
    return unit.pk if unit.kind == UnitKind.SCHOOL else None


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class _Described:
    unit_id: int | None  # whose head answers when the row names nobody
    row: DrillRow
    owner: User | None = None
    phone: str = ""


def _item(item: RectificationItem, today: dt.date) -> _Described:
    late = item.due_date < today and item.status != "closed"
    detail = f"整改时限 {item.due_date:%Y-%m-%d}{f'（已逾期 {(today - item.due_date).days} 天）' if late else ''}"
    detail += f" · {item.get_status_display()} · 进度 {item.progress}%"
    url = _url("rectification:item", item.pk)
    row = DrillRow(item.description, item.school.name, detail, url=url, is_late=late, school_id=item.school_id)
    return _Described(item.school_id, row, owner=item.owner)


def _submission(s: Submission, today: dt.date) -> _Described:
    deadline = s.period.deadline
    late = s.is_late or (s.status in ("pending", "draft", "returned") and deadline < timezone.now())
    detail = f"截止 {_local(deadline)} · {s.get_status_display()}{'（逾期）' if s.is_late else ''}"
    url = _url("directives:submission", s.pk)
    row = DrillRow(s.directive.title, s.unit.name, detail, url=url, is_late=late, school_id=_school(s.unit))
    return _Described(s.unit_id, row)


def _target(t: DirectiveTarget, today: dt.date) -> _Described:
    detail = f"截止 {_local(t.directive.deadline)} · 未签收"
    return _Described(
        t.unit_id,
        DrillRow(
            t.directive.title,
            t.unit.name,
            detail,
            url=_url("directives:detail", t.directive_id),
            school_id=_school(t.unit),
        ),
    )


def _checklist(t: Target, today: dt.date) -> _Described:
    percent = f"{float(t.score or 0) / float(t.max_score) * 100:.1f}%" if t.max_score else "—"
    detail = f"得分 {t.score}/{t.max_score}（得分率 {percent}）· 提交于 {_local(t.submitted_at)}"
    url = _url("inspections:round", t.inspection_id)
    return _Described(t.school_id, DrillRow(t.inspection.name, t.school.name, detail, url=url, school_id=t.school_id))


def _alert(a: Alert, today: dt.date) -> _Described:
    late = a.report_due_at < timezone.now()
    detail = f"{a.get_status_display()} · 报告时限 {_local(a.report_due_at)}"
    url = _url("health:alert", a.pk)
    row = DrillRow(a.title, a.school.name, detail, url=url, is_late=late, school_id=a.school_id)
    return _Described(a.school_id, row)


def _shift(s: DutyShift, today: dt.date) -> _Described:
    title = f"{s.get_role_display()} · {_local(s.starts_at)} 起"
    row = DrillRow(title, s.unit.name, "未签到", url=_url("duty:now"), is_late=True, school_id=_school(s.unit))
    return _Described(s.unit_id, row, owner=s.person, phone=s.phone)


def _unit(u: OrgUnit, today: dt.date) -> _Described:
    drilled = getattr(u, "drilled", None)
    detail = "" if drilled is None else ("本学期已演练" if drilled else "本学期未演练")
    # The unit column names the school (or district) above a class: filled in by `_where` for the page.
    return _Described(u.pk, DrillRow(u.name, "", detail, is_late=drilled is not True))


def _generic(row: Any, today: dt.date) -> _Described:
    """A row of a model this page does not know yet (a newly registered indicator): its name and its unit."""
    unit = next((getattr(row, name) for name in ("school", "unit", "klass") if hasattr(row, name)), None)
    return _Described(getattr(unit, "pk", None), DrillRow(str(row), getattr(unit, "name", "")))


def _where(units: list[OrgUnit]) -> dict[int, str]:
    """For unit rows (classes, schools): the name of the school or district above each, in one query."""
    wanted = {u.pk: [u.path[:n] for n in range(OrgUnit.steplen, len(u.path), OrgUnit.steplen)] for u in units}
    paths = {p for prefixes in wanted.values() for p in prefixes}
    heads = OrgUnit.objects.filter(path__in=paths, kind__in=(UnitKind.SCHOOL, UnitKind.DISTRICT))
    above = dict(heads.values_list("path", "name"))
    return {pk: next((above[p] for p in reversed(prefixes) if p in above), "") for pk, prefixes in wanted.items()}


DESCRIBERS: dict[type, Callable[[Any, dt.date], _Described]] = {
    RectificationItem: _item,
    Submission: _submission,
    DirectiveTarget: _target,
    Target: _checklist,
    Alert: _alert,
    DutyShift: _shift,
    OrgUnit: _unit,
}


def _counts(row: dict[str, Any]) -> _Described:
    """A counts-only row (case figures, receipts per class)."""
    if "notice_title" in row:
        pending = row["total"] - row["confirmed"]
        detail = f"未确认 {pending} 人次"
        if row["confirmed"]:
            detail += f" / 应确认 {row['total']}（知晓率 {100 * row['confirmed'] / row['total']:.1f}%）"
        url = _url("notices:class", row["notice_id"], row["klass_id"])
        where = f"{row['school_name']} · {row['klass_name']}" if row.get("school_name") else row["klass_name"]
        row_out = DrillRow(row["notice_title"], where, detail, url=url, is_late=pending > 0)
        return _Described(row["klass_id"], row_out)
    unit_id = row.get("klass_id") or row.get("school_id") or row.get("unit_id")
    name = row.get("klass_name") or row.get("school_name") or row.get("unit_name") or ""
    if "visited" in row:
        detail = f"在籍 {int(row['students'] or 0)} 人，已家访 {int(row['visited'] or 0)} 人"
    else:
        detail = f"个案 {row.get('cases', 0)} 人"
    school_id = row["school_id"] if row.get("school_id") and not row.get("klass_id") else None
    return _Described(unit_id, DrillRow(name, name, detail, school_id=school_id))


def _receipts_per_class(rows: QuerySet[Receipt]) -> QuerySet[Any]:
    """Receipts counted per notice and class, the classes with most parents still to confirm first."""
    return (
        rows.order_by()
        .values("notice_id", "klass_id", "school_id", notice_title=F("notice__title"), klass_name=F("klass__name"))
        .annotate(total=Count("*"), confirmed=Count("confirmed_at"), pending=Count("id", filter=Q(confirmed_at=None)))
        .order_by("-pending", "notice_id", "klass__path")
    )


def _with_school_names(rows: list[Any]) -> list[Any]:
    """Per-class receipt counts name their school too (a class name alone is ambiguous above a school)."""
    ids = {r["school_id"] for r in rows if isinstance(r, dict) and "notice_title" in r}
    if not ids:
        return rows
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [{**r, "school_name": names.get(r["school_id"], "")} if isinstance(r, dict) else r for r in rows]


def _heads(unit_ids: set[int]) -> dict[int, RoleAssignment]:
    """The head of each unit (the first of HEADS found on it): one query."""
    found: dict[int, RoleAssignment] = {}
    assignments = (
        RoleAssignment.objects.filter(unit_id__in=unit_ids, role__in=HEADS)
        .select_related("user")
        .order_by("unit_id", "id")
    )
    for a in sorted(assignments, key=lambda a: (a.unit_id, HEADS.index(Role(a.role)), a.pk)):
        found.setdefault(a.unit_id, a)
    return found


@dataclass(frozen=True)
class DrillPage:
    indicator: Indicator
    unit: OrgUnit
    start: dt.date
    end: dt.date
    page: Page  # items: DrillRow
    module_url: str


def drill_page(
    user: User,
    indicator: Indicator,
    unit: OrgUnit,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    page: object = 1,
    page_size: object = DEFAULT_PAGE_SIZE,
) -> DrillPage:
    """One page of the rows behind `indicator` for `unit` (404 outside the viewer's scope), described."""
    start, end = selectors.period(start, end)
    drilled = selectors.drill(user, indicator, unit, start, end)
    rows: Any = drilled.rows
    if isinstance(rows, QuerySet) and rows.model is Receipt:
        rows = _receipts_per_class(rows)
    if isinstance(rows, QuerySet) and not rows.query.values_select:
        shown = paginate(rows, page=page, page_size=page_size)
    else:
        size = parse_int(page_size, DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
        number = parse_int(page, 1, low=1, high=10**6)
        first = (number - 1) * size
        if isinstance(rows, QuerySet):  # per-school or per-class counts
            shown = Page(items=list(rows[first : first + size]), count=rows.count(), page=number, page_size=size)
        else:
            listed = list(rows)
            shown = Page(items=listed[first : first + size], count=len(listed), page=number, page_size=size)
    today = timezone.localdate()
    listed = _with_school_names(shown.items)
    described = [_counts(r) if isinstance(r, dict) else DESCRIBERS.get(type(r), _generic)(r, today) for r in listed]
    where = _where([r for r in listed if isinstance(r, OrgUnit)])
    heads = _heads({d.unit_id for d in described if d.unit_id is not None and d.owner is None})
    items = []
    for d in described:
        owner, role, phone = d.owner, "责任人", d.phone
        if owner is None and d.unit_id in heads:
            head = heads[d.unit_id]
            owner, role = head.user, HEAD_LABELS.get(Role(head.role), "")
        items.append(
            DrillRow(
                d.row.title,
                d.row.unit_name or where.get(d.unit_id or 0, "") or d.row.title,
                d.row.detail or indicator.name,
                owner=owner.display_name if owner is not None else "",
                owner_role=role if owner is not None else "",
                phone=phone or (owner.phone if owner is not None else ""),
                url=d.row.url,
                is_late=d.row.is_late,
                school_id=d.row.school_id,
            )
        )
    return DrillPage(indicator, unit, start, end, Page(items, shown.count, shown.page, shown.page_size), drilled.url)
