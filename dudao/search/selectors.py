"""The global search: one query per kind, each through the module's own scoped selector.

A kind is searched only when the acting role may read it (its list's permission), through the selector that list
uses (`students` by orgs' roster rules, `cases` by `cases_for`), so a hit never shows what its list would not.
Counts stop at `COUNT_CAP` (a count of every 张 in a city says nothing a reader needs and costs a scan).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from dudao.accounts.models import User
from dudao.cases.models import CaseFile
from dudao.cases.selectors import CASE_SECRETS, cases_for
from dudao.notices.models import Notice
from dudao.notices.selectors import notices_for
from dudao.orgs.models import OrgUnit, Student, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.selectors import (
    INITIALS_RE,
    STUDENT_NO_RE,
    find_students,
    name_search_is_prefix,
    units_for,
)
from dudao.orgs.text import mask_student_no
from dudao.rectification.models import RectificationItem
from dudao.rectification.selectors import items_for

COUNT_CAP = 100
MAX_QUERY = 40
# Units a person looks for by name: not grades and classes (those are found under their school).
UNIT_KINDS = (UnitKind.BUREAU, UnitKind.OFFICE, UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS)


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str
    id: int


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    note: str = ""
    # The rows behind the hits: the view writes the access event for the cases shown.
    rows: list[Any] = field(default_factory=list, repr=False)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.count)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.hits)


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    permission: str
    find: Callable[[User, str], QuerySet[Any]]
    hit: Callable[[Any], Hit]
    note: Callable[[User, str], str] = lambda user, q: ""
    # Adds what the hits show from other rows, in one query for all of them.
    prepare: Callable[[list[Any]], None] = lambda rows: None


def clean_query(q: str | None) -> str:
    """Whitespace trimmed and inner runs joined; wildcard-like characters are searched as they are."""
    return re.sub(r"\s+", " ", (q or "").strip())[:MAX_QUERY]


# Students -------------------------------------------------------------------------------------------------------


def _with_schools(students: list[Student]) -> None:
    """Each student's school name (`school_name`), in one query for the page: three 王东 in a city differ by it."""
    step = OrgUnit.steplen
    prefixes = {s.klass.path[:n] for s in students for n in range(step, len(s.klass.path), step)}
    schools = (
        dict(OrgUnit.objects.filter(path__in=prefixes, kind=UnitKind.SCHOOL).values_list("path", "name"))
        if prefixes
        else {}
    )
    for s in students:
        s.school_name = next((name for path, name in schools.items() if s.klass.path.startswith(path)), "")  # type: ignore[attr-defined]


def _student_hit(s: Student) -> Hit:
    school = getattr(s, "school_name", "")
    return Hit(
        title=s.name,
        detail=f"{school + ' · ' if school else ''}{s.klass.name} · 学籍号 {mask_student_no(s.student_no)}",
        url=reverse("orgs:student", args=[s.pk]),
        id=s.pk,
    )


def _student_note(user: User, q: str) -> str:
    if name_search_is_prefix(user, q):
        return "在区县和全市范围按姓名开头、拼音首字母或完整学籍号查找；要按名字中间的字查找，请打开学校的学生名册"
    return ""


# Units ------------------------------------------------------------------------------------------------------------


def _subsequence(q: str) -> str:
    """jdwz → *j*d*w*z*: initials typed with gaps (江东五中 for 江东区第五中学)."""
    return "".join(ch for ch in q.lower() if ch.isalnum())


def find_units(user: User, q: str) -> QuerySet[OrgUnit]:
    qs = units_for(user).filter(kind__in=UNIT_KINDS, is_closed=False)
    condition = Q(name__contains=q) | Q(short_name__contains=q)
    if q.isascii() and (letters := _subsequence(q)):
        # Initials in order, gaps allowed: an unanchored regex reads the same on both databases.
        condition |= Q(pinyin__regex=".*".join(re.escape(ch) for ch in letters))
    return qs.filter(condition).order_by("depth", "path")


