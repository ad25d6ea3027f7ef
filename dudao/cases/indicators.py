"""Case-work figures (监测指标), counts only: home-visit coverage, open 控辍保学 cases, schools without a counsellor.

Case files are confidential: these figures are counts, and their drill-downs are counts per school, never a
student's name (the named lists stay behind `selectors.cases_for`). Counted as the module's own statistics pages
count them: `selectors.visit_coverage` (enrolled students visited in the term), `selectors.dropout_stats`
("remaining": not archived and not yet returned, taught at home or transferred) and `selectors.staffing`
(counsellor profiles per school).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse

from dudao.accounts.models import User
from dudao.cases.models import DROPOUT_SETTLED, CaseFile, CaseKind, CaseStatus, CounsellorProfile, HomeVisit, term_of
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind


def _visits(root: str, term: str) -> QuerySet[HomeVisit]:
    """The term's visits of students now enrolled under `root`. A visit counts for the student's current class,
    wherever it was recorded (a pupil visited before a transfer is visited), so a district's figure and its share
    of the city's agree."""
    return HomeVisit.objects.filter(
        term=term, visited_on__isnull=False, student__status=StudentStatus.ENROLLED, student__klass__path__under=root
    )


def visit_coverage(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    # Enrolment from the cached per-class table (dudao.orgs.enrolment), not a count over every student.
    enrolled = {pk: (found.students,) for pk, found in enrolment.rollup(units).items()}
    # Driven from the term's visits (a few per cent of the students), not by testing every student against them.
    visits = _visits(grouping.root, term_of(end))
    visited = grouping.sums(visits, "student__klass__path", n=Count("student_id", distinct=True))
    return {pk: Value.rate(int(visited[pk][0]), int(total)) for pk, (total,) in enrolled.items()}


def visit_coverage_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    """Enrolled and visited students per class (within a school) or per child unit (above): counts, no names."""
    url = f"{reverse('cases:visit_coverage')}?unit={unit.pk}&term={term_of(end)}"
    if unit.kind in (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS):
        visited = Q(pk__in=_visits(unit.path, term_of(end)).values("student_id"))
        per_class = (
            Student.objects.filter(klass__path__under=unit.path, status=StudentStatus.ENROLLED)
            .values("klass_id", klass_name=F("klass__name"))
            .annotate(students=Count("*"), visited=Count("id", filter=visited))
            .order_by("klass__path")
        )
        return Drilldown(per_class, url)
    children = list(
        OrgUnit.objects.filter(path__under=unit.path, depth=unit.depth + 1, is_closed=False)
        .exclude(kind=UnitKind.OFFICE)
        .order_by("path")
    )
    figures = visit_coverage(children, start, end, user=user)
    rows = [
        {
            "unit_id": child.pk,
            "unit_name": child.name,
            "students": figures[child.pk].denominator,
            "visited": figures[child.pk].numerator,
        }
        for child in children
    ]
    return Drilldown(rows, url)


def _remaining_dropouts(root: str) -> QuerySet[CaseFile]:
    return (
        CaseFile.objects.filter(school__path__under=root, kind=CaseKind.DROPOUT)
        .exclude(status=CaseStatus.ARCHIVED)
        .exclude(dropout_result__in=DROPOUT_SETTLED)
    )


def open_dropouts(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_remaining_dropouts(grouping.root), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def open_dropout_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    """Open cases per school: counts, no names."""
    rows = (
        _remaining_dropouts(unit.path)
        .values("school_id", school_name=F("school__name"))
        .annotate(cases=Count("*"))
        .order_by("-cases", "school_name")
    )
    return Drilldown(rows, reverse("cases:dropout"))


def _without_counsellor(root: str) -> QuerySet[OrgUnit]:
    schools: QuerySet[OrgUnit] = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=root)
    return schools.filter(~Exists(CounsellorProfile.objects.filter(school=OuterRef("pk"))))


def schools_without_counsellor(
    units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User
) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_without_counsellor(grouping.root), "path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def schools_without_counsellor_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    return Drilldown(_without_counsellor(unit.path).order_by("path"), f"{reverse('cases:staffing')}?unit={unit.pk}")


register(
    Indicator(
        code="cases.visit_coverage",
        name="家访覆盖率",
        definition="结束日期所在学期内已完成家访（上门、电话或线上）的在籍学生占在籍学生的百分比。",
        measure="%",
        direction=Direction.HIGHER,
        module="cases",
        permission="homevisit.stats",
        compute=visit_coverage,
        drill=visit_coverage_rows,
        basis=Basis.TERM,
        counts_only=True,
        order=80,
    )
)
register(
    Indicator(
        code="cases.open_dropouts",
        name="未清零的控辍保学个案",
        definition="尚未返校、送教上门或转学（有证明）且未归档的控辍保学个案数（当前状态，只计数，不显示学生姓名）。",
        measure="人",
        direction=Direction.LOWER,
        module="cases",
        permission="case.stats",
        compute=open_dropouts,
        drill=open_dropout_rows,
        basis=Basis.NOW,
        counts_only=True,
        order=81,
    )
)
register(
    Indicator(
        code="cases.schools_without_counsellor",
        name="未配备心理教师的学校",
        definition="没有登记任何专职或兼职心理教师的在用学校数（当前状态）。",
        measure="所",
        direction=Direction.LOWER,
        module="cases",
        permission="staffing.read",
        compute=schools_without_counsellor,
        drill=schools_without_counsellor_rows,
        basis=Basis.NOW,
        counts_only=True,
        order=82,
    )
)
