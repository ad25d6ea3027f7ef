"""Reads of the org tree and people, always scoped through `for_user`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from dudao.accounts.models import User
from dudao.orgs import enrolment
from dudao.orgs.models import Guardian, OrgUnit, RoleAssignment, Student, UnitKind


def units_for(user: User, action: str = "read") -> QuerySet[OrgUnit]:
    return OrgUnit.objects.for_user(user, action)


def scope_root(user: User) -> OrgUnit | None:
    """The top unit the user sees: their acting assignment's unit."""
    from dudao.orgs.scoping import acting_assignment, can

    acting = acting_assignment(user)
    if acting is None or not can(user, "orgunit.read"):
        return None
    return acting.unit


def search_units(user: User, *, q: str = "", kind: str = "", parent: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Name contains q, or q appears in the pinyin initials (`wz` finds 第五中学/五中)."""
    qs = units_for(user)
    if kind:
        qs = qs.filter(kind=kind)
    if parent is not None:
        qs = qs.filter(path__under=parent.path, depth=parent.depth + 1)
    q = (q or "").strip()
    if q:
        condition = Q(name__icontains=q) | Q(short_name__icontains=q)
        if q.isascii():
            condition |= Q(pinyin__contains=q.lower())
        qs = qs.filter(condition)
    return qs.order_by("path")


def ancestors_within_scope(user: User, unit: OrgUnit) -> list[OrgUnit]:
    """Breadcrumb: the unit's ancestors the user may see, top first."""
    paths = [unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path), OrgUnit.steplen)]
    return list(units_for(user).filter(path__in=paths).order_by("depth"))


@dataclass
class Counts:
    schools: int = 0
    classes: int = 0
    students: int = 0
    staff: int = 0


def _grouped(qs: QuerySet[Any], path_expr: str, length: int) -> dict[str, int]:
    rows = qs.annotate(prefix=Substr(path_expr, 1, length)).values("prefix").annotate(n=Count("id"))
    return {row["prefix"]: row["n"] for row in rows}


def subtree_counts(unit: OrgUnit, children: list[OrgUnit]) -> tuple[Counts, dict[int, Counts]]:
    """Schools, classes, enrolled students and staff for a unit and for each of its children.

    Three grouped queries whatever the number of children (each row is attributed to the child whose path is its
    prefix) and the cached enrolment table.
    """
    length = (unit.depth + 1) * OrgUnit.steplen
    enrolled = enrolment.rollup([unit, *children])
    by_prefix: dict[str, Counts] = {child.path: Counts() for child in children}
    total = Counts()
    units = OrgUnit.objects.filter(path__under=unit.path, is_closed=False)
    sources: list[tuple[str, dict[str, int]]] = [
        ("schools", _grouped(units.filter(kind=UnitKind.SCHOOL), "path", length)),
        ("classes", _grouped(units.filter(kind=UnitKind.CLASS), "path", length)),
        # Enrolment comes from the shared per-class table (dudao.orgs.enrolment), not a count over every student.
        ("staff", _grouped(User.objects.filter(unit__path__under=unit.path, is_active=True), "unit__path", length)),
    ]
    for attribute, grouped in sources:
        for prefix, n in grouped.items():
            setattr(total, attribute, getattr(total, attribute) + n)
            if prefix in by_prefix:
                counts = by_prefix[prefix]
                setattr(counts, attribute, getattr(counts, attribute) + n)
    # Enrolment comes from the shared per-class table (dudao.orgs.enrolment), not a count over every student.
    total.students = enrolled[unit.pk].students
    for child in children:
        by_prefix[child.path].students = enrolled[child.pk].students
    return total, {child.pk: by_prefix[child.path] for child in children}


# A 学籍号 (G + ID-card number, or a provincial number): letters and digits only, unlike any Chinese name.
STUDENT_NO_RE = re.compile(r"[A-Za-z0-9]{6,30}")


def search_needs_narrower_scope(unit: OrgUnit, q: str) -> bool:
    """A name search over a whole city reads every student (no index serves a substring): above a district the
    search takes a full 学籍号 only, and the page says to open a district or school for names."""
    q = (q or "").strip()
    return bool(q) and unit.kind == UnitKind.BUREAU and not STUDENT_NO_RE.fullmatch(q)


