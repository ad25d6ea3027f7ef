"""Reading case files. `cases_for` is the one gate: object-level, never the org subtree alone.

A case is visible to
- its assigned counsellor and class teacher, acting through a case-reading role at the case's school;
- the principal of the case's school (acting as principal);
- a person holding an unexpired break-glass grant for it, acting through a role that may break glass.
District and city roles get aggregates (`case_stats`, `dropout_stats`, `visit_coverage`) without names.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent, EventKind
from dudao.cases.models import (
    DROPOUT_SETTLED,
    RISK_RANK,
    BreakGlassGrant,
    CaseAlert,
    CaseFile,
    CaseKind,
    CaseStatus,
    CounsellingRoom,
    CounsellorProfile,
    CrisisStep,
    DropoutSuggestion,
    Employment,
    HomeVisit,
    ScreeningResult,
    SuggestionStatus,
    term_of,
)
from dudao.core.indicators import Grouping
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, RoleAssignment, Student, StudentStatus, UnitKind
from dudao.orgs.roles import Role, allows
from dudao.orgs.scoping import acting_assignment

ASSIGNED_ROLES = (Role.COUNSELLOR, Role.CLASS_TEACHER, Role.PRINCIPAL)


def school_of(unit: OrgUnit) -> OrgUnit | None:
    """The school a unit belongs to (itself, or the school above a campus, grade or class)."""
    if unit.kind == UnitKind.SCHOOL:
        return unit
    if unit.kind not in (UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS):
        return None
    prefixes = [unit.path[: n * unit.steplen] for n in range(1, unit.depth)]
    # OrgUnit's querysets are untyped (treebeard's MP_Node has no type hints): the type is named here.
    school: OrgUnit | None = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__in=prefixes).first()
    return school


def acting_school(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    if assignment is None:
        return None
    if not hasattr(assignment, "_dudao_school"):
        assignment._dudao_school = school_of(assignment.unit)  # type: ignore[attr-defined]
    school: OrgUnit | None = assignment._dudao_school  # type: ignore[attr-defined]
    return school


def _grant_q(user: User, role: str) -> Q:
    if not allows(role, "case.break_glass"):
        return Q(pk__in=[])
    active = BreakGlassGrant.objects.filter(user_id=user.pk, expires_at__gt=timezone.now(), role=role)
    return Q(pk__in=active.values("case_id"))


def cases_for(user: User) -> QuerySet[CaseFile]:
    """Every case `user` may read now, through the acting assignment."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "case.read"):
        return CaseFile.objects.none()
    role = assignment.role
    q = _grant_q(user, role)
    if role == Role.PRINCIPAL:
        q |= Q(school__path__under=assignment.unit.path)
    if role in (Role.COUNSELLOR, Role.CLASS_TEACHER):
        school = acting_school(user)
        if school is not None:
            q |= Q(school=school) & (Q(counsellor_id=user.pk) | Q(class_teacher_id=user.pk))
    return CaseFile.objects.filter(q)


def has_grant(user: User, case: CaseFile) -> bool:
    assignment = acting_assignment(user)
    if assignment is None:
        return False
    return BreakGlassGrant.objects.filter(
        user_id=user.pk, case=case, role=assignment.role, expires_at__gt=timezone.now()
    ).exists()


