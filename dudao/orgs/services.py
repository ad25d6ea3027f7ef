"""State changes of the org tree, accounts' roles and people. Each function is one use case,
runs in one transaction, checks permission itself and writes its audit event."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dudao.accounts.models import User
from dudao.accounts.services import check_password_strength, replace_password
from dudao.audit.services import record_access, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump, locked
from dudao.orgs import enrolment
from dudao.orgs.models import (
    ALLOWED_CHILDREN,
    OrgUnit,
    RoleAssignment,
    Student,
    StudentStatus,
    UnitKind,
)
from dudao.orgs.registry import open_work, open_work_checker
from dudao.orgs.roles import ADMIN_TRIAD, Role
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.text import MOBILE_RE, mask_id_card, mask_phone, mask_student_no, search_key

UNIT_FIELDS = ["name", "short_name", "kind", "school_type", "code", "path", "is_closed", "closed_reason"]
# Which unit kinds each administering role may create, rename, move or close.
MANAGEABLE_KINDS: dict[str, frozenset[str]] = {
    Role.SYSADMIN: frozenset(UnitKind),
    Role.DISTRICT_ADMIN: frozenset({UnitKind.OFFICE, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS}),
    Role.SCHOOL_STAFF: frozenset({UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS}),
}


def _require(condition: bool, message: str = "您没有执行此操作的权限") -> None:
    if not condition:
        raise Forbidden(message)


def _check_manage(actor: User, unit_kind: str, inside: OrgUnit, *, strict: bool) -> None:
    """Actor may manage a unit of `unit_kind` placed in `inside`'s subtree."""
    assignment = acting_assignment(actor)
    _require(assignment is not None and can(actor, "orgunit.change", inside))
    assert assignment is not None
    if strict and inside.pk == assignment.unit_id and assignment.role != Role.SYSADMIN:
        raise Forbidden("不能修改自己所在的顶层单位，请联系上级管理员")
    if unit_kind not in MANAGEABLE_KINDS.get(assignment.role, frozenset()):
        raise Forbidden("您的角色不能管理此类单位")


def _refuse_closed(unit: OrgUnit) -> None:
    if unit.is_closed:
        raise DomainError(f"“{unit.name}”已撤销，不能再修改", code="unit_closed", status=409)


def _clean_name(name: str, label: str = "名称") -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(f"{label}不能为空", code="name_required")
    if len(name) > 100:
        raise DomainError(f"{label}不能超过 100 个字", code="name_too_long")
    return name


def create_unit(
    *,
    actor: User,
    parent: OrgUnit,
    name: str,
    kind: str,
    short_name: str = "",
    school_type: str = "",
    code: str = "",
) -> OrgUnit:
    name = _clean_name(name)
    if kind not in UnitKind.values:
        raise DomainError("未知的单位类型", code="unknown_kind")
    if kind not in ALLOWED_CHILDREN.get(parent.kind, frozenset()):
        raise DomainError(
            f"“{parent.get_kind_display()}”下不能直接设立“{UnitKind(kind).label}”", code="kind_not_allowed"
        )
    _check_manage(actor, kind, parent, strict=False)
    with transaction.atomic():
        parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
        if parent.is_closed:
            raise DomainError(f"“{parent.name}”已撤销，不能再设立下级单位", code="unit_closed")
        if parent.get_children().filter(name=name, is_closed=False).exists():
            raise DomainError(f"“{parent.name}”下已有同名单位“{name}”", code="duplicate_name", status=409)
        unit = parent.add_child(
            name=name,
            short_name=short_name.strip(),
            kind=kind,
            school_type=school_type if kind == UnitKind.SCHOOL else "",
            code=code.strip(),
            pinyin=search_key(name, short_name),
        )
        record_change(actor=actor, action="create", obj=unit, unit_path=unit.path, after=snapshot(unit, UNIT_FIELDS))
    return unit


