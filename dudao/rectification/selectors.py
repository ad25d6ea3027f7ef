"""Ledger reads: scoped item lists with the ledger's filters, counts by area × status, 日结日清 and the board."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.models import StoredFile
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can, scope_root_path
from dudao.rectification.models import (
    ItemPhoto,
    ItemSource,
    ItemStatus,
    PhotoStage,
    PublicPosting,
    RecheckStatus,
    RectificationItem,
    Reminder,
)


def items_for(user: User, action: str = "read") -> QuerySet[RectificationItem]:
    """Items in scope, plus the user's own items. Items belong to schools: someone acting for a grade or a class
    (a class teacher) reads the whole school's ledger, which hangs on the school's wall anyway."""
    root = scope_root_path(user, f"rectification.{action}")
    if root is None:
        return RectificationItem.objects.none()
    if action == "read":
        root = _school_path(root)
    in_scope = Q(school__path__under=root)
    # An OR across two tables keeps both databases off the path index (measured 2-3x slower at city scale),
    # so the owner's branch is added only for the rare person who owns an item outside their scope.
    if RectificationItem.objects.filter(owner_id=user.pk).exclude(in_scope).exists():
        return RectificationItem.objects.filter(in_scope | Q(owner_id=user.pk))
    return RectificationItem.objects.filter(in_scope)


def _school_path(path: str) -> str:
    """The path of the school a grade or class lies in; other paths unchanged."""
    ancestors = [path[:i] for i in range(OrgUnit.steplen, len(path), OrgUnit.steplen)]
    school = OrgUnit.objects.filter(path__in=ancestors, kind=UnitKind.SCHOOL).values_list("path", flat=True).first()
    return school or path


RECHECK_FILTERS = {
    "drawn": "抽中复核的",
    RecheckStatus.PENDING.value: "待区县复核",
    RecheckStatus.CONFIRMED.value: "复核通过",
    RecheckStatus.REOPENED.value: "复核退回",
}


@dataclass
class LedgerFilters:
    inspection: int | None = None
    status: str = ""
    overdue: bool | None = None
    category: str = ""
    owner: int | None = None
    unassigned: bool = False
    unit: OrgUnit | None = None
    q: str = ""
    source: str = ""
    recheck: str = ""  # a RecheckStatus, or "drawn" for every item drawn for the district's spot check

    @classmethod
    def from_params(cls, params: Any, units: QuerySet[OrgUnit]) -> LedgerFilters:
        def number(key: str) -> int | None:
            value = str(params.get(key) or "").strip()
            # Ids fit in a signed 64-bit column; anything longer is no id at all.
            return int(value) if value.isdigit() and len(value) <= 18 else None

        overdue_raw = str(params.get("overdue") or "")
        unit_id = number("unit") or number("school")
        return cls(
            inspection=number("inspection"),
            status=str(params.get("status") or "") if params.get("status") in ItemStatus.values else "",
            overdue=True
            if overdue_raw in ("1", "true", "yes")
            else False
            if overdue_raw in ("0", "false", "no")
            else None,
            category=str(params.get("category") or "").strip()[:100],
            owner=number("owner"),
            unassigned=params.get("unassigned") in ("1", "true", "yes"),
            unit=units.filter(pk=unit_id).first() if unit_id else None,
            q=str(params.get("q") or "").strip()[:50],
            source=str(params.get("source") or "") if params.get("source") in ItemSource.values else "",
            recheck=str(params.get("recheck") or "") if params.get("recheck") in RECHECK_FILTERS else "",
        )

    @property
    def is_empty(self) -> bool:
        return self == LedgerFilters()


def ledger(user: User, filters: LedgerFilters, today: dt.date | None = None) -> QuerySet[RectificationItem]:
    today = today or timezone.localdate()
    qs = items_for(user)
    if filters.unit is not None:
        qs = qs.filter(school__path__under=filters.unit.path)
    if filters.inspection:
        qs = qs.filter(inspection_id=filters.inspection)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue is True:
        qs = qs.exclude(status=ItemStatus.CLOSED).filter(due_date__lt=today)
    elif filters.overdue is False:
        qs = qs.filter(Q(status=ItemStatus.CLOSED) | Q(due_date__gte=today))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True).exclude(status=ItemStatus.CLOSED)
    if filters.q:
        qs = qs.filter(Q(description__contains=filters.q) | Q(school__name__contains=filters.q))
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.recheck == "drawn":
        qs = qs.exclude(recheck_status=RecheckStatus.NONE)
    elif filters.recheck:
        qs = qs.filter(recheck_status=filters.recheck)
    return qs


def recheck_queue(user: User) -> QuerySet[RectificationItem]:
    """抽查复核: 自查 close-outs the school verified itself and the draw picked, waiting for the district — those
    in the user's verify scope, oldest close-out first."""
    return (
        items_for(user, "verify")
        .filter(recheck_status=RecheckStatus.PENDING, status=ItemStatus.CLOSED)
        .select_related("school", "owner", "closed_by")
        .order_by("closed_at", "id")
    )


