"""State changes of the risk register: risk points (create, edit, retire) and their periodic checks.

Every change runs in one transaction with its audit event. A check that finds a hazard hands it to the
rectification ledger through `dudao.core.ledger` in the same transaction, so the check and its ledger item are
saved together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import IMAGE_TYPES, removed_on_failure, store_upload
from dudao.core.ledger import Hazard, ledger
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.roles import Role
from dudao.orgs.scoping import acting_assignment, can
from dudao.risks.models import (
    Category,
    CheckResult,
    Frequency,
    Grade,
    HazardLevel,
    RiskCheck,
    RiskPoint,
    next_due,
    period_end,
)

POINT_FIELDS = ["unit", "category", "place", "description", "grade", "measures", "responsible", "frequency"]
# A bureau lists its own premises under the office that looks after them (办公室, 安全稳定科): the ledger holds
# schools, district bureaus and offices.
POINT_UNIT_KINDS = (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.DISTRICT, UnitKind.OFFICE)
SCHOOL_MANAGERS = frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF})
# Days a hazard may take to be rectified, by level (the ledger's 最迟期限; 四定 may set an earlier date).
HAZARD_DAYS = {HazardLevel.GENERAL: 15, HazardLevel.SERIOUS: 60}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# How far back a check may be entered (a check done on paper during a day without signal).
MAX_DAYS_BACK = 7


@dataclass(frozen=True)
class PointData:
    """A risk point's fields as a form, the API or an Excel row hands them over."""

    category: str
    place: str
    description: str
    grade: str
    measures: str
    responsible: User
    frequency: str


def manages(user: User, unit: OrgUnit) -> bool:
    """May list and edit the unit's risk points: a school's principal or office for units of their school; bureau
    and district staff only for their own premises (the unit they act for or belong to), not their schools'."""
    if not can(user, "risk.change", unit):
        return False
    assignment = acting_assignment(user)
    if assignment is None:
        return False
    if assignment.role in SCHOOL_MANAGERS:
        return True
    return unit.pk in (assignment.unit_id, user.unit_id)


def may_check(user: User, point: RiskPoint) -> bool:
    """The point's responsible person records its checks; so may whoever manages the unit."""
    if not point.is_active:
        return False
    return point.responsible_id == user.pk or manages(user, point.unit)


def _check_manager(actor: User, unit: OrgUnit) -> None:
    if not manages(actor, unit):
        raise Forbidden("只有本单位校长或学校管理员（教育局、区县教育局为本单位场所）可以维护风险点")


def validate(unit: OrgUnit, data: PointData) -> None:
    """The rules a risk point meets whichever way it arrives, with Chinese messages."""
    if unit.kind not in POINT_UNIT_KINDS:
        raise DomainError("风险点应登记在学校、校区、区县教育局或教育局科室（本单位场所）", code="unit_kind_invalid")
    if unit.is_closed:
        raise DomainError(f"{unit.name}已撤销，不能再登记风险点", code="unit_closed")
    if data.category not in Category.values:
        raise DomainError("请选择风险类别", code="category_invalid")
    if data.grade not in Grade.values:
        raise DomainError("风险等级应为重大、较大、一般或低", code="grade_invalid")
    if data.frequency not in Frequency.values:
        raise DomainError("排查频次应为每日、每周、每月或每学期", code="frequency_invalid")
    if not data.place.strip():
        raise DomainError("请填写风险点（部位/场所）", code="place_required")
    if len(data.place.strip()) > 100:
        raise DomainError("风险点名称不能超过 100 字", code="place_too_long")
    if not data.description.strip():
        raise DomainError("请填写风险描述", code="description_required")
    if len(data.description.strip()) > 500:
        raise DomainError("风险描述不能超过 500 字", code="description_too_long")
    if not data.measures.strip():
        raise DomainError("请填写管控措施", code="measures_required")
    if len(data.measures.strip()) > 2000:
        raise DomainError("管控措施不能超过 2000 字", code="measures_too_long")
    if not is_person_of(data.responsible, unit):
        raise DomainError(
            f"责任人“{data.responsible.display_name}”不是{unit.name}的在岗人员", code="responsible_outside_unit"
        )


