"""Reads for the audience picker of the notice form: the class tree loaded one level at a time, a name search, and
the live count "将发送给 N 个班级 / 约 M 位家长".

Everything here is bounded for a city of 40,000 classes: a tree level is one query for the units and one GROUP BY
for their classes (students come from the cached enrolment table, `orgs.enrolment`); a search returns at most
`SEARCH_LIMIT` units; the count reads the enrolment table (no query per class) unless student groups are chosen,
and then it is one aggregate, plus one for the guardians."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from dudao.orgs import enrolment
from dudao.orgs.models import Guardian, OrgUnit, Student, StudentStatus, UnitKind

# What a notice may be narrowed to (offices hold staff, not students).
AUDIENCE_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS)
SEARCH_LIMIT = 30
# Up to this many students the guardians are counted exactly; above it, from the guardians of a sample of them.
GUARDIANS_EXACT_LIMIT = 20_000
GUARDIANS_SAMPLE = 2_000


def _any_of(conditions: Iterable[Q]) -> Q:
    where = Q()
    for condition in conditions:
        where |= condition
    return where


def students_reached(
    issuer: OrgUnit, units: Sequence[OrgUnit], grade_names: Sequence[str], flags: Sequence[str]
) -> QuerySet[Student]:
    """Enrolled students a notice reaches: the issuer's subtree, narrowed by units, grade names and flags (any)."""
    return Student.objects.filter(_reach(issuer, units, grade_names, flags))


def _reach(
    issuer: OrgUnit, units: Sequence[OrgUnit], grade_names: Sequence[str], flags: Sequence[str], via: str = ""
) -> Q:
    """The condition on students (on their guardians with `via="student__"`, a join rather than a subquery)."""
    where = Q(**{f"{via}status": StudentStatus.ENROLLED, f"{via}klass__path__under": issuer.path})
    if units:
        where &= _any_of(Q(**{f"{via}klass__path__under": unit.path}) for unit in units)
    if grade_names:
        grades = _any_of(Q(**{f"{via}klass__path__under": path}) for path in _grade_paths(issuer, grade_names))
        where &= grades if grades else Q(pk__in=[])
    if flags:
        where &= _any_of(Q(**{f"{via}{flag}": True}) for flag in flags)
    return where


def _grade_paths(issuer: OrgUnit, grade_names: Sequence[str]) -> list[str]:
    return list(
        OrgUnit.objects.filter(kind=UnitKind.GRADE, name__in=list(grade_names), path__under=issuer.path).values_list(
            "path", flat=True
        )
    )


def outermost(units: Sequence[OrgUnit]) -> list[OrgUnit]:
    """The units without those inside another chosen one (a school ticked with one of its classes is the school)."""
    paths = {u.path for u in units}
    step = OrgUnit.steplen
    return [u for u in units if not any(u.path[:i] in paths for i in range(step, len(u.path), step))]


@dataclass(frozen=True)
class Node:
    """One unit of the picker: its name, where it sits (between the issuer and it), and what ticking it means."""

    unit: OrgUnit
    trail: str
    classes: int
    students: int

    @property
    def has_children(self) -> bool:
        return self.unit.kind != UnitKind.CLASS

    @property
    def label(self) -> str:
        return f"{self.trail} › {self.unit.name}" if self.trail else self.unit.name


def _open_units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind__in=AUDIENCE_KINDS, is_closed=False)


def _nodes(issuer: OrgUnit, units: list[OrgUnit]) -> list[Node]:
    """Nodes with their class and student counts: one GROUP BY per distinct depth (one for a tree level)."""
    classes: dict[str, int] = {}
    for length in sorted({len(u.path) for u in units if u.kind != UnitKind.CLASS}):
        rows = (
            OrgUnit.objects.filter(
                _any_of(Q(path__under=u.path) for u in units if len(u.path) == length),
                kind=UnitKind.CLASS,
                is_closed=False,
            )
            .order_by()
            .annotate(prefix=Substr("path", 1, length))
            .values("prefix")
            .annotate(n=Count("id"))
        )
        classes.update({row["prefix"]: row["n"] for row in rows})
    students = enrolment.rollup(units)
    trails = trail_names(issuer, units)
    return [
        Node(
            u, trails.get(u.pk, ""), 1 if u.kind == UnitKind.CLASS else classes.get(u.path, 0), students[u.pk].students
        )
        for u in units
    ]


