"""School-side records: home visits (家访) and counsellor staffing (心理教师, 辅导室)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.cases.models import (
    Certificate,
    CounsellingRoom,
    CounsellorProfile,
    Employment,
    HomeVisit,
    VisitMode,
    term_of,
)
from dudao.cases.selectors import school_of
from dudao.cases.services import clean_text, refuse_future
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit, RoleAssignment, Student
from dudao.orgs.scoping import can

# ----- home visits --------------------------------------------------------------------------------------------


def record_home_visit(
    *,
    actor: User,
    student: Student,
    visited_on: dt.date | None,
    mode: str = VisitMode.IN_PERSON,
    present: str = "",
    findings: str = "",
    follow_ups: str = "",
    planned_on: dt.date | None = None,
) -> HomeVisit:
    """A class teacher plans (no `visited_on`) or records a visit; recording completes the term's open plan."""
    if not can(actor, "homevisit.change", student.klass):
        raise Forbidden("只能为本人负责班级的学生登记家访")
    if mode not in VisitMode.values:
        raise DomainError("请选择家访方式", code="bad_mode")
    if visited_on is None and planned_on is None:
        raise DomainError("请填写家访日期或计划日期", code="date_required")
    refuse_future(visited_on, "家访日期")
    if planned_on is not None and visited_on is None and planned_on < timezone.localdate():
        raise DomainError("计划日期不能早于今天", code="plan_in_past")
    present = clean_text(present, "在场人员", required=False, limit=200)
    findings = clean_text(findings, "家访情况", required=visited_on is not None)
    follow_ups = clean_text(follow_ups, "后续跟进", required=False)
    school = school_of(student.klass)
    if school is None:
        raise DomainError("学生所在学校不存在", code="no_school")
    term = term_of(visited_on or planned_on or timezone.localdate())
    with transaction.atomic():
        visit = (
            HomeVisit.objects.select_for_update()
            .filter(student=student, term=term, visited_on__isnull=True)
            .order_by("id")
            .first()
        )
        if visit is None:
            visit = HomeVisit(student=student, klass=student.klass, school=school, term=term)
        visit.teacher = actor
        visit.planned_on = planned_on or visit.planned_on
        visit.visited_on = visited_on
        visit.mode, visit.present, visit.findings, visit.follow_ups = mode, present, findings, follow_ups
        visit.save()
        record_change(
            actor=actor,
            action="home_visit" if visited_on else "home_visit_plan",
            obj=visit,
            unit_path=student.klass.path,
            after={"student": student.pk, "mode": mode, "visited_on": visited_on, "planned_on": visit.planned_on},
        )
    return visit


# ----- staffing -----------------------------------------------------------------------------------------------


def save_counsellor_profile(
    *, actor: User, user: User, school: OrgUnit, employment: str, certificate: str
) -> CounsellorProfile:
    if not can(actor, "staffing.change", school):
        raise Forbidden("只有校长或学校管理员可以维护心理教师信息")
    if employment not in Employment.values:
        raise DomainError("请选择专职或兼职", code="bad_employment")
    if certificate not in Certificate.values:
        raise DomainError("证书等级不正确", code="bad_certificate")
    if (
        not RoleAssignment.objects.filter(user=user, unit__path__under=school.path).exists()
        and user.unit_id != school.pk
    ):
        raise DomainError("心理教师须是本校教职工", code="staff_outside")
    with transaction.atomic():
        profile, created = CounsellorProfile.objects.update_or_create(
            user=user,
            school=school,
            defaults={"employment": employment, "certificate": certificate, "updated_at": timezone.now()},
        )
        record_change(
            actor=actor,
            action="counsellor_profile",
            obj=profile,
            unit_path=school.path,
            after={"user": user.pk, "employment": employment, "certificate": certificate, "created": created},
        )
    return profile


def save_room(*, actor: User, school: OrgUnit, name: str, area_m2: int, meets_standard: bool) -> CounsellingRoom:
    if not can(actor, "staffing.change", school):
        raise Forbidden("只有校长或学校管理员可以维护心理辅导室")
    name = clean_text(name, "辅导室名称", limit=60)
    if not 0 < area_m2 <= 2000:
        raise DomainError("面积应在 1–2000 平方米之间", code="bad_area")
    with transaction.atomic():
        room = CounsellingRoom.objects.create(school=school, name=name, area_m2=area_m2, meets_standard=meets_standard)
        record_change(
            actor=actor,
            action="counselling_room",
            obj=room,
            unit_path=school.path,
            after={"name": name, "area": area_m2},
        )
    return room