def may_write(user: User, case: CaseFile) -> bool:
    """Notes, levels and closing: the assigned people and the principal, not a break-glass reader."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "case.change"):
        return False
    school = acting_school(user)
    if school is None or school.pk != case.school_id:
        return False
    return assignment.role == Role.PRINCIPAL or user.pk in (case.counsellor_id, case.class_teacher_id)


# Encrypted case columns no list shows: deferred, so one value under a missing key cannot break a whole list.
CASE_SECRETS = ("plan", "summary")


def with_rows(qs: QuerySet[CaseFile]) -> QuerySet[CaseFile]:
    return qs.select_related("school", "student", "student__klass", "counsellor", "class_teacher").defer(*CASE_SECRETS)


@dataclass
class CaseFilters:
    kind: str = ""
    status: str = CaseStatus.OPEN
    level: str = ""
    overdue: bool = False

    @classmethod
    def from_params(cls, params: Any) -> CaseFilters:
        from dudao.cases.models import RiskLevel

        kind = params.get("kind", "")
        status = params.get("status", CaseStatus.OPEN)
        level = params.get("level", "")
        return cls(
            kind=kind if kind in CaseKind.values else "",
            status=status if status in CaseStatus.values or status == "all" else CaseStatus.OPEN,
            level=level if level in RiskLevel.values else "",
            overdue=params.get("overdue") in ("1", "true"),
        )


def case_list(user: User, filters: CaseFilters) -> QuerySet[CaseFile]:
    qs = cases_for(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status and filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.level:
        qs = qs.filter(risk_level=filters.level)
    if filters.overdue:
        qs = qs.filter(status=CaseStatus.OPEN, next_review_on__lt=timezone.localdate())
    rank = Case(*[When(risk_level=level, then=Value(n)) for level, n in RISK_RANK.items()], default=Value(0))
    return qs.annotate(rank=rank).order_by("-rank", "next_review_on", "id")


def open_crisis_steps(user: User) -> QuerySet[CrisisStep]:
    return (
        CrisisStep.objects.filter(case__in=cases_for(user), done_at__isnull=True)
        .select_related("case", "case__student")
        .defer("note", *(f"case__{name}" for name in CASE_SECRETS))
    )


def unread_alerts(user: User) -> QuerySet[CaseAlert]:
    return CaseAlert.objects.filter(recipient_id=user.pk, read_at__isnull=True)


def screening_suggestions(user: User) -> QuerySet[ScreeningResult]:
    """Pending screening results of the acting counsellor's or principal's school."""
    assignment = acting_assignment(user)
    school = acting_school(user)
    if assignment is None or school is None or not allows(assignment.role, "screening.import"):
        return ScreeningResult.objects.none()
    return (
        ScreeningResult.objects.filter(batch__school=school, status=SuggestionStatus.PENDING)
        .select_related("student", "student__klass", "batch")
        .defer("answers", "reason")
        .order_by("-score", "id")
    )


def dropout_suggestions(user: User) -> QuerySet[DropoutSuggestion]:
    """Pending absence-streak suggestions: the school's counsellor/principal see the school's, a class teacher
    sees the class's."""
    assignment = acting_assignment(user)
    school = acting_school(user)
    if assignment is None or school is None or not allows(assignment.role, "case.change"):
        return DropoutSuggestion.objects.none()
    qs = DropoutSuggestion.objects.filter(school=school, status=SuggestionStatus.PENDING)
    if assignment.role == Role.CLASS_TEACHER:
        qs = qs.filter(student__klass__path__under=assignment.unit.path)
    return qs.select_related("student", "student__klass").defer("reason").order_by("-days", "id")