def _unit_hit(unit: OrgUnit) -> Hit:
    detail = unit.get_kind_display()
    if unit.short_name and unit.short_name != unit.name:
        detail += f" · 简称 {unit.short_name}"
    return Hit(title=unit.name, detail=detail, url=reverse("orgs:unit", args=[unit.pk]), id=unit.pk)


# Notices ----------------------------------------------------------------------------------------------------------


def find_notices(user: User, q: str) -> QuerySet[Notice]:
    return notices_for(user).filter(title__contains=q).order_by("-created_at", "-id")


def _notice_hit(notice: Notice) -> Hit:
    when = notice.sent_at or notice.created_at
    return Hit(
        title=notice.title,
        detail=f"{notice.issuer.name} · {notice.get_status_display()} · {when:%Y-%m-%d}",
        url=reverse("notices:detail", args=[notice.pk]),
        id=notice.pk,
    )


# Ledger problems --------------------------------------------------------------------------------------------------


def find_problems(user: User, q: str) -> QuerySet[RectificationItem]:
    return (
        items_for(user)
        .filter(Q(description__contains=q) | Q(category__contains=q))
        .select_related("school")
        .order_by("-id")
    )


def _problem_hit(item: RectificationItem) -> Hit:
    return Hit(
        title=item.description[:60] + ("…" if len(item.description) > 60 else ""),
        detail=f"{item.school.name} · {item.get_status_display()} · 整改时限 {item.due_date:%Y-%m-%d}",
        url=reverse("rectification:item", args=[item.pk]),
        id=item.pk,
    )


# Cases (一生一案) ------------------------------------------------------------------------------------------------


def find_cases(user: User, q: str) -> QuerySet[CaseFile]:
    """By the student, as the case list names them: name, initials or full 学籍号; never the encrypted text."""
    if STUDENT_NO_RE.fullmatch(q) and not INITIALS_RE.fullmatch(q):
        condition = Q(student__student_no=q.upper())
    elif INITIALS_RE.fullmatch(q):
        # Cases are few: read from them, not from the city-wide initials index.
        condition = Q(student__name_initials__startswith=q.lower())
    else:
        condition = Q(student__name__contains=q)
    return (
        cases_for(user)
        .filter(condition)
        .select_related("school", "student", "student__klass")
        .defer(*CASE_SECRETS)
        .order_by("-created_at", "-id")
    )


def _case_hit(case: CaseFile) -> Hit:
    return Hit(
        title=f"{case.student.name} · {case.get_kind_display()}",
        detail=f"{case.student.klass.name} · {case.get_status_display()}",
        url=reverse("cases:detail", args=[case.pk]),
        id=case.pk,
    )


KINDS: tuple[Kind, ...] = (
    Kind("students", "学生", "student.read", find_students, _student_hit, _student_note, _with_schools),
    Kind("units", "学校/单位", "orgunit.read", find_units, _unit_hit),
    Kind("notices", "家长告知书", "notice.read", find_notices, _notice_hit),
    Kind("problems", "整改问题", "rectification.read", find_problems, _problem_hit),
    Kind("cases", "个案", "case.read", find_cases, _case_hit),
)
KIND_KEYS = {kind.key: kind for kind in KINDS}


def kinds_for(user: User) -> list[Kind]:
    return [kind for kind in KINDS if can(user, kind.permission)]


def search(user: User, q: str, *, per_kind: int = 5, only: str = "") -> list[Group]:
    """Every kind the acting role may read, each with its first `per_kind` hits and a count (capped)."""
    q = clean_query(q)
    groups: list[Group] = []
    if not q:
        return groups
    for kind in kinds_for(user):
        if only and kind.key != only:
            continue
        qs = kind.find(user, q)
        rows = list(qs[:per_kind])
        kind.prepare(rows)
        count = len(rows) if len(rows) < per_kind else qs[: COUNT_CAP + 1].count()
        hits = [kind.hit(row) for row in rows]
        groups.append(Group(kind.key, kind.label, hits=hits, count=count, note=kind.note(user, q), rows=rows))
    return groups


def queryset(user: User, kind: Kind, q: str) -> QuerySet[Any]:
    """One kind's whole list, for its page of results and the API."""
    return kind.find(user, clean_query(q))
