"""Reading bullying reports. `reports_for` is the one gate: object-level, never the org subtree alone.

A report is visible to
- the principal of its school (acting as principal);
- the people the principal designated (防欺凌工作人员), acting through a role that may handle reports at that school.
Districts and the city get counts per school and term (`school_stats`), never names or text: their detail pages
answer 404 like any report one may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.bullying.models import (
    DETERMINED_STATUSES,
    Designation,
    Involvement,
    Report,
    Status,
    Step,
    StepKind,
    overdue_q,
    term_of,
)
from dudao.calendars.selectors import nth_school_day
from dudao.orgs.models import OrgUnit, Student, UnitKind
from dudao.orgs.roles import Role, allows
from dudao.orgs.scoping import acting_assignment

# Default deadlines in school days after the previous step (受理 the next school day, 调查 within 10 …); a bureau
# changes them with DUDAO_BULLYING_DEADLINES.
DEFAULT_DEADLINES: dict[str, int] = {
    StepKind.ACCEPT: 1,
    StepKind.INVESTIGATE: 10,
    StepKind.DETERMINE: 3,
    StepKind.MEASURES: 5,
    StepKind.FOLLOW_UP: 20,
    StepKind.CLOSE: 5,
}


def deadline_days(step: str) -> int:
    configured = getattr(settings, "DUDAO_BULLYING_DEADLINES", None) or {}
    return int(configured.get(step, DEFAULT_DEADLINES[step]))


def due_after(school: OrgUnit, day: dt.date, step: str) -> dt.date:
    """The deadline of `step` when the previous one was done on `day`: counted in the school's school days."""
    return nth_school_day(school, day, deadline_days(step))


def school_of(unit: OrgUnit) -> OrgUnit | None:
    """The school a unit belongs to (itself, or the school above a campus, grade or class)."""
    if unit.kind == UnitKind.SCHOOL:
        return unit
    if unit.kind not in (UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS):
        return None
    prefixes = [unit.path[: n * unit.steplen] for n in range(1, unit.depth)]
    school: OrgUnit | None = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__in=prefixes).first()
    return school