def rename_unit(*, actor: User, unit: OrgUnit, name: str, short_name: str, version: int | None) -> OrgUnit:
    name = _clean_name(name)
    _check_manage(actor, unit.kind, unit, strict=True)
    with transaction.atomic():
        unit = locked(OrgUnit.objects, unit.pk, version)
        _refuse_closed(unit)
        siblings = unit.get_siblings().filter(name=name, is_closed=False).exclude(pk=unit.pk)
        if unit.depth > 1 and siblings.exists():
            raise DomainError(f"同一上级单位下已有名为“{name}”的单位", code="duplicate_name", status=409)
        before = snapshot(unit, UNIT_FIELDS)
        unit.name, unit.short_name = name, short_name.strip()
        unit.pinyin = search_key(unit.name, unit.short_name)
        unit.updated_at = timezone.now()
        bump(unit, ["name", "short_name", "pinyin", "updated_at"])
        record_change(
            actor=actor,
            action="rename",
            obj=unit,
            unit_path=unit.path,
            before=before,
            after=snapshot(unit, UNIT_FIELDS),
        )
    return unit


def move_unit(*, actor: User, unit: OrgUnit, new_parent: OrgUnit, version: int | None) -> OrgUnit:
    _check_manage(actor, unit.kind, unit, strict=True)
    _require(can(actor, "orgunit.change", new_parent), "目标上级单位不在您的管理范围内")
    if new_parent.path.startswith(unit.path):
        raise DomainError("不能把单位移动到它自己或它的下级单位之下", code="move_into_descendant")
    if unit.kind not in ALLOWED_CHILDREN.get(new_parent.kind, frozenset()):
        raise DomainError(
            f"“{new_parent.get_kind_display()}”下不能放置“{unit.get_kind_display()}”", code="kind_not_allowed"
        )
    with transaction.atomic():
        unit = locked(OrgUnit.objects, unit.pk, version)
        new_parent = OrgUnit.objects.select_for_update().get(pk=new_parent.pk)
        _refuse_closed(unit)
        if new_parent.is_closed:
            raise DomainError(f"“{new_parent.name}”已撤销，不能接收下级单位", code="unit_closed")
        if new_parent.get_children().filter(name=unit.name, is_closed=False).exists():
            raise DomainError(
                f"“{new_parent.name}”下已有同名单位“{unit.name}”，请先改名", code="duplicate_name", status=409
            )
        if unit.parent_path == new_parent.path:
            raise DomainError("该单位已在所选上级单位之下", code="move_noop")
        before = snapshot(unit, UNIT_FIELDS)
        before["parent"] = OrgUnit.objects.get(path=unit.parent_path).pk if unit.depth > 1 else None
        unit.move(new_parent, pos="last-child")
        OrgUnit.objects.filter(pk=unit.pk).update(version=F("version") + 1, updated_at=timezone.now())
        unit = OrgUnit.objects.get(pk=unit.pk)
        after = snapshot(unit, UNIT_FIELDS)
        after["parent"] = new_parent.pk
        record_change(actor=actor, action="move", obj=unit, unit_path=unit.path, before=before, after=after)
    return unit


@open_work_checker
def _children_and_students(unit: OrgUnit) -> list[str]:
    reasons = []
    open_children = OrgUnit.objects.filter(path__under=unit.path, is_closed=False).exclude(pk=unit.pk).count()
    if open_children:
        reasons.append(f"还有 {open_children} 个未撤销的下级单位")
    students = Student.objects.filter(klass__path__under=unit.path, status=StudentStatus.ENROLLED).count()
    if students:
        reasons.append(f"还有 {students} 名在籍学生，请先转班或办理离校")
    return reasons


def close_unit(*, actor: User, unit: OrgUnit, reason: str, version: int | None) -> OrgUnit:
    _check_manage(actor, unit.kind, unit, strict=True)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写撤销原因", code="reason_required")
    with transaction.atomic():
        unit = locked(OrgUnit.objects, unit.pk, version)
        if unit.is_closed:
            raise DomainError("该单位已撤销", code="already_closed", status=409)
        blockers = open_work(unit)
        if blockers:
            raise DomainError(
                f"“{unit.name}”仍有未完成的工作，不能撤销：" + "；".join(blockers),
                code="unit_has_open_work",
                status=409,
            )
        before = snapshot(unit, UNIT_FIELDS)
        unit.is_closed, unit.closed_at, unit.closed_reason = True, timezone.now(), reason[:200]
        unit.updated_at = unit.closed_at
        bump(unit, ["is_closed", "closed_at", "closed_reason", "updated_at"])
        record_change(
            actor=actor,
            action="close",
            obj=unit,
            unit_path=unit.path,
            before=before,
            after=snapshot(unit, UNIT_FIELDS),
        )
    return unit


# ----- accounts and roles ---------------------------------------------------------------