def stats_root(user: User, permission: str = "case.stats", unit: OrgUnit | None = None) -> OrgUnit | None:
    """The unit whose aggregates the user may see: the acting unit, or a unit inside it."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, permission):
        return None
    if unit is None:
        return assignment.unit
    return unit if unit.path.startswith(assignment.unit.path) else None


@dataclass
class StatRow:
    unit_id: int
    unit_name: str
    open: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    crisis: int = 0


def _group_units(root: OrgUnit) -> list[OrgUnit]:
    """The rows of an aggregate: districts under the city, schools under a district, the school itself."""
    if root.kind == UnitKind.SCHOOL:
        return [root]
    children = list(OrgUnit.objects.filter(path__under=root.path, depth=root.depth + 1).exclude(kind=UnitKind.OFFICE))
    return sorted(children, key=lambda u: u.path)


def _row_key(path: str, groups: list[OrgUnit]) -> OrgUnit | None:
    for group in groups:
        if path.startswith(group.path):
            return group
    return None


def case_stats(root: OrgUnit) -> list[StatRow]:
    """Open cases under `root` by level and kind, with overdue reviews, one row per child unit. No names."""
    groups = _group_units(root)
    rows = {g.pk: StatRow(g.pk, g.name) for g in groups}
    today = timezone.localdate()
    data = (
        CaseFile.objects.filter(school__path__under=root.path, status=CaseStatus.OPEN)
        .values("school__path", "risk_level", "kind")
        .annotate(n=Count("id"), late=Count("id", filter=Q(next_review_on__lt=today)))
    )
    for entry in data:
        group = _row_key(entry["school__path"], groups)
        if group is None:
            continue
        row = rows[group.pk]
        row.open += entry["n"]
        row.overdue += entry["late"]
        row.by_level[entry["risk_level"]] = row.by_level.get(entry["risk_level"], 0) + entry["n"]
        row.by_kind[entry["kind"]] = row.by_kind.get(entry["kind"], 0) + entry["n"]
        if entry["risk_level"] == "crisis":
            row.crisis += entry["n"]
    return list(rows.values())


@dataclass
class DropoutStats:
    by_unit: list[dict[str, Any]]
    by_reason: dict[str, int]
    remaining: list[dict[str, Any]]
    settled: dict[str, int]


def dropout_stats(root: OrgUnit) -> DropoutStats:
    """控辍保学 for higher levels: counts by unit and reason, and each remaining case (no student name) with its
    days out and responsible cadre — the 动态清零 list."""
    groups = _group_units(root)
    qs = CaseFile.objects.filter(school__path__under=root.path, kind=CaseKind.DROPOUT).exclude(
        status=CaseStatus.ARCHIVED
    )
    by_unit: dict[int, dict[str, Any]] = {g.pk: {"unit": g.name, "remaining": 0, "settled": 0} for g in groups}
    by_reason: dict[str, int] = defaultdict(int)
    settled: dict[str, int] = defaultdict(int)
    remaining = []
    today = timezone.localdate()
    for case in qs.select_related("school").order_by("out_since", "id"):
        group = _row_key(case.school.path, groups)
        is_settled = case.dropout_result in DROPOUT_SETTLED
        if group is not None:
            by_unit[group.pk]["settled" if is_settled else "remaining"] += 1
        if is_settled:
            settled[case.dropout_result] += 1
            continue
        by_reason[case.dropout_reason or "other"] += 1
        remaining.append(
            {
                "case": case.pk,
                "school": case.school.name,
                "reason": case.get_dropout_reason_display() or "其他",
                "result": case.get_dropout_result_display() or "有辍学风险",
                "days_out": (today - case.out_since).days if case.out_since else None,
                "cadre": case.cadre_contact,
                "township": case.township_contact,
            }
        )
    return DropoutStats(list(by_unit.values()), dict(by_reason), remaining, dict(settled))


def visits_for(user: User) -> QuerySet[HomeVisit]:
    """Home visits with their content: the class teacher's classes, or the whole school for its office."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "homevisit.read"):
        return HomeVisit.objects.none()
    if assignment.unit.kind not in (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS):
        return HomeVisit.objects.none()
    return HomeVisit.objects.filter(klass__path__under=assignment.unit.path)


