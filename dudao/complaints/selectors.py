"""Reads of 投诉与建议: scoped lists and details, routing choices, home counts and the statistics page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from dudao.accounts.models import User
from dudao.complaints.models import (
    AWAITING_REPLY,
    Category,
    Complaint,
    ComplaintQuerySet,
    ComplaintStep,
    Rating,
    Status,
)
from dudao.complaints.services.handling import ROUTE_KINDS
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can

BOXES = {"mine": "本单位承办", "all": "全部"}


def scope_unit(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    return assignment.unit if assignment is not None else None


def complaints_for(user: User, action: str = "read") -> ComplaintQuerySet:
    qs: ComplaintQuerySet = Complaint.objects.for_user(user, action)
    return qs.select_related("unit", "intake_unit")


def complaint_list(
    user: User,
    *,
    box: str = "all",
    status: str = "",
    category: str = "",
    unit: OrgUnit | None = None,
    q: str = "",
) -> ComplaintQuerySet:
    """Items in scope; `status` is a stored status or "overdue" (awaiting a reply after the deadline)."""
    qs = complaints_for(user)
    acting = scope_unit(user)
    if box == "mine" and acting is not None:
        qs = qs.filter(unit=acting)
    if status == "overdue":
        qs = qs.overdue()
    elif status == "open":
        qs = qs.open()
    elif status in Status.values:
        qs = qs.filter(status=status)
    if category in Category.values:
        qs = qs.filter(category=category)
    if unit is not None:
        qs = qs.filter(unit__path__under=unit.path)
    q = (q or "").strip()
    if q:
        number = q.upper().removeprefix("TS")
        year, _, seq = number.partition("-")
        if year.isdigit() and seq.isdigit() and len(year) == 4 and len(seq) < 10:
            qs = qs.filter(year=int(year), seq=int(seq))
        else:
            qs = qs.filter(Q(title__contains=q) | Q(about__contains=q) | Q(external_no=q))
    return qs.order_by("-received_at", "-id")


def complaint_detail(user: User, pk: int) -> Complaint | None:
    return complaints_for(user).select_related("routed_by", "replied_by", "received_by").filter(pk=pk).first()


def steps(complaint: Complaint) -> list[ComplaintStep]:
    return list(complaint.steps.select_related("actor", "unit").prefetch_related("files"))


def step_file(complaint: Complaint, file_pk: int) -> Any:
    for step in complaint.steps.prefetch_related("files"):
        for stored in step.files.all():
            if stored.pk == file_pk:
                return stored
    return None


def public_item(pk: int) -> Complaint | None:
    """For the tracking page (the token was checked first)."""
    return Complaint.objects.select_related("unit").filter(pk=pk).first()


def public_steps(complaint: Complaint) -> list[ComplaintStep]:
    """What the complainant is shown: receipt, routing, the accepted answer and their own ratings — never the
    unit's unaccepted replies nor the office's internal notes."""
    shown = []
    for step in complaint.steps.all():
        if step.kind in ("received", "routed", "answered", "rated", "reopened", "closed"):
            shown.append(step)
    return shown


def route_choices(user: User) -> list[OrgUnit]:
    """Open schools, district bureaus and offices in the router's scope, in tree order."""
    unit = scope_unit(user)
    if unit is None:
        return []
    return list(
        OrgUnit.objects.filter(path__under=unit.path, depth__gt=unit.depth, kind__in=list(ROUTE_KINDS), is_closed=False)
        .only("id", "name", "kind", "path", "depth")
        .order_by("path")
    )


def route_target(user: User, pk: int) -> OrgUnit | None:
    unit = scope_unit(user)
    if unit is None:
        return None
    return OrgUnit.objects.filter(pk=pk, path__under=unit.path).first()


def may_handle(user: User) -> bool:
    return can(user, "complaint.handle")


# ---- home ----