STAFF_FIELDS = ["username", "full_name", "phone", "title", "unit", "is_active"]


def create_staff(
    *, actor: User, unit: OrgUnit, username: str, full_name: str, phone: str, title: str, password: str
) -> User:
    _require(can(actor, "staff.change", unit), "您不能在该单位下创建账户")
    if unit.is_closed:
        raise DomainError(f"“{unit.name}”已撤销，不能再创建账户", code="unit_closed")
    username = (username or "").strip()
    if not username:
        raise DomainError("用户名不能为空", code="username_required")
    full_name = _clean_name(full_name, "姓名")
    if phone and not MOBILE_RE.match(phone):
        raise DomainError("手机号应为 11 位数字，以 1 开头", code="bad_phone")
    user = User(username=username, full_name=full_name, phone=phone, title=title.strip(), unit=unit)
    check_password_strength(password, user)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise DomainError(f"用户名“{username}”已被使用", code="duplicate_username", status=409)
        user.set_password(password)
        user.save()
        record_change(actor=actor, action="create", obj=user, unit_path=unit.path, after=snapshot(user, STAFF_FIELDS))
    return user


def assign_role(*, actor: User, user: User, role: str, unit: OrgUnit) -> RoleAssignment:
    _require(can(actor, "role.assign", unit), "您不能在该单位授予角色")
    if role not in Role.values:
        raise DomainError("未知角色", code="unknown_role")
    if unit.is_closed:
        raise DomainError(f"“{unit.name}”已撤销，不能授予角色", code="unit_closed")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        # 三员分立: an administrator account holds its one administrator role and nothing else,
        # so a system administrator can never switch into a role that reads work data.
        clash = (held - {role}) if role in ADMIN_TRIAD else (held & ADMIN_TRIAD)
        if clash:
            held_label = Role(sorted(clash)[0]).label
            raise DomainError(
                f"三员分立：该账户已是{held_label}，不能再兼任{Role(role).label}；"
                "系统管理员、安全管理员、审计管理员须使用专用账户",
                code="admin_triad_conflict",
                status=409,
            )
        if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
            raise DomainError("该账户在此单位已有此角色", code="duplicate_assignment", status=409)
        if actor is not None and getattr(actor, "pk", None) == user.pk:
            raise DomainError("不能给自己授予角色", code="self_assignment")
        try:
            assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit)
        except IntegrityError as exc:
            raise DomainError("该账户在此单位已有此角色", code="duplicate_assignment", status=409) from exc
        record_change(
            actor=actor,
            action="assign",
            obj=assignment,
            unit_path=unit.path,
            after={"user": user.pk, "username": user.username, "role": role, "unit": unit.pk},
        )
    return assignment


def revoke_role(*, actor: User, assignment: RoleAssignment) -> None:
    _require(can(actor, "role.assign", assignment.unit), "您不能撤销该单位的角色")
    if actor is not None and getattr(actor, "pk", None) == assignment.user_id:
        raise DomainError("不能撤销自己的角色", code="self_revoke")
    with transaction.atomic():
        before = {"user": assignment.user_id, "role": assignment.role, "unit": assignment.unit_id}
        record_change(actor=actor, action="revoke", obj=assignment, unit_path=assignment.unit.path, before=before)
        assignment.delete()


# ----- students ------------------------------------------------------------------------------


def school_of(unit: OrgUnit) -> OrgUnit | None:
    """The school a unit lies in (itself if it is one)."""
    if unit.kind == UnitKind.SCHOOL:
        return unit
    return OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__in=_ancestor_paths(unit.path)).first()


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(OrgUnit.steplen, len(path), OrgUnit.steplen)]


def reveal_student(*, actor: User, student: Student, fields: list[str]) -> dict[str, Any]:
    """Unmasked ID number and guardian phones, for roles that need them; every call is logged.

    The 学籍号 carries the ID number: it is masked wherever the ID is and revealed together with it."""
    unit = student.klass
    revealed: dict[str, Any] = {}
    if "id_card_no" in fields:
        _require(can(actor, "student.unmask_id", unit), "您的角色不能查看完整身份证号")
        revealed["id_card_no"] = student.id_card_no
        revealed["student_no"] = student.student_no
    if "guardian_phones" in fields:
        _require(can(actor, "student.unmask_phone", unit), "您的角色不能查看完整的监护人电话")
        revealed["guardian_phones"] = {g.pk: g.phone for g in student.guardians.all()}
    if not revealed:
        raise DomainError("请选择要查看的信息", code="nothing_to_reveal")
    record_access(
        actor=actor,
        action="view_unmasked",
        obj=student,
        unit_path=unit.path,
        details={"fields": sorted(revealed)},
    )
    return revealed