def visit_students(user: User, term: str) -> QuerySet[Student]:
    """Students in the user's classes, left-behind and 困境 children first, with whether they were visited."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "homevisit.read"):
        return Student.objects.none()
    if assignment.unit.kind not in (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS):
        return Student.objects.none()
    done = HomeVisit.objects.filter(student=OuterRef("pk"), term=term, visited_on__isnull=False)
    return (
        Student.objects.filter(klass__path__under=assignment.unit.path, status=StudentStatus.ENROLLED)
        .annotate(visited=Exists(done))
        .select_related("klass")
        .order_by("visited", "-is_left_behind", "-is_in_hardship", "klass__path", "id")
    )


def visit_coverage(root: OrgUnit, term: str | None = None, *, by: str = "auto") -> list[dict[str, Any]]:
    """Coverage of the term per class (a school), per school (a district) or per district (the city). No names.

    Enrolment comes from the cached per-class table (dudao.orgs.enrolment); the visited students are one GROUP BY
    over the term's visits (far fewer rows than students), by the visited student's current class."""
    term = term or term_of(timezone.localdate())
    if by == "auto":
        by = {UnitKind.SCHOOL: "class", UnitKind.DISTRICT: "school"}.get(root.kind, "district")
    kind = {"class": UnitKind.CLASS, "school": UnitKind.SCHOOL}.get(by, UnitKind.DISTRICT)
    groups = list(OrgUnit.objects.filter(path__under=root.path, kind=kind).order_by("path"))
    if by == "district" and not groups:
        groups = list(OrgUnit.objects.filter(path__under=root.path, kind=UnitKind.SCHOOL).order_by("path"))
    enrolled = enrolment.rollup(groups)
    special = Q(student__is_left_behind=True) | Q(student__is_in_hardship=True)
    visits = HomeVisit.objects.filter(
        klass__path__under=root.path,
        term=term,
        visited_on__isnull=False,
        student__status=StudentStatus.ENROLLED,
        student__klass__path__under=root.path,
    )
    visited = Grouping.of(groups).sums(
        visits,
        "student__klass__path",
        visited=Count("student", distinct=True),
        special_visited=Count("student", distinct=True, filter=special),
    )
    rows = []
    for group in groups:
        total, special_total = enrolled[group.pk].students, enrolled[group.pk].special
        seen, special_seen = (int(n) for n in visited[group.pk])
        if by == "class" and not total and not seen:
            continue  # an empty class (new, or everyone left) is not a row to chase
        rows.append(
            {
                "unit": group.name,
                "students": total,
                "visited": seen,
                "coverage": round(100 * seen / total, 1) if total else 0.0,
                "special": special_total,
                "special_visited": special_seen,
            }
        )
    return rows


@dataclass
class StaffingRow:
    unit_id: int
    unit_name: str
    students: int = 0
    full_time: int = 0
    part_time: int = 0
    certified: int = 0
    rooms: int = 0
    standard_rooms: int = 0
    schools: int = 0
    large_without_full_time: list[str] = field(default_factory=list)

    @property
    def students_per_counsellor(self) -> int | None:
        staff = self.full_time + self.part_time
        return round(self.students / staff) if staff else None


def staffing(root: OrgUnit) -> list[StaffingRow]:
    """Counsellors per student by school (a district or school) or district (the city); big schools without a
    full-time counsellor; counselling rooms."""
    threshold = settings.DUDAO_CASE_FULLTIME_THRESHOLD
    schools = list(OrgUnit.objects.filter(path__under=root.path, kind=UnitKind.SCHOOL, is_closed=False))
    enrolled = enrolment.rollup(schools)
    by_school_students = {school.pk: enrolled[school.pk].students for school in schools}
    profiles: dict[int, list[CounsellorProfile]] = defaultdict(list)
    for profile in CounsellorProfile.objects.filter(school__in=schools):
        profiles[profile.school_id].append(profile)
    rooms: dict[int, list[CounsellingRoom]] = defaultdict(list)
    for room in CounsellingRoom.objects.filter(school__in=schools):
        rooms[room.school_id].append(room)
    per_district = root.kind == UnitKind.BUREAU
    # One row per unit one level down: the districts of a city, the cities of a province (schools directly under
    # the bureau fall into its own row).
    groups = (
        {
            g.path: g
            for g in OrgUnit.objects.filter(
                path__under=root.path, depth=root.depth + 1, kind__in=(UnitKind.BUREAU, UnitKind.DISTRICT)
            )
        }
        if per_district
        else {}
    )
    rows: dict[int, StaffingRow] = {}
    district_length = len(next(iter(groups), ""))
    for school in sorted(schools, key=lambda s: s.path):
        group = groups.get(school.path[:district_length]) if per_district else school
        if group is None:
            group = root
        row = rows.setdefault(group.pk, StaffingRow(group.pk, group.name))
        staff = profiles.get(school.pk, [])
        full = sum(1 for p in staff if p.employment == Employment.FULL_TIME)
        row.schools += 1
        row.students += by_school_students.get(school.pk, 0)
        row.full_time += full
        row.part_time += len(staff) - full
        row.certified += sum(1 for p in staff if p.certificate)
        row.rooms += len(rooms.get(school.pk, []))
        row.standard_rooms += sum(1 for r in rooms.get(school.pk, []) if r.meets_standard)
        if by_school_students.get(school.pk, 0) >= threshold and not full:
            row.large_without_full_time.append(school.name)
    return list(rows.values())


def counsellor_candidates(school: OrgUnit) -> QuerySet[User]:
    """People who may be assigned to a case at a school: its counsellors, principals and class teachers."""
    holders = RoleAssignment.objects.filter(unit__path__under=school.path, role__in=ASSIGNED_ROLES).values("user_id")
    # The user manager is built by from_queryset, which mypy cannot follow: the type is named here.
    candidates: QuerySet[User] = User.objects.filter(pk__in=holders, is_active=True).order_by("full_name")
    return candidates


def class_teacher_of(student: Student) -> User | None:
    holder = (
        RoleAssignment.objects.filter(unit_id=student.klass_id, role=Role.CLASS_TEACHER)
        .order_by("id")
        .values_list("user_id", flat=True)
        .first()
    )
    return User.objects.filter(pk=holder).first() if holder else None


def break_glass_scope(user: User) -> QuerySet[CaseFile]:
    """Cases a principal or the designated officer could open by break-glass (outside their normal access)."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "case.break_glass"):
        return CaseFile.objects.none()
    qs = CaseFile.objects.exclude(status=CaseStatus.ARCHIVED)
    if assignment.role == Role.PRINCIPAL:
        # A student now at their school whose file is kept by another school (moved, transferred).
        return qs.filter(student__klass__path__under=assignment.unit.path).exclude(
            school__path__under=assignment.unit.path
        )
    return qs.filter(school__path__under=assignment.unit.path)