def owns_open_items(user: User) -> bool:
    return RectificationItem.objects.filter(owner_id=user.pk).exclude(status=ItemStatus.CLOSED).exists()


def before_photos(item: RectificationItem) -> list[StoredFile]:
    """The pictures of the problem as found: the inspector's, or those attached when it was raised."""
    files = list(item.finding.photos.all())
    files += [p.file for p in ItemPhoto.objects.filter(item=item, stage=PhotoStage.BEFORE).select_related("file")]
    return files


def latest_after_photos(item: RectificationItem) -> list[StoredFile]:
    """The "after" pictures of the latest close-out request, for the verifier's side-by-side view."""
    photos = ItemPhoto.objects.filter(item=item, stage=PhotoStage.AFTER).select_related("file", "step")
    latest = photos.order_by("-step_id").values_list("step_id", flat=True).first()
    return [p.file for p in photos.filter(step_id=latest).order_by("id")] if latest else []


def with_rows(qs: QuerySet[RectificationItem]) -> QuerySet[RectificationItem]:
    return qs.select_related("school", "owner", "inspection")


def categories(user: User) -> list[str]:
    return list(items_for(user).order_by().values_list("category", flat=True).distinct()[:200])


@dataclass
class AreaCounts:
    unit: OrgUnit
    by_status: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def closed(self) -> int:
        return self.by_status.get(ItemStatus.CLOSED, 0)

    @property
    def close_rate(self) -> float:
        return round(100 * self.closed / self.total, 1) if self.total else 0.0


def counts_by_area(
    user: User, qs: QuerySet[RectificationItem] | None = None, today: dt.date | None = None
) -> list[AreaCounts]:
    """Items by status for each unit one level below the user's scope root (districts for the city)."""
    root = scope_root_path(user, "rectification.read")
    if root is None:
        return []
    today = today or timezone.localdate()
    qs = items_for(user) if qs is None else qs
    width = len(root) + OrgUnit.steplen
    rows = (
        qs.order_by()
        .annotate(area=Substr("school__path", 1, width))
        .values("area", "status")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_date__lt=today) & ~Q(status=ItemStatus.CLOSED)))
    )
    by_area: dict[str, dict[str, int]] = defaultdict(dict)
    late: dict[str, int] = defaultdict(int)
    for row in rows:
        by_area[row["area"]][row["status"]] = row["n"]
        late[row["area"]] += row["late"]
    # Every district below the scope root is listed, a district without problems with zeros: 分区统计 names
    # all of them, not only those that appear. Other units (direct schools, offices) appear when they have items.
    listed = Q(path__in=list(by_area)) | Q(
        path__startswith=root, depth=len(root) // OrgUnit.steplen + 1, kind=UnitKind.DISTRICT, is_closed=False
    )
    units = {u.path: u for u in OrgUnit.objects.filter(listed)}
    result = [AreaCounts(unit, by_area.get(path, {}), late.get(path, 0)) for path, unit in units.items()]
    return sorted(result, key=lambda a: a.unit.path)


@dataclass
class DayRow:
    school: OrgUnit
    found: int
    closed: int
    still_open: int