def students_for(user: User, *, unit: OrgUnit | None = None, q: str = "", action: str = "read") -> QuerySet[Student]:
    qs = Student.objects.for_user(user, action).select_related("klass")
    if unit is not None:
        qs = qs.filter(klass__path__under=unit.path)
    q = (q or "").strip()
    if STUDENT_NO_RE.fullmatch(q):
        qs = qs.filter(student_no=q)  # the unique index answers at once, at any scope
    elif q:
        qs = qs.filter(name__contains=q)
    return qs.order_by("id")


# Pinyin initials as typed: letters only (digits belong to 学籍号), at least two (one letter matches a tenth of a
# city).
INITIALS_RE = re.compile(r"[a-zA-Z]{2,20}")


def find_students(user: User, q: str) -> QuerySet[Student]:
    """The global search's students: a full 学籍号 (its unique index), the pinyin initials' beginning (`zs` finds
    张三) or the name.

    Over a district or the whole city the name is matched from its beginning, so both read the indexes on name and
    initials and stop at the first rows in scope (a substring has no index: `search_needs_narrower_scope`). At a
    school and below the few thousand students of the scope are read through their classes instead, and a name
    may match in the middle, as on the roster.
    """
    q = (q or "").strip()
    root = scope_root(user)
    qs = Student.objects.for_user(user, "read").select_related("klass")
    if not q or root is None:
        return qs.none()
    if STUDENT_NO_RE.fullmatch(q) and not INITIALS_RE.fullmatch(q):
        return qs.filter(student_no=q.upper()).order_by("id")
    wide = root.kind in (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.OFFICE)
    if INITIALS_RE.fullmatch(q):
        # `startswith` (LIKE) keeps SQLite off the initials index, which a school's scope would filter row by row.
        initials = Q(name_initials__prefix=q.lower()) if wide else Q(name_initials__startswith=q.lower())
        return qs.filter(initials).order_by("name_initials", "id")
    if wide:
        return qs.filter(name__prefix=q).order_by("name", "id")
    return qs.filter(name__contains=q).order_by("name", "id")


def name_search_is_prefix(user: User, q: str) -> bool:
    """Whether `find_students` reads a Chinese name from its beginning only (district and city scopes)."""
    root = scope_root(user)
    q = (q or "").strip()
    return (
        root is not None
        and root.kind in (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.OFFICE)
        and bool(q)
        and not STUDENT_NO_RE.fullmatch(q)
        and not INITIALS_RE.fullmatch(q)
    )


def with_guardians(qs: QuerySet[Student]) -> QuerySet[Student]:
    return qs.prefetch_related(Prefetch("guardians", queryset=Guardian.objects.order_by("-is_primary", "id")))


def staff_for(user: User, *, unit: OrgUnit | None = None, q: str = "") -> QuerySet[User]:
    qs = User.objects.for_user(user, "read").select_related("unit")
    if unit is not None:
        qs = qs.filter(unit__path__under=unit.path)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(full_name__contains=q) | Q(username__icontains=q))
    # Only the assignments inside the viewer's own subtree are shown with each person.
    root = scope_root(user)
    visible = RoleAssignment.objects.select_related("unit").order_by("id")
    visible = visible.filter(unit__path__under=root.path) if root is not None else visible.none()
    return qs.prefetch_related(Prefetch("assignments", queryset=visible)).order_by("unit__path", "id")


# Accounts a form names by id or username, unscoped: the service that receives one judges whether it fits (an owner
# of this school, staff of this unit) and says why not.


def account_by_id(pk: int | None) -> User | None:
    return User.objects.filter(pk=pk).first()


def active_accounts_named(usernames: list[str]) -> list[User]:
    return list(User.objects.filter(username__in=usernames, is_active=True))


def active_staff_under(unit: OrgUnit) -> QuerySet[User]:
    """The unit's people (its subtree's), for pickers of who is on duty or deputises."""
    return User.objects.filter(unit__path__under=unit.path, is_active=True).order_by("unit__path", "id")


def people_for(user: User, action: str = "read") -> QuerySet[User]:
    """Accounts in scope, plain (`staff_for` adds the list page's filters and prefetches)."""
    return User.objects.for_user(user, action)


def assignments_for(user: User, action: str = "read") -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.for_user(user, action).select_related("unit", "user")
