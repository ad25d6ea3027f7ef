"""Reads for notices, all scoped: which notices a person sees, receipts in their scope, and 知晓率 roll-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from dudao.accounts.models import User
from dudao.notices.models import GuardianLink, Notice, NoticeSchool, NoticeStatus, OutboxMessage, Receipt
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, scope_root_path


def _ancestors(path: str) -> list[str]:
    step = OrgUnit.steplen
    return [path[:i] for i in range(step, len(path), step)]


def notices_for(user: User) -> QuerySet[Notice]:
    """Notices issued in the user's subtree, and notices that reached it: a school (or a class inside it)
    sees a city notice as its own task."""
    root = scope_root_path(user, "notice.read")
    if root is None:
        return Notice.objects.none()
    reached = NoticeSchool.objects.filter(notice=OuterRef("pk"))
    where: Any = Q(issuer__path__under=root) | Exists(reached.filter(school__path__under=root))
    ancestors = _ancestors(root)
    if ancestors:
        # Below a school (grade, class): the notice must reach students there.
        inner = Receipt.objects.filter(notice=OuterRef("pk"), klass__path__under=root)
        school_reached = Exists(reached.filter(school__path__in=ancestors))
        where |= school_reached & Exists(inner)
    return Notice.objects.filter(where).select_related("issuer")


def scope_unit(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    return assignment.unit if assignment is not None else None


def receipt_filter(unit: OrgUnit) -> Q:
    """Receipts under a unit, through the denormalised ids (no join) where the unit kind allows."""
    if unit.kind == UnitKind.DISTRICT:
        return Q(district_id=unit.pk)
    if unit.kind == UnitKind.SCHOOL:
        return Q(school_id=unit.pk)
    if unit.kind == UnitKind.GRADE:
        return Q(grade_id=unit.pk)
    if unit.kind == UnitKind.CLASS:
        return Q(klass_id=unit.pk)
    if unit.kind == UnitKind.BUREAU and unit.depth == 1:
        return Q()
    return Q(klass__path__under=unit.path)


def receipts_for(user: User, notice: Notice) -> QuerySet[Receipt]:
    return Receipt.objects.for_user(user, "read").filter(notice=notice)


@dataclass
class RateRow:
    unit_id: int
    name: str
    kind: str
    total: int = 0
    confirmed: int = 0
    children: list[RateRow] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.total - self.confirmed

    @property
    def rate(self) -> float:
        return round(100.0 * self.confirmed / self.total, 1) if self.total else 0.0


@dataclass
class Rates:
    unit: OrgUnit
    total: int
    confirmed: int
    rows: list[RateRow]

    @property
    def rate(self) -> float:
        return round(100.0 * self.confirmed / self.total, 1) if self.total else 0.0

    @property
    def pending(self) -> int:
        return self.total - self.confirmed


def rates(notice: Notice | int, unit: OrgUnit) -> Rates:
    """知晓率 at `unit` and one level of children (districts and direct schools for the city, schools for a
    district, classes grouped by grade for a school or grade). One GROUP BY over the receipts, plus one
    lookup of the child units' names."""
    notice_id = notice if isinstance(notice, int) else notice.pk
    base = Receipt.objects.filter(receipt_filter(unit), notice_id=notice_id)
    keys: tuple[str, ...]
    if unit.kind == UnitKind.BUREAU:
        keys = ("district_id", "school_id")
    elif unit.kind == UnitKind.DISTRICT:
        keys = ("school_id",)
    elif unit.kind in (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE):
        keys = ("grade_id", "klass_id")
    else:
        keys = ()
    if not keys:
        counts = base.aggregate(total=Count("id"), confirmed=Count("confirmed_at"))
        return Rates(unit, counts["total"], counts["confirmed"], [])
    grouped = list(base.order_by().values(*keys).annotate(total=Count("id"), confirmed=Count("confirmed_at")))
    ids = {g[k] for g in grouped for k in keys if g[k] is not None}
    names = {
        pk: (name, kind) for pk, name, kind in OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name", "kind")
    }
    rows: dict[int, RateRow] = {}
    for g in grouped:
        parent_key = g[keys[0]] if len(keys) == 2 and g[keys[0]] is not None else g[keys[-1]]
        if unit.kind == UnitKind.BUREAU and g["district_id"] is None:
            parent_key = g["school_id"]
        row = rows.get(parent_key)
        if row is None:
            name, kind = names.get(parent_key, ("（未分组）", ""))
            row = rows[parent_key] = RateRow(parent_key, name, kind)
        row.total += g["total"]
        row.confirmed += g["confirmed"]
        if len(keys) == 2 and parent_key != g[keys[-1]]:
            child_id = g[keys[-1]]
            name, kind = names.get(child_id, ("", ""))
            row.children.append(RateRow(child_id, name, kind, g["total"], g["confirmed"]))
    ordered = sorted(rows.values(), key=lambda r: r.name)
    for row in ordered:
        row.children.sort(key=lambda r: r.name)
    total = sum(r.total for r in ordered)
    confirmed = sum(r.confirmed for r in ordered)
    return Rates(unit, total, confirmed, ordered)