def is_person_of(person: User, unit: OrgUnit) -> bool:
    home = person.unit
    return bool(person.is_active and home is not None and home.path.startswith(unit.path))


def _schedule(point: RiskPoint, due_on: dt.date) -> None:
    point.next_check_on = due_on
    point.check_deadline = period_end(point.frequency, due_on)


def create_point(*, actor: User, unit: OrgUnit, data: PointData) -> RiskPoint:
    """A new risk point; its first check is due today."""
    _check_manager(actor, unit)
    validate(unit, data)
    today = timezone.localdate()
    point = RiskPoint(
        unit=unit,
        category=data.category,
        place=data.place.strip(),
        description=data.description.strip(),
        grade=data.grade,
        measures=data.measures.strip(),
        responsible=data.responsible,
        frequency=data.frequency,
        created_by=actor,
    )
    _schedule(point, today)
    with transaction.atomic():
        point.save()
        record_change(actor=actor, action="create", obj=point, unit_path=unit.path, after=snapshot(point, POINT_FIELDS))
    return point


def create_points(*, actor: User, unit: OrgUnit, rows: list[PointData]) -> list[RiskPoint]:
    """Several points at once (the Excel import): all or none, one audit event each."""
    _check_manager(actor, unit)
    with transaction.atomic():
        return [create_point(actor=actor, unit=unit, data=row) for row in rows]


def update_point(*, actor: User, point: RiskPoint, data: PointData, version: int | None) -> RiskPoint:
    """Edit a point (stale versions refused); a new frequency reschedules the next check from the last one."""
    _check_manager(actor, point.unit)
    validate(point.unit, data)
    with transaction.atomic():
        fresh = locked(RiskPoint.objects.select_related("unit"), point.pk, version)
        if not fresh.is_active:
            raise DomainError("该风险点已销号，不能再修改", code="point_retired")
        before = snapshot(fresh, POINT_FIELDS)
        frequency_changed = fresh.frequency != data.frequency
        fresh.category = data.category
        fresh.place = data.place.strip()
        fresh.description = data.description.strip()
        fresh.grade = data.grade
        fresh.measures = data.measures.strip()
        fresh.responsible = data.responsible
        fresh.frequency = data.frequency
        fields = [*POINT_FIELDS[1:], "updated_at"]
        if frequency_changed:
            today = timezone.localdate()
            due = next_due(fresh.frequency, fresh.last_checked_on) if fresh.last_checked_on else today
            _schedule(fresh, due)
            fields += ["next_check_on", "check_deadline"]
        fresh.updated_at = timezone.now()
        bump(fresh, fields)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, POINT_FIELDS),
        )
    return fresh


def retire_point(*, actor: User, point: RiskPoint, reason: str, version: int | None) -> RiskPoint:
    """The risk is gone (the pond filled in, the old building demolished): no more checks are scheduled."""
    _check_manager(actor, point.unit)
    if not reason.strip():
        raise DomainError("请写明销号原因（如：危房已拆除）", code="reason_required")
    with transaction.atomic():
        fresh = locked(RiskPoint.objects.select_related("unit"), point.pk, version)
        if not fresh.is_active:
            return fresh
        fresh.is_active = False
        fresh.updated_at = timezone.now()
        bump(fresh, ["is_active", "updated_at"])
        record_change(
            actor=actor,
            action="retire",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"is_active": True},
            after={"is_active": False, "reason": reason.strip()[:200]},
        )
    return fresh