def acting_school(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    if assignment is None:
        return None
    if not hasattr(assignment, "_dudao_bullying_school"):
        assignment._dudao_bullying_school = school_of(assignment.unit)  # type: ignore[attr-defined]
    school: OrgUnit | None = assignment._dudao_bullying_school  # type: ignore[attr-defined]
    return school


def is_designated(user: User, school: OrgUnit) -> bool:
    return Designation.objects.filter(school=school, user_id=user.pk).exists()


def handled_school(user: User) -> OrgUnit | None:
    """The school whose reports `user` handles through the acting assignment: the principal's school, or the school
    of a designated person acting through a role that may handle reports; None otherwise."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "bullying.handle"):
        return None
    school = acting_school(user)
    if school is None:
        return None
    if assignment.role == Role.PRINCIPAL and assignment.unit.pk == school.pk:
        return school
    return school if is_designated(user, school) else None


def reports_for(user: User) -> QuerySet[Report]:
    """Every report `user` may read now, through the acting assignment."""
    school = handled_school(user)
    if school is None:
        return Report.objects.none()
    return Report.objects.filter(school=school)


def may_handle(user: User, report: Report) -> bool:
    school = handled_school(user)
    return school is not None and school.pk == report.school_id


def report_list(user: User, *, status: str = "", overdue: bool = False) -> QuerySet[Report]:
    qs = reports_for(user).select_related("school").defer("description", "reporter")
    if status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(timezone.localdate()))
    return qs.order_by("status", "due_on", "-reported_at", "id")


def involvements_of(reports: list[Report]) -> dict[int, list[Involvement]]:
    """The students of many reports in one query."""
    found: dict[int, list[Involvement]] = {r.pk: [] for r in reports}
    rows = Involvement.objects.filter(report__in=reports).select_related("student", "student__klass")
    for row in rows.order_by("role", "id"):
        found[row.report_id].append(row)
    return found


def steps_of(report: Report) -> list[Step]:
    return list(report.steps.select_related("done_by").order_by("created_at", "id"))


def classes_of(school: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.CLASS, is_closed=False).order_by("path")


def find_students(school: OrgUnit, name: str, klass_id: int | None) -> list[Student]:
    """Roster students of the school with this name (in this class when given)."""
    qs = Student.objects.filter(klass__path__under=school.path, name=name.strip()).select_related("klass")
    if klass_id:
        qs = qs.filter(klass_id=klass_id)
    return list(qs.order_by("klass__path", "id")[:20])


def designations_of(school: OrgUnit) -> QuerySet[Designation]:
    return Designation.objects.filter(school=school).select_related("user").order_by("id")


def designatable_users(school: OrgUnit) -> QuerySet[User]:
    """School staff who may be designated: people holding a handling role at the school."""
    from dudao.orgs.models import RoleAssignment

    roles = [r for r in Role if allows(r, "bullying.handle") and r != Role.PRINCIPAL]
    ids = RoleAssignment.objects.filter(unit=school, role__in=roles).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "id")


# ---- counts (every level) ----


def stats_root(user: User, unit: OrgUnit | None = None) -> OrgUnit | None:
    """The unit whose counts the user may see: the acting unit, or a unit inside it, for a role granted
    `bullying.count` (or a handler: the own school)."""
    assignment = acting_assignment(user)
    if assignment is None:
        return None
    if allows(assignment.role, "bullying.count"):
        root = assignment.unit
    else:
        school = handled_school(user)
        if school is None:
            return None
        root = school
    if unit is None:
        return root
    return unit if unit.path.startswith(root.path) else None


@dataclass
class SchoolCount:
    school_id: int
    school_name: str
    reported: int = 0
    determined: int = 0
    bullying: int = 0
    serious: int = 0
    closed: int = 0
    overdue: int = 0


def current_term() -> str:
    return term_of(timezone.localdate())


def terms_seen(root: OrgUnit) -> list[str]:
    terms = set(Report.objects.filter(school__path__under=root.path).values_list("term", flat=True).distinct())
    terms.add(current_term())
    return sorted(terms, reverse=True)


def school_stats(root: OrgUnit, term: str, today: dt.date | None = None) -> list[SchoolCount]:
    """Per school under `root` with any report in `term`: reported, 认定 (decided), 认定为欺凌, serious, closed and
    overdue. One GROUP BY; counts only, no names and no text."""
    today = today or timezone.localdate()
    rows = (
        Report.objects.filter(school__path__under=root.path, term=term)
        .values("school_id", "school__name", "school__path")
        .annotate(
            reported=Count("id"),
            determined=Count("id", filter=Q(status__in=DETERMINED_STATUSES) & Q(is_bullying__isnull=False)),
            bullying=Count("id", filter=Q(is_bullying=True)),
            serious=Count("id", filter=Q(is_bullying=True, severity="serious")),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
            overdue=Count("id", filter=overdue_q(today)),
        )
        .order_by("school__path")
    )
    return [
        SchoolCount(
            school_id=r["school_id"],
            school_name=r["school__name"],
            reported=r["reported"],
            determined=r["determined"],
            bullying=r["bullying"],
            serious=r["serious"],
            closed=r["closed"],
            overdue=r["overdue"],
        )
        for r in rows
    ]


def totals(rows: list[SchoolCount]) -> SchoolCount:
    total = SchoolCount(school_id=0, school_name="合计")
    for r in rows:
        for name in ("reported", "determined", "bullying", "serious", "closed", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total


def public_report(pk: int) -> Report | None:
    """The report behind a guardian's status link (the signed token already checked)."""
    return Report.objects.filter(pk=pk).select_related("school").defer("description", "reporter").first()