def rates_by_notice(notice_ids: list[int], unit: OrgUnit) -> dict[int, tuple[int, int]]:
    """(total, confirmed) per notice under `unit`, for a list page: one query."""
    rows = (
        Receipt.objects.filter(receipt_filter(unit), notice_id__in=notice_ids)
        .order_by()
        .values("notice_id")
        .annotate(total=Count("id"), confirmed=Count("confirmed_at"))
    )
    return {r["notice_id"]: (r["total"], r["confirmed"]) for r in rows}


def list_rows(notices: list[Notice], unit: OrgUnit) -> list[tuple[Notice, int, int, float | None]]:
    """The list page: (notice, receipts under `unit`, confirmed, 知晓率 % or None without receipts)."""
    counts = rates_by_notice([n.pk for n in notices], unit)
    rows = []
    for notice in notices:
        total, confirmed = counts.get(notice.pk, (0, 0))
        rows.append((notice, total, confirmed, round(100.0 * confirmed / total, 1) if total else None))
    return rows


def links_for(user: User, notice: Notice) -> QuerySet[GuardianLink]:
    """Guardian links of the notice's receipts the user may read."""
    return GuardianLink.objects.filter(receipt__in=receipts_for(user, notice))


def class_receipts(notice: Notice, klass: OrgUnit) -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(notice=notice, klass=klass)
        .select_related("student", "confirmed_by", "link__guardian")
        .prefetch_related("links__guardian")
        .order_by("student__name", "id")
    )


def status_counts(user: User) -> dict[str, int]:
    """How many notices the user sees in each status, for the list's filter tabs: one GROUP BY."""
    rows = notices_for(user).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


@dataclass
class GuardianRow:
    """One guardian of one child on a class page: who, how to reach them, and where their link stands."""

    receipt: Receipt
    link: GuardianLink | None
    guardian_name: str
    relation: str
    phone: str
    sms_at: Any = None

    @property
    def student_name(self) -> str:
        return self.receipt.student.name

    @property
    def state(self) -> str:
        if self.receipt.confirmed_at is not None:
            return "已确认"
        if self.link is not None and self.link.opened_at is not None:
            return "已打开，未确认"
        if self.sms_at is not None:
            return "已发短信，未打开"
        return "未打开"


def guardian_rows(receipts: list[Receipt]) -> list[GuardianRow]:
    """One row per live guardian link of the receipts (a child without a registered guardian gets one row
    without a link), with the time of the last SMS sent through each link. One query beyond the receipts'."""
    rows: list[GuardianRow] = []
    for receipt in receipts:
        links = [link for link in receipt.links.all() if link.revoked_at is None]
        if not links:
            rows.append(GuardianRow(receipt, None, "未登记监护人", "", ""))
        for link in links:
            guardian = link.guardian
            rows.append(GuardianRow(receipt, link, guardian.name, guardian.get_relation_display(), guardian.phone))
    link_ids = [row.link.pk for row in rows if row.link is not None]
    if link_ids:
        last = dict(
            OutboxMessage.objects.filter(link_id__in=link_ids)
            .order_by()
            .values("link_id")
            .annotate(at=Max("created_at"))
            .values_list("link_id", "at")
        )
        for row in rows:
            if row.link is not None:
                row.sms_at = last.get(row.link.pk)
    return rows


def live_notices(user: User) -> QuerySet[Notice]:
    return notices_for(user).filter(status=NoticeStatus.SENT)