def day_summary(user: User, day: dt.date, unit: OrgUnit | None = None) -> list[DayRow]:
    """日结日清: per school, problems found and closed on the day, and those still open."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    qs = items_for(user)
    if unit is not None:
        qs = qs.filter(school__path__under=unit.path)
    rows = (
        qs.order_by()
        .values("school_id")
        .annotate(
            found=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
            closed=Count("id", filter=Q(closed_at__gte=start, closed_at__lt=end)),
            # Open at the end of that day: found by then and not closed by then (right for past days too).
            still_open=Count("id", filter=Q(created_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))),
        )
        .filter(Q(found__gt=0) | Q(closed__gt=0) | Q(still_open__gt=0))
    )
    data = list(rows)
    schools = OrgUnit.objects.in_bulk([r["school_id"] for r in data])
    result = [DayRow(schools[r["school_id"]], r["found"], r["closed"], r["still_open"]) for r in data]
    return sorted(result, key=lambda r: (-r.still_open, -r.found, r.school.path))


BOARD_COLUMNS = [
    ("overdue", "已逾期", "danger"),
    ("today", "今天到期", "warning"),
    ("week", "7 天内到期", "info"),
    ("later", "7 天以后", "secondary"),
    ("review", "待验收", "primary"),
    ("closed", "已销号", "success"),
]


def board_column(item: RectificationItem, today: dt.date) -> str:
    if item.status == ItemStatus.CLOSED:
        return "closed"
    if item.status == ItemStatus.AWAITING_VERIFICATION:
        return "review"
    if item.due_date < today:
        return "overdue"
    if item.due_date == today:
        return "today"
    return "week" if item.due_date <= today + dt.timedelta(days=7) else "later"


def board_columns(
    qs: QuerySet[RectificationItem], today: dt.date, *, limit: int
) -> tuple[dict[str, list[RectificationItem]], dict[str, int]]:
    """挂图作战: the first 2,000 items by due date in their columns (at most `limit` shown in each), and how many
    fall in each column."""
    columns: dict[str, list[RectificationItem]] = {key: [] for key, _, _ in BOARD_COLUMNS}
    counts = dict.fromkeys(columns, 0)
    for item in qs.select_related("school", "owner").order_by("due_date", "id")[:2000]:
        key = board_column(item, today)
        counts[key] += 1
        if len(columns[key]) < limit:
            columns[key].append(item)
    return columns, counts


def burn_down(qs: QuerySet[RectificationItem], start: dt.date, end: dt.date, today: dt.date) -> dict[str, Any]:
    """Open items at the end of each day from `start` to `end` (actual up to today), with the ideal line to zero."""
    tz = timezone.get_current_timezone()
    events: dict[dt.date, int] = defaultdict(int)
    for created_at, closed_at in qs.order_by().values_list("created_at", "closed_at").iterator(chunk_size=5000):
        events[created_at.astimezone(tz).date()] += 1
        if closed_at is not None:
            events[closed_at.astimezone(tz).date()] -= 1
    days = max(1, (end - start).days)
    labels: list[str] = []
    actual: list[int | None] = []
    counts: list[int] = []
    running = sum(n for d, n in events.items() if d < start)
    for offset in range(days + 1):
        day = start + dt.timedelta(days=offset)
        running += events.get(day, 0)
        counts.append(running)
        labels.append(f"{day:%m-%d}")
        actual.append(running if day <= today else None)
    # The plan: from the most problems on the board so far, straight down to zero on the last day.
    known = [n for n, a in zip(counts, actual, strict=True) if a is not None] or counts[:1]
    first = known.index(max(known)) if max(known) > 0 else None
    ideal: list[float | None] = [None] * len(counts)
    if first is not None:
        span = max(1, days - first)
        ideal[first:] = [round(counts[first] * (1 - (i - first) / span), 1) for i in range(first, days + 1)]
    return {"labels": labels, "actual": actual, "ideal": ideal}


def live_posting(school: OrgUnit) -> PublicPosting | None:
    return PublicPosting.objects.filter(school=school, revoked_at__isnull=True).first()


def posting_by_token(token: str) -> PublicPosting | None:
    """The public page's only lookup: a live token, or nothing (revoked and unknown look the same)."""
    if not token or len(token) > 64:
        return None
    return PublicPosting.objects.filter(token=token, revoked_at__isnull=True).select_related("school").first()


def public_items(school: OrgUnit) -> QuerySet[RectificationItem]:
    """Open items first, soonest deadline first; closed ones last."""
    is_closed = Case(When(status=ItemStatus.CLOSED, then=Value(1)), default=Value(0))
    return RectificationItem.objects.filter(school=school).select_related("owner").order_by(is_closed, "due_date", "id")