@dataclass(frozen=True)
class HomeCounts:
    to_route: int
    to_accept: int
    to_reply: int
    overdue_to_reply: int
    overdue_below: int


def home_counts(user: User, unit: OrgUnit) -> HomeCounts:
    today = timezone.localdate()
    qs = Complaint.objects.for_user(user, "read")
    mine = qs.filter(unit=unit, status__in=AWAITING_REPLY)
    office = can(user, "complaint.handle")
    return HomeCounts(
        to_route=qs.filter(status=Status.RECEIVED).count() if office else 0,
        to_accept=qs.filter(status=Status.REPLIED).count() if office else 0,
        to_reply=mine.count(),
        overdue_to_reply=mine.filter(deadline__lt=today).count(),
        overdue_below=qs.overdue(today).exclude(unit=unit).count(),
    )


# ---- statistics ----


@dataclass(frozen=True)
class Rates:
    total: int
    replied: int
    on_time: int
    rated: int
    satisfied: int

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.replied, 1) if self.replied else None

    @property
    def satisfaction_rate(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None


def _rates(**aggregated: int) -> Rates:
    return Rates(
        total=int(aggregated.get("total") or 0),
        replied=int(aggregated.get("replied") or 0),
        on_time=int(aggregated.get("on_time") or 0),
        rated=int(aggregated.get("rated") or 0),
        satisfied=int(aggregated.get("satisfied") or 0),
    )


_MEASURES: dict[str, Any] = {
    "total": Count("id"),
    "replied": Count("id", filter=Q(first_replied_on__isnull=False)),
    "on_time": Count("id", filter=Q(first_replied_on__isnull=False, first_replied_on__lte=F("deadline"))),
    "rated": Count("id", filter=~Q(rating="")),
    "satisfied": Count("id", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY])),
}


@dataclass(frozen=True)
class Statistics:
    year: int
    overall: Rates
    by_category: list[tuple[str, Rates]]
    by_unit: list[tuple[OrgUnit, Rates]]
    by_month: list[tuple[int, Rates]]


def statistics(user: User, year: int) -> Statistics:
    """The year's items in scope by category, by child unit of the viewer's unit (the school, district or office
    that answered, rolled up) and by month received, with on-time reply and satisfaction rates. Four GROUP BYs."""
    qs = Complaint.objects.for_user(user, "read").filter(year=year)
    overall = _rates(**qs.aggregate(**_MEASURES))
    labels = dict(Category.choices)
    by_category = {row["category"]: row for row in qs.values("category").annotate(**_MEASURES)}
    categories = [
        (labels[c], _rates(**{k: v for k, v in by_category[c].items() if k != "category"}))
        for c in Category.values
        if c in by_category
    ]
    months = {
        row["month"]: row
        for row in qs.annotate(month=ExtractMonth("received_at")).values("month").annotate(**_MEASURES)
    }
    by_month = [(m, _rates(**{k: v for k, v in months[m].items() if k != "month"})) for m in sorted(months)]
    units: list[tuple[OrgUnit, Rates]] = []
    root = scope_unit(user)
    if root is not None:
        children = list(OrgUnit.objects.filter(path__under=root.path, depth=root.depth + 1).order_by("path"))
        step = len(root.path) + OrgUnit.steplen
        sums: dict[str, dict[str, int]] = {}
        for row in qs.values("unit__path").annotate(**_MEASURES):
            prefix = row["unit__path"][:step]
            into = sums.setdefault(prefix, dict.fromkeys(_MEASURES, 0))
            for key in _MEASURES:
                into[key] += int(row[key] or 0)
        units = [(child, _rates(**sums[child.path])) for child in children if child.path in sums]
        units.sort(key=lambda pair: -pair[1].total)
        # Items still at the bureau itself (waiting to be routed, closed there as duplicates) come last.
        if root.path in sums:
            units.append((root, _rates(**sums[root.path])))
    return Statistics(year=year, overall=overall, by_category=categories, by_unit=units, by_month=by_month)