def record_check(
    *,
    actor: User,
    point: RiskPoint,
    checked_on: dt.date,
    result: str,
    note: str = "",
    hazard_level: str = "",
    photo: tuple[IO[bytes], str] | None = None,
) -> RiskCheck:
    """One check of a point. A hazard goes to the rectification ledger (四定, 销号) with the point named as its
    source. A second submit for the same point and day (a double tap, a retried request) returns the first."""
    if not may_check(actor, point):
        raise Forbidden("只有该风险点的责任人或本单位校长、学校管理员可以记录排查")
    today = timezone.localdate()
    if checked_on > today:
        raise DomainError("排查日期不能晚于今天", code="checked_on_in_future")
    if checked_on < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise DomainError(f"只能补记 {MAX_DAYS_BACK} 天内的排查", code="checked_on_too_old")
    if result not in CheckResult.values:
        raise DomainError("请选择排查结果：正常或发现隐患", code="result_invalid")
    note = note.strip()
    if len(note) > 500:
        raise DomainError("情况说明不能超过 500 字", code="note_too_long")
    if result == CheckResult.HAZARD:
        if not note:
            raise DomainError("发现隐患时请描述隐患情况", code="hazard_description_required")
        if hazard_level not in HazardLevel.values:
            raise DomainError("请选择隐患等级：一般隐患或重大隐患", code="hazard_level_invalid")
    else:
        hazard_level = ""
    with removed_on_failure(), transaction.atomic():
        fresh = RiskPoint.objects.select_for_update(of=("self",)).select_related("unit").get(pk=point.pk)
        twin = RiskCheck.objects.filter(point=fresh, checked_on=checked_on).first()
        if twin is not None:
            if twin.checked_by_id == actor.pk and twin.result == result:
                return twin
            raise DomainError(
                f"该风险点 {checked_on:%m月%d日} 已有排查记录（{twin.get_result_display()}），请勿重复提交",
                code="check_exists",
            )
        stored = (
            store_upload(actor=actor, upload=photo[0], name=photo[1], allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
            if photo is not None
            else None
        )
        check = RiskCheck(
            point=fresh,
            checked_on=checked_on,
            checked_by=actor,
            result=result,
            note=note,
            hazard_level=hazard_level,
            photo=stored,
        )
        if result == CheckResult.HAZARD:
            (check.ledger_item_id,) = ledger().hand_over(
                actor=actor,
                hazards=[
                    Hazard(
                        unit=_ledger_unit(fresh.unit),
                        category=f"安全隐患·{fresh.get_category_display()}",
                        description=f"{fresh.place}：{note}",
                        severity="serious" if hazard_level == HazardLevel.SERIOUS else "general",
                        due_limit=checked_on + dt.timedelta(days=HAZARD_DAYS[HazardLevel(hazard_level)]),
                        source_ref=f"风险点排查：{fresh.place}"[:100],
                        photo_ids=[stored.pk] if stored is not None else [],
                    )
                ],
            )
        try:
            with transaction.atomic():
                check.save()
        except IntegrityError as exc:  # the same check saved by a parallel request in between
            raise DomainError("该风险点当天已有排查记录，请勿重复提交", code="check_exists") from exc
        if fresh.last_checked_on is None or checked_on >= fresh.last_checked_on:
            fresh.last_checked_on = checked_on
            _schedule(fresh, max(next_due(fresh.frequency, checked_on), fresh.next_check_on))
            fresh.save(update_fields=["last_checked_on", "next_check_on", "check_deadline"])
        record_change(
            actor=actor,
            action="check",
            obj=check,
            unit_path=fresh.unit.path,
            after={
                "point": fresh.pk,
                "checked_on": checked_on.isoformat(),
                "result": result,
                "note": note,
                "hazard_level": hazard_level,
                "photo": stored.pk if stored else None,
                "ledger_item": check.ledger_item_id,
            },
        )
    return check


def _ledger_unit(unit: OrgUnit) -> OrgUnit:
    """A campus's hazard is its school's ledger item (the ledger holds schools, districts and offices)."""
    if unit.kind == UnitKind.CAMPUS:
        parent = unit.get_parent()
        if parent is not None:
            return parent
    return unit