def masked_student(student: Student) -> dict[str, Any]:
    return {
        "student_no": mask_student_no(student.student_no),
        "id_card_no": mask_id_card(student.id_card_no) if student.id_card_no else "",
        "guardians": [
            {"id": g.pk, "name": g.name, "relation": g.get_relation_display(), "phone": mask_phone(g.phone)}
            for g in student.guardians.all()
        ],
    }


STUDENT_FIELDS = ["klass", "name", "status"]


def transfer_student(*, actor: User, student: Student, klass: OrgUnit, version: int | None) -> Student:
    """转班: move a student to another open class the actor administers."""
    _require(can(actor, "student.change", student.klass), "您不能调整该学生的班级")
    _require(can(actor, "student.change", klass), "目标班级不在您的管理范围内")
    if klass.kind != UnitKind.CLASS:
        raise DomainError("请选择一个班级", code="not_a_class")
    if klass.is_closed:
        raise DomainError(f"“{klass.name}”已撤销，不能转入", code="unit_closed")
    with transaction.atomic():
        student = Student.objects.select_for_update().select_related("klass").get(pk=student.pk)
        check_version(student, version)
        if student.klass_id == klass.pk:
            raise DomainError("该学生已在此班级", code="transfer_noop")
        before = snapshot(student, STUDENT_FIELDS)
        student.klass = klass
        student.updated_at = timezone.now()
        bump(student, ["klass", "updated_at"])
        enrolment.invalidate()
        record_change(
            actor=actor,
            action="transfer",
            obj=student,
            unit_path=klass.path,
            before=before,
            after=snapshot(student, STUDENT_FIELDS),
        )
    return student


def mark_student_left(*, actor: User, student: Student, reason: str, version: int | None) -> Student:
    """办理离校 (graduated, transferred out, …): the record stays, the student leaves the roster counts."""
    _require(can(actor, "student.change", student.klass), "您不能为该学生办理离校")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写离校原因", code="reason_required")
    with transaction.atomic():
        student = Student.objects.select_for_update().select_related("klass").get(pk=student.pk)
        check_version(student, version)
        if student.status == StudentStatus.LEFT:
            raise DomainError("该学生已办理离校", code="already_left", status=409)
        before = snapshot(student, STUDENT_FIELDS)
        student.status = StudentStatus.LEFT
        student.updated_at = timezone.now()
        bump(student, ["status", "updated_at"])
        enrolment.invalidate()
        after = {**snapshot(student, STUDENT_FIELDS), "reason": reason[:200]}
        record_change(
            actor=actor, action="leave", obj=student, unit_path=student.klass.path, before=before, after=after
        )
    return student


def set_staff_active(*, actor: User, user: User, active: bool) -> User:
    """停用/启用 an account. A stopped account cannot log in and its API tokens stop working."""
    _require(user.unit is not None and can(actor, "staff.change", user.unit), "您不能管理该账户")
    if getattr(actor, "pk", None) == user.pk:
        raise DomainError("不能停用自己的账户", code="self_deactivate")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            raise DomainError("账户已是该状态", code="state_noop", status=409)
        before = snapshot(user, STAFF_FIELDS)
        user.is_active = active
        bump(user, ["is_active"])
        record_change(
            actor=actor,
            action="activate" if active else "deactivate",
            obj=user,
            unit_path=user.unit.path if user.unit else "",
            before=before,
            after=snapshot(user, STAFF_FIELDS),
        )
    return user


def reset_password(*, actor: User, user: User, password: str) -> None:
    """The system administrator sets a new initial password; the person's API tokens are revoked."""
    _require(user.unit is not None and can(actor, "staff.change", user.unit), "您不能管理该账户")
    check_password_strength(password, user)
    with transaction.atomic():
        revoked = replace_password(user, password)
        record_change(
            actor=actor,
            action="reset_password",
            obj=user,
            unit_path=user.unit.path if user.unit else "",
            before={"password": "***"},
            after={"password": "***（已重置）", "tokens_revoked": revoked},
        )