def trail_names(issuer: OrgUnit, units: Iterable[OrgUnit]) -> dict[int, str]:
    """{unit pk: the names of its ancestors below the issuer, joined by ›}: one query for all of them."""
    step = OrgUnit.steplen
    units = list(units)
    wanted = {u.path[:i] for u in units for i in range(len(issuer.path) + step, len(u.path), step)}
    names = dict(OrgUnit.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    trails = {}
    for u in units:
        ancestors = (names.get(u.path[:i], "") for i in range(len(issuer.path) + step, len(u.path), step))
        # "七年级（1）班" already says 七年级: the grade is left out of its classes' trail.
        trails[u.pk] = " › ".join(name for name in ancestors if name and not u.name.startswith(name))
    return trails


def labelled(issuer: OrgUnit, units: Sequence[OrgUnit]) -> list[tuple[OrgUnit, str]]:
    """(unit, its name with where it sits: "甲区第五中学 › 七年级（1）班") for the ticked units and the preview."""
    trails = trail_names(issuer, units)
    return [(u, f"{trails[u.pk]} › {u.name}" if trails[u.pk] else u.name) for u in units]


def children(issuer: OrgUnit, parent: OrgUnit) -> list[Node]:
    """The next level of the tree under `parent` (the issuer itself for the first level)."""
    units = list(_open_units().filter(path__under=parent.path, depth=parent.depth + 1).order_by("path"))
    return _nodes(issuer, units)


def search(issuer: OrgUnit, q: str) -> tuple[list[Node], bool]:
    """Units under the issuer whose name contains `q` (schools and districts for a bureau, grades and classes for a
    school), at most SEARCH_LIMIT of them; the flag says more matched."""
    q = q.strip()[:40]
    if not q:
        return [], False
    kinds = (UnitKind.GRADE, UnitKind.CLASS) if issuer.kind == UnitKind.SCHOOL else (UnitKind.DISTRICT, UnitKind.SCHOOL)
    found = list(
        _open_units()
        .filter(path__under=issuer.path, kind__in=kinds)
        .filter(Q(name__icontains=q) | Q(short_name__icontains=q))
        .exclude(pk=issuer.pk)
        .order_by("path")[: SEARCH_LIMIT + 1]
    )
    return _nodes(issuer, found[:SEARCH_LIMIT]), len(found) > SEARCH_LIMIT


@dataclass(frozen=True)
class AudienceCount:
    """What the live count line shows."""

    classes: int
    students: int
    guardians: int
    guardians_estimated: bool


def _under_any(paths: Iterable[str]) -> dict[int, set[str]]:
    by_length: dict[int, set[str]] = {}
    for path in paths:
        by_length.setdefault(len(path), set()).add(path)
    return by_length


def _is_under(path: str, prefixes: dict[int, set[str]]) -> bool:
    return any(path[:length] in group for length, group in prefixes.items())


def count(issuer: OrgUnit, units: Sequence[OrgUnit], grade_names: Sequence[str], flags: Sequence[str]) -> AudienceCount:
    """Classes, students and guardians the notice would reach if sent now (the same rule as sending it)."""
    reached = students_reached(issuer, units, grade_names, flags)
    if flags:
        totals = reached.aggregate(students=Count("id"), classes=Count("klass_id", distinct=True))
        classes, students = totals["classes"], totals["students"]
    else:
        within = _under_any([u.path for u in units] or [issuer.path])
        grades = _under_any(_grade_paths(issuer, grade_names)) if grade_names else None
        classes = students = 0
        for path, (enrolled, _special, _records) in enrolment.by_class().items():
            if enrolled and _is_under(path, within) and (grades is None or _is_under(path, grades)):
                classes += 1
                students += enrolled
    if not students:
        return AudienceCount(0, 0, 0, False)
    if students <= GUARDIANS_EXACT_LIMIT:
        guardians = Guardian.objects.filter(_reach(issuer, units, grade_names, flags, via="student__")).count()
        return AudienceCount(classes, students, guardians, False)
    sample = list(reached.order_by().values_list("pk", flat=True)[:GUARDIANS_SAMPLE])
    per_student = Guardian.objects.filter(student_id__in=sample).count() / max(len(sample), 1)
    return AudienceCount(classes, students, int(round(students * per_student, -2)), True)
