"""Reads of 免疫接种与学校卫生, scoped by `for_user`; coverage and rates for many units with a fixed number of queries.

Coverage counts, per vaccine, the enrolled students under a unit holding the dose that completes the course (one row
per student and vaccine at most: the unique dose number), grouped by the student's current class path; the roster
(`orgs.enrolment`) gives the enrolled count. So a rate never exceeds 100 %: a student counts once per vaccine, and
only while enrolled there. Contraindications are counted beside it, not in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from dudao.accounts.models import User
from dudao.core.indicators import Grouping
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import scope_root_path
from dudao.orgs.selectors import active_staff_under, units_for
from dudao.schoolhealth import tables
from dudao.schoolhealth.models import (
    DisinfectionLog,
    HealthExam,
    HealthRoom,
    HealthStaff,
    RoomKind,
    TbResult,
    VaccinationRecord,
    VaccineTarget,
)
from dudao.schoolhealth.vaccines import VACCINES, Vaccine


def records_for(user: User, action: str = "read") -> QuerySet[VaccinationRecord]:
    return VaccinationRecord.objects.for_user(user, action)


def exams_for(user: User, action: str = "read") -> QuerySet[HealthExam]:
    return HealthExam.objects.for_user(user, action)


def rooms_for(user: User) -> QuerySet[HealthRoom]:
    return HealthRoom.objects.for_user(user)


def staff_of(user: User, school: OrgUnit) -> QuerySet[HealthStaff]:
    return HealthStaff.objects.for_user(user).filter(school=school)


def logs_for(user: User, school: OrgUnit) -> QuerySet[DisinfectionLog]:
    return DisinfectionLog.objects.for_user(user).filter(school=school)


def viewable_units(user: User) -> QuerySet[OrgUnit]:
    return units_for(user)


def targets() -> dict[str, Decimal]:
    """Vaccine code → target rate (%): the bureau's, else the table's default."""
    chosen = dict(VaccineTarget.objects.values_list("vaccine", "rate"))
    return {v.code: chosen.get(v.code, v.target) for v in VACCINES}


def target_rows() -> list[tuple[Vaccine, Decimal, int]]:
    """(vaccine, target, version of the bureau's row or 0) for the targets form."""
    rows = {t.vaccine: t for t in VaccineTarget.objects.all()}
    return [
        (v, rows[v.code].rate if v.code in rows else v.target, rows[v.code].version if v.code in rows else 0)
        for v in VACCINES
    ]


@dataclass
class Coverage:
    """One unit's coverage: enrolled students, and per vaccine code (covered, contraindicated)."""

    enrolled: int = 0
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def rate(self, code: str) -> float | None:
        covered = self.counts.get(code, (0, 0))[0]
        return round(100 * covered / self.enrolled, 1) if self.enrolled else None


def coverage_counts(units: Sequence[OrgUnit], codes: Sequence[str]) -> dict[Any, dict[str, tuple[int, int]]]:
    """{unit pk: {vaccine code: (covered, contraindicated)}}, rolled up from the cached per-class table
    (`tables.by_class`: one GROUP BY when it is stale, no query otherwise)."""
    if not units:
        return {}
    grouping = Grouping.of(units)
    wanted = [(code, tables.INDEX[code]) for code in codes if code in tables.INDEX]
    rows = [
        (path, *(n for _, i in wanted for n in numbers[2 * i : 2 * i + 2]))
        for path, numbers in tables.by_class().items()
        if path.startswith(grouping.root)
    ]
    sums = grouping.rollup(rows, size=2 * len(wanted))
    return {
        pk: {code: (int(v[2 * n]), int(v[2 * n + 1])) for n, (code, _) in enumerate(wanted)} for pk, v in sums.items()
    }


def coverage(units: Sequence[OrgUnit], codes: Sequence[str] | None = None) -> dict[Any, Coverage]:
    codes = list(codes or [v.code for v in VACCINES])
    counts = coverage_counts(units, codes)
    enrolled = enrolment.rollup(units)
    return {u.pk: Coverage(enrolled=enrolled[u.pk].students, counts=counts.get(u.pk, {})) for u in units}


def child_units(unit: OrgUnit) -> list[OrgUnit]:
    """The rows of a drill-down table: the unit's open children that hold students (grades are skipped for classes
    only when a school has no grades)."""
    kinds = (UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS)
    return list(unit.get_children().filter(kind__in=kinds, is_closed=False).order_by("path"))


def staff_coverage(school: OrgUnit) -> tuple[int, dict[str, tuple[int, int]]]:
    """(staff accounts of the school, {vaccine: (covered, contraindicated)}) for the school page."""
    staff = active_staff_under(school)
    ids = list(staff.values_list("pk", flat=True))
    rows = (
        VaccinationRecord.objects.filter(staff_id__in=ids)
        .filter(Q(completes_course=True) | Q(dose_number__isnull=True))
        .values("vaccine")
        .annotate(
            covered=Count("pk", filter=Q(completes_course=True)), contra=Count("pk", filter=Q(dose_number__isnull=True))
        )
    )
    return len(ids), {r["vaccine"]: (r["covered"], r["contra"]) for r in rows}


def class_students(klass: OrgUnit) -> list[Student]:
    return list(Student.objects.filter(klass=klass, status=StudentStatus.ENROLLED).order_by("name", "id"))


def doses_by_student(students: Sequence[Student], vaccine: str) -> dict[int, list[VaccinationRecord]]:
    found: dict[int, list[VaccinationRecord]] = {}
    for record in VaccinationRecord.objects.filter(student__in=students, vaccine=vaccine).order_by("dose_number"):
        found.setdefault(record.student_id or 0, []).append(record)
    return found


@dataclass
class ExamRates:
    examined: int = 0
    myopic: int = 0
    caries: int = 0
    new_students: int = 0
    tb_screened: int = 0

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def myopia_rate(self) -> float | None:
        return self._pct(self.myopic, self.examined)

    @property
    def caries_rate(self) -> float | None:
        return self._pct(self.caries, self.examined)

    @property
    def tb_rate(self) -> float | None:
        return self._pct(self.tb_screened, self.new_students)


def exam_rates(units: Sequence[OrgUnit], school_year: int) -> dict[Any, ExamRates]:
    if not units:
        return {}
    grouping = Grouping.of(units)
    screened = Q(is_new_student=True) & Q(tb_result__in=[TbResult.NEGATIVE, TbResult.POSITIVE])
    sums = grouping.sums(
        HealthExam.objects.filter(klass__path__under=grouping.root, school_year=school_year),
        "klass__path",
        examined=Count("*"),
        myopic=Count("pk", filter=Q(is_myopic=True)),
        caries=Count("pk", filter=Q(has_caries=True)),
        new=Count("pk", filter=Q(is_new_student=True)),
        screened=Count("pk", filter=screened),
    )
    return {pk: ExamRates(*(int(x) for x in values)) for pk, values in sums.items()}


def room_rates(units: Sequence[OrgUnit]) -> dict[Any, tuple[int, int]]:
    """{unit pk: (schools, schools with a health room and at least one health staff member)}: 卫生室配备率."""
    if not units:
        return {}
    grouping = Grouping.of(units)
    schools = grouping.sums(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=grouping.root), "path", n=Count("*")
    )
    staffed = HealthStaff.objects.values("school_id")
    equipped = grouping.sums(
        HealthRoom.objects.filter(school__path__under=grouping.root, school__is_closed=False)
        .exclude(kind=RoomKind.NONE)
        .filter(school_id__in=staffed),
        "school__path",
        n=Count("*"),
    )
    return {pk: (int(schools[pk][0]), int(equipped[pk][0])) for pk in schools}


def student_record(student: Student) -> tuple[list[VaccinationRecord], list[HealthExam]]:
    doses = list(VaccinationRecord.objects.filter(student=student).order_by("vaccine", "dose_number"))
    exams = list(HealthExam.objects.filter(student=student).order_by("-school_year"))
    return doses, exams


def students_in_scope(user: User) -> QuerySet[Student]:
    """Students whose health record the acting role may read (a class teacher: the class)."""
    root = scope_root_path(user, "schoolhealth.read")
    if root is None:
        return Student.objects.none()
    return Student.objects.filter(klass__path__under=root)


def staff_for_user(user: User) -> QuerySet[HealthStaff]:
    return HealthStaff.objects.for_user(user, "room")
