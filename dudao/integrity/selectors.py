"""What of the 党风廉政 records a user may see: `integrity.read` on the subtree of the acting assignment's unit.

A leader named on a 一岗双责 list reads that list whatever the role (`own_duty_lists`); nothing else of this app
reaches anyone without `integrity.read`. Every detail read is logged (`log_view`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dudao.accounts.models import User
from dudao.audit.services import record_access
from dudao.integrity.models import DutyList, MajorMatter, SpotCheck, SpotFinding, Talk, TalkKind
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can, scope_root_path

# Units a spot check may target: the bureau's offices, district bureaus and schools (not grades or classes).
TARGET_KINDS = (UnitKind.BUREAU, UnitKind.OFFICE, UnitKind.DISTRICT, UnitKind.SCHOOL)
PEOPLE_SHOWN = 20


def require_read(user: User | AnonymousUser) -> None:
    """404 (not 403) for every role without `integrity.read`: the records' existence is itself confidential."""
    if not can(user, "integrity.read"):
        raise Http404("页面不存在")


def duty_lists_for(user: User | AnonymousUser) -> QuerySet[DutyList]:
    return DutyList.objects.for_user(user).select_related("unit", "leader", "issued_by")


def own_duty_lists(user: User) -> QuerySet[DutyList]:
    return DutyList.objects.filter(leader=user).select_related("unit", "leader", "issued_by")


def talks_for(user: User | AnonymousUser) -> QuerySet[Talk]:
    return Talk.objects.for_user(user).select_related("unit", "talker", "subject", "recorded_by")


def checks_for(user: User | AnonymousUser) -> QuerySet[SpotCheck]:
    return SpotCheck.objects.for_user(user).select_related("unit", "created_by")


def findings_for(user: User | AnonymousUser) -> QuerySet[SpotFinding]:
    return SpotFinding.objects.for_user(user).select_related(
        "spot_check", "target__target_unit", "target__target_user", "photo", "recorded_by"
    )


def matters_for(user: User | AnonymousUser) -> QuerySet[MajorMatter]:
    return MajorMatter.objects.for_user(user).select_related("unit", "recorded_by")


def people(user: User | AnonymousUser, q: str = "", *, permission: str = "integrity.read") -> QuerySet[User]:
    """Active accounts whose home unit lies in the user's scope; `q` matches the account name or the name."""
    root = scope_root_path(user, permission)
    if root is None:
        return User.objects.none()
    qs = User.objects.filter(is_active=True, unit__path__under=root).select_related("unit")
    q = q.strip()
    if q:
        qs = qs.filter(Q(username__istartswith=q) | Q(full_name__icontains=q))
    return qs.order_by("unit__path", "username")


def person(user: User | AnonymousUser, username: str, *, label: str = "人员") -> User:
    """The account `username` (or `username` written as "name（account）" by the picker) inside the scope."""
    from dudao.core.errors import DomainError

    raw = (username or "").strip()
    if "（" in raw and raw.endswith("）"):
        raw = raw[raw.rindex("（") + 1 : -1]
    if not raw:
        raise DomainError(f"请填写{label}的账号", code="person_required")
    found = people(user).filter(username=raw).first()
    if found is None:
        raise DomainError(f"找不到{label}账号“{raw}”，或该账号不在您的管辖范围内", code="person_not_found")
    return found


def target_units(user: User | AnonymousUser) -> QuerySet[OrgUnit]:
    root = scope_root_path(user, "integrity.read")
    if root is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__under=root, kind__in=TARGET_KINDS, is_closed=False).order_by("path")


def log_view(actor: User, obj: DutyList | Talk | SpotCheck | MajorMatter, *, what: str = "") -> None:
    """One access event per detail read (page, API answer, file)."""
    record_access(
        actor=actor,
        action="integrity_view",
        obj=obj,
        unit_path=obj.unit.path,
        details={"what": what or obj._meta.verbose_name, "object_repr": str(obj)},
    )


@dataclass(frozen=True)
class Overview:
    year: int
    duty_total: int
    duty_acknowledged: int
    talks: dict[str, int]
    talks_total: int
    checks_open: int
    findings_problems: int
    matters: dict[str, int]
    matters_total: int


def overview(user: User, year: int) -> Overview:
    """This year's figures of the user's scope: a handful of aggregate queries."""
    duties = (
        duty_lists_for(user)
        .filter(year=year)
        .aggregate(total=Count("id"), done=Count("id", filter=Q(acknowledged_at__isnull=False)))
    )
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    talks = Counter(
        dict(
            talks_for(user)
            .filter(held_on__range=(start, end))
            .order_by()
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
    )
    matters = Counter(
        dict(
            matters_for(user)
            .filter(decided_on__range=(start, end))
            .order_by()
            .values_list("category")
            .annotate(n=Count("id"))
            .values_list("category", "n")
        )
    )
    return Overview(
        year=year,
        duty_total=duties["total"],
        duty_acknowledged=duties["done"],
        talks={label: talks.get(value, 0) for value, label in TalkKind.choices},
        talks_total=sum(talks.values()),
        checks_open=checks_for(user).filter(closed_at__isnull=True).count(),
        findings_problems=findings_for(user).filter(is_problem=True, found_on__range=(start, end)).count(),
        matters=dict(matters),
        matters_total=sum(matters.values()),
    )
