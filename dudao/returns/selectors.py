"""Reads of returns, scoped: rounds and suspensions that cover a unit in the viewer's scope (a district's round
is seen by its schools' people), answers and names only with `returns.names`, and the counts per class, school or
district (answered, pending, 暂缓) computed in one grouped query per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from dudao.accounts.models import User
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import scope_root_path
from dudao.returns.models import (
    ArrivalSlot,
    RoundStatus,
    ScreeningAnswer,
    ScreeningRound,
    Suspension,
    SuspensionStatus,
)


def _chain(path: str) -> list[str]:
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def _covering(user: User, action: str = "read") -> Q | None:
    """Rows whose unit is inside the viewer's scope or above it (a district's round reaches a class teacher)."""
    root = scope_root_path(user, f"returns.{action}")
    if root is None:
        return None
    return Q(unit__path__under=root) | Q(unit__path__in=_chain(root))


def rounds_for(user: User) -> QuerySet[ScreeningRound]:
    condition = _covering(user)
    if condition is None:
        return ScreeningRound.objects.none()
    return ScreeningRound.objects.filter(condition).select_related("unit")


def rounds_at(user: User, unit: OrgUnit) -> QuerySet[ScreeningRound]:
    """Rounds covering `unit` (its own or an ancestor's) or opened inside it."""
    return rounds_for(user).filter(Q(unit__path__in=_chain(unit.path)) | Q(unit__path__under=unit.path))


def suspensions_for(user: User) -> QuerySet[Suspension]:
    condition = _covering(user)
    if condition is None:
        return Suspension.objects.none()
    return Suspension.objects.filter(condition).select_related("unit")


def answers_for(user: User) -> QuerySet[ScreeningAnswer]:
    """Names and answers: the school's own people and the health officer (`returns.names`)."""
    return ScreeningAnswer.objects.for_user(user, "names").select_related("unit", "student", "staff", "round")


def arrivals_for(user: User) -> QuerySet[ArrivalSlot]:
    root = scope_root_path(user, "returns.read")
    if root is None:
        return ArrivalSlot.objects.none()
    return ArrivalSlot.objects.filter(Q(school__path__under=root) | Q(school__path__in=_chain(root))).select_related(
        "school", "grade"
    )


def open_rounds_covering(unit: OrgUnit) -> QuerySet[ScreeningRound]:
    return ScreeningRound.objects.filter(status=RoundStatus.OPEN, unit__path__in=_chain(unit.path))


def active_suspensions_covering(unit: OrgUnit, day: dt.date) -> QuerySet[Suspension]:
    """Suspensions of the unit, its ancestors or its descendants still running on or after `day`."""
    return (
        Suspension.objects.filter(Q(unit__path__in=_chain(unit.path)) | Q(unit__path__under=unit.path))
        .filter(status=SuspensionStatus.ACTIVE, ends_on__gte=day)
        .select_related("unit")
        .order_by("starts_on", "id")
    )


# ----- counts ------------------------------------------------------------------------------------


@dataclass
class Counts:
    enrolled: int = 0
    answered: int = 0
    held: int = 0
    cleared: int = 0
    staff: int = 0
    staff_answered: int = 0
    staff_held: int = 0

    @property
    def pending(self) -> int:
        return max(self.enrolled - self.answered, 0)

    @property
    def staff_pending(self) -> int:
        return max(self.staff - self.staff_answered, 0)

    @property
    def held_now(self) -> int:
        return self.held - self.cleared


@dataclass
class CountRow:
    unit: OrgUnit
    counts: Counts = field(default_factory=Counts)


def count_units(unit: OrgUnit) -> list[OrgUnit]:
    """The rows a count table breaks `unit` into: a district's schools, a school's classes (grades skipped)."""
    if unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT):
        kind = UnitKind.SCHOOL
    elif unit.kind in (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE):
        kind = UnitKind.CLASS
    else:
        return []
    return list(OrgUnit.objects.filter(path__under=unit.path, kind=kind, is_closed=False).order_by("path"))


def round_counts(round: ScreeningRound, unit: OrgUnit) -> tuple[Counts, list[CountRow]]:
    """Totals under `unit` and one row per school or class: enrolled (the cached roll), answered, 暂缓, cleared;
    staff (active accounts) and their answers."""
    rows = [CountRow(u) for u in count_units(unit)]
    enrolled = enrolment.rollup([unit, *(r.unit for r in rows)])
    total = Counts(enrolled=enrolled[unit.pk].students)
    for row in rows:
        row.counts.enrolled = enrolled[row.unit.pk].students
    by_prefix = {row.unit.path: row.counts for row in rows}
    lengths = sorted({len(path) for path in by_prefix})
    grouped = (
        ScreeningAnswer.objects.filter(round=round, unit__path__under=unit.path)
        .values("unit__path")
        .annotate(
            answered=Count("id", filter=Q(student__isnull=False)),
            held=Count("id", filter=Q(student__isnull=False, is_held=True)),
            cleared=Count("id", filter=Q(student__isnull=False, is_held=True, cleared_on__isnull=False)),
            staff_answered=Count("id", filter=Q(staff__isnull=False)),
            staff_held=Count("id", filter=Q(staff__isnull=False, is_held=True, cleared_on__isnull=True)),
        )
    )
    for g in grouped:
        targets = [total] + [by_prefix[g["unit__path"][:n]] for n in lengths if g["unit__path"][:n] in by_prefix]
        for counts in targets:
            counts.answered += g["answered"]
            counts.held += g["held"]
            counts.cleared += g["cleared"]
            counts.staff_answered += g["staff_answered"]
            counts.staff_held += g["staff_held"]
    staff = (
        User.objects.filter(is_active=True, unit__path__under=unit.path).values("unit__path").annotate(n=Count("id"))
    )
    for s in staff:
        total.staff += s["n"]
        for n in lengths:
            found = by_prefix.get(s["unit__path"][:n])
            if found is not None:
                found.staff += s["n"]
    return total, rows


def held_list(user: User, round: ScreeningRound, unit: OrgUnit) -> QuerySet[ScreeningAnswer]:
    """The 暂缓返校 list under `unit`: those not yet cleared first, then by class."""
    return (
        answers_for(user)
        .filter(round=round, unit__path__under=unit.path, is_held=True)
        .order_by(F("cleared_on").asc(nulls_first=True), "unit__path", "id")
    )


@dataclass
class SheetRow:
    student: Student
    answer: ScreeningAnswer | None


def class_sheet(user: User, round: ScreeningRound, klass: OrgUnit) -> list[SheetRow]:
    """A class's students with their answer (None: pending), for the class teacher."""
    students = Student.objects.filter(klass=klass, status=StudentStatus.ENROLLED).order_by("name", "id")
    answers = {a.student_id: a for a in answers_for(user).filter(round=round, unit=klass, student__isnull=False)}
    return [SheetRow(s, answers.get(s.pk)) for s in students]


def own_answer(user: User, round: ScreeningRound) -> ScreeningAnswer | None:
    return ScreeningAnswer.objects.filter(round=round, staff=user).first()


def held_waiting(user: User) -> int:
    """People still held back from open rounds, for the home page."""
    return answers_for(user).filter(round__status=RoundStatus.OPEN, is_held=True, cleared_on__isnull=True).count()


def arrival_plan(school: OrgUnit, day: dt.date) -> list[ArrivalSlot]:
    return list(
        ArrivalSlot.objects.filter(school=school, day=day)
        .select_related("grade")
        .order_by("arrives_from", "grade__path")
    )


def grades_of(school: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.GRADE, is_closed=False).order_by("path")