def break_glass_candidates(user: User, student_no: str) -> QuerySet[CaseFile]:
    """Found by 学籍号 only: no browsing of other people's cases."""
    if not student_no.strip():
        return CaseFile.objects.none()
    return break_glass_scope(user).filter(student__student_no=student_no.strip())


def access_events(user: User, *, case: CaseFile | None = None) -> QuerySet[AuditEvent]:
    """Reads of case files: for the security officer and the designated officer everything in scope; for a
    principal the school's; for a case's readers, that case's (who has read the files about my students)."""
    qs = AuditEvent.objects.filter(kind=EventKind.ACCESS, object_type="cases.casefile")
    if case is not None:
        return qs.filter(object_id=str(case.pk)).order_by("-seq")
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "case.access_report"):
        return qs.none()
    return qs.filter(unit_path__under=assignment.unit.path).order_by("-seq")


def grants_for_report(user: User) -> QuerySet[BreakGlassGrant]:
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, "case.access_report"):
        return BreakGlassGrant.objects.none()
    return (
        BreakGlassGrant.objects.filter(case__school__path__under=assignment.unit.path)
        .select_related("user", "case", "case__school")
        .defer(*(f"case__{name}" for name in CASE_SECRETS))
        .order_by("-granted_at")
    )


def today() -> dt.date:
    return timezone.localdate()