def owner_candidates(school: OrgUnit) -> QuerySet[Any]:
    """People who can own an item of the unit. At a school: active, holding a role there (or on one of its
    classes) that lets them report progress. At a district bureau or an office: active people who belong to it
    (a role held on the unit, or the unit as their home unit). The same rule `services.assign` enforces."""
    from dudao.orgs.models import RoleAssignment
    from dudao.orgs.roles import PERMISSIONS, UNIT_HEADS

    if school.kind != UnitKind.SCHOOL:
        on_unit = RoleAssignment.objects.filter(unit=school, role__in=UNIT_HEADS).values("user_id")
        heads = RoleAssignment.objects.filter(role__in=UNIT_HEADS).values("user_id")
        return User.objects.filter(Q(unit=school, pk__in=heads) | Q(pk__in=on_unit), is_active=True).order_by(
            "full_name", "pk"
        )

    holders = RoleAssignment.objects.filter(
        unit__path__under=school.path, role__in=PERMISSIONS["rectification.progress"]
    ).values("user_id")
    return User.objects.filter(is_active=True, pk__in=holders).order_by("full_name", "pk")


def item_photo(item: RectificationItem, file_pk: int) -> StoredFile | None:
    """A before (finding) or after/progress photo of `item`, or None if the file is no photo of it."""
    ids = set(ItemPhoto.objects.filter(item=item).values_list("file_id", flat=True))
    ids |= set(item.finding.photos.values_list("pk", flat=True))
    return StoredFile.objects.filter(pk=file_pk).first() if file_pk in ids else None


def reminders_of(user: User) -> QuerySet[Reminder]:
    """A person's own reminders, newest first; they name items the person owns or heads."""
    return Reminder.objects.filter(recipient=user).order_by("read_at", "-created_at", "-id")


def unread_reminders(user: User) -> QuerySet[Reminder]:
    return reminders_of(user).filter(read_at__isnull=True)


def raisable_sources(user: User) -> list[tuple[str, str]]:
    """The sources the person may raise problems from: a school its own 自查, bureau and district staff the rest."""
    if can(user, "rectification.import"):
        return [(v, label) for v, label in ItemSource.choices if v != ItemSource.SELF_CHECK]
    if can(user, "rectification.assign"):
        assignment = acting_assignment(user)
        if assignment is not None and assignment.unit.kind == UnitKind.SCHOOL:
            return [(ItemSource.SELF_CHECK.value, ItemSource.SELF_CHECK.label)]
    return []


def raisable_units(user: User) -> list[tuple[str, list[tuple[int, str]]]]:
    """The units the person may raise problems against, grouped for the picker: the district bureaus and
    offices first, then each district's schools (one query; a city's 1,500 schools are one page of options)."""
    assignment = acting_assignment(user)
    if assignment is None or not raisable_sources(user):
        return []
    if not can(user, "rectification.import"):
        return [("本校", [(assignment.unit.pk, assignment.unit.name)])]
    from dudao.rectification.rules import RESPONSIBLE_KINDS

    units = list(
        OrgUnit.objects.filter(path__under=assignment.unit.path, kind__in=RESPONSIBLE_KINDS, is_closed=False)
        .order_by("path")
        .only("pk", "name", "path", "kind")
    )
    names = {u.path: u.name for u in units if u.kind != UnitKind.SCHOOL}
    groups: dict[str, list[tuple[int, str]]] = {"区县教育局": [], "科室": []}
    for unit in units:
        if unit.kind == UnitKind.DISTRICT:
            groups["区县教育局"].append((unit.pk, unit.name))
        elif unit.kind == UnitKind.OFFICE:
            owner = names.get(unit.path[: -OrgUnit.steplen], "")
            groups["科室"].append((unit.pk, f"{owner} {unit.name}".strip() if owner else unit.name))
        else:
            district = next(
                (names[p] for p in (unit.path[:i] for i in range(len(unit.path), 0, -OrgUnit.steplen)) if p in names),
                "市直属",
            )
            groups.setdefault(f"{district} 学校", []).append((unit.pk, unit.name))
    return [(label, choices) for label, choices in groups.items() if choices]
