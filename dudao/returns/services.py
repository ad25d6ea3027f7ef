"""Changes in returns: screening rounds and their answers (a parent's link, the class teacher, staff for
themselves), the doctor's 返校 clearance, suspensions (停课) painted into the calendar, and 错峰 arrival times.

Each service checks the acting role on the unit concerned, runs in one transaction and is audited. An answer given
twice (a link opened again, a form posted twice) updates the one row per person and round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_access, record_change, snapshot
from dudao.calendars import selectors as calendar
from dudao.calendars import services as calendar_services
from dudao.calendars.models import CalendarEntry, EntryKind
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can
from dudao.returns.models import (
    AnsweredBy,
    ArrivalSlot,
    RoundStatus,
    ScreeningAnswer,
    ScreeningRound,
    Suspension,
    SuspensionStatus,
)

# The symptoms a screening asks about (a short list a parent can tick on a phone).
SYMPTOMS: dict[str, str] = {
    "fever": "发热",
    "cough": "咳嗽",
    "sore_throat": "咽痛",
    "vomiting": "呕吐",
    "diarrhoea": "腹泻",
    "rash": "皮疹",
    "fatigue": "乏力",
}
MAX_QUESTIONS = 10
MAX_AREAS = 50
MAX_SUSPENSION_DAYS = 60
# As for illness absences (health.services.clearance): a clearance date more than 30 days ahead is a typo.
CLEARANCE_MAX_AHEAD = 30
ROUND_FIELDS = ["name", "return_on", "risk_areas", "lookback_days", "hold_days", "questions", "status"]
ANSWER_FIELDS = [
    "answered_by",
    "travel_area",
    "left_area_on",
    "symptoms",
    "close_contact",
    "contact_on",
    "extra",
    "is_held",
    "hold_reasons",
    "expected_return",
]
SUSPENSION_FIELDS = [
    "unit",
    "starts_on",
    "ends_on",
    "reason",
    "reference",
    "online_plan",
    "online_link",
    "teacher",
    "status",
    "lifted_on",
]
ARRIVAL_FIELDS = ["grade", "day", "arrives_from", "arrives_until", "gate", "note"]


def _fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _ancestor_paths(path: str) -> list[str]:
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def school_of(unit: OrgUnit) -> OrgUnit:
    if unit.kind == UnitKind.SCHOOL:
        return unit
    school = OrgUnit.objects.filter(path__in=_ancestor_paths(unit.path), kind=UnitKind.SCHOOL).first()
    if school is None:
        raise DomainError(f"{unit.name}不属于任何学校", code="unit_without_school")
    return school


# ----- screening rounds -------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundIn:
    name: str
    return_on: dt.date | None = None  # None: the calendar's next opening day for the unit
    risk_areas: str = ""
    lookback_days: int = 14
    hold_days: int = 7
    questions: Sequence[str] = field(default_factory=tuple)


def open_round(*, actor: User, unit: OrgUnit, data: RoundIn) -> ScreeningRound:
    """A school's screening, or a district's for all its schools, before the return day."""
    if unit.kind not in (UnitKind.DISTRICT, UnitKind.SCHOOL):
        raise DomainError("返校筛查由区县或学校发起", code="round_unit_kind")
    if not can(actor, "returns.screen", unit):
        raise Forbidden("您无权为该单位发起返校筛查")
    name = _text(data.name, label="筛查名称", limit=60)
    today = timezone.localdate()
    return_on = data.return_on
    if return_on is None:
        return_on = calendar.next_opening_day(unit, today)
        if return_on is None:
            raise DomainError("校历中没有即将到来的开学日，请填写返校日期", code="no_opening_day")
    if return_on < today:
        raise DomainError(f"返校日期（{_fmt(return_on)}）已过，请填写今天或以后的日期", code="return_in_past")
    if not 1 <= data.lookback_days <= 60:
        raise DomainError("追溯天数应在 1 至 60 天之间", code="lookback_invalid")
    if not 0 <= data.hold_days <= 30:
        raise DomainError("暂缓天数应在 0 至 30 天之间", code="hold_days_invalid")
    areas = [line.strip() for line in (data.risk_areas or "").splitlines() if line.strip()]
    if len(areas) > MAX_AREAS or any(len(a) > 60 for a in areas):
        raise DomainError(f"风险地区最多 {MAX_AREAS} 个，每个不超过 60 字", code="areas_invalid")
    questions = [q.strip() for q in data.questions if q.strip()]
    if len(questions) > MAX_QUESTIONS or any(len(q) > 100 for q in questions):
        raise DomainError(f"自定义问题最多 {MAX_QUESTIONS} 个，每个不超过 100 字", code="questions_invalid")
    with transaction.atomic():
        existing = ScreeningRound.objects.filter(unit=unit, name=name, return_on=return_on).first()
        if existing is not None:
            return existing  # the same form posted twice
        row = ScreeningRound.objects.create(
            unit=unit,
            name=name,
            return_on=return_on,
            risk_areas="\n".join(areas),
            lookback_days=data.lookback_days,
            hold_days=data.hold_days,
            questions=questions,
            created_by=actor,
        )
        record_change(
            actor=actor, action="open_screening", obj=row, unit_path=unit.path, after=snapshot(row, ROUND_FIELDS)
        )
    return row


def close_round(*, actor: User, round: ScreeningRound, version: int | None) -> ScreeningRound:
    if not can(actor, "returns.screen", round.unit):
        raise Forbidden("您无权结束该筛查")
    with transaction.atomic():
        fresh = locked(ScreeningRound.objects.select_related("unit"), round.pk, version)
        if fresh.status == RoundStatus.CLOSED:
            return fresh
        fresh.status = RoundStatus.CLOSED
        bump(fresh, ["status"])
        record_change(
            actor=actor,
            action="close_screening",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"status": RoundStatus.OPEN},
            after={"status": RoundStatus.CLOSED},
        )
    return fresh


# ----- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerIn:
    travel_area: str = ""
    left_area_on: dt.date | None = None
    symptoms: Sequence[str] = field(default_factory=tuple)
    close_contact: bool = False
    contact_on: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    is_held: bool
    reasons: str
    expected_return: dt.date | None


def assess(round: ScreeningRound, data: AnswerIn, *, today: dt.date) -> Result:
    """The rules of 暂缓返校: a listed risk area left less than `hold_days` before the return day, a close contact
    likewise (expected back `hold_days` after), any symptom (back after a doctor's visit: no date)."""
    reasons: list[str] = []
    expected: list[dt.date] = []
    area = (data.travel_area or "").strip()
    if area:
        if area not in round.area_list:
            raise DomainError("请从名单中选择到过的风险地区", code="area_not_listed")
        if data.left_area_on is None:
            raise DomainError("请填写离开风险地区的日期", code="left_on_required")
        if data.left_area_on > today:
            raise DomainError("离开风险地区的日期不能晚于今天", code="left_on_future")
        if data.left_area_on >= round.return_on - dt.timedelta(days=round.lookback_days):
            back = data.left_area_on + dt.timedelta(days=round.hold_days)
            if back > round.return_on:
                reasons.append(f"{_fmt(data.left_area_on)}离开{area}")
                expected.append(back)
    if data.close_contact:
        if data.contact_on is None:
            raise DomainError("请填写最后一次接触的日期", code="contact_on_required")
        if data.contact_on > today:
            raise DomainError("接触日期不能晚于今天", code="contact_on_future")
        back = data.contact_on + dt.timedelta(days=round.hold_days)
        if back > round.return_on:
            reasons.append(f"{_fmt(data.contact_on)}有密切接触")
            expected.append(back)
    unknown = [s for s in data.symptoms if s not in SYMPTOMS]
    if unknown:
        raise DomainError("请从列表中选择症状", code="symptom_invalid")
    if data.symptoms:
        reasons.append("有症状：" + "、".join(SYMPTOMS[s] for s in SYMPTOMS if s in data.symptoms))
    expected_return = None if data.symptoms or not expected else max(expected)
    return Result(bool(reasons), "；".join(reasons), expected_return)


def _extra(round: ScreeningRound, extra: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for question in round.questions:
        answer = (extra.get(question) or "").strip()
        if len(answer) > 200:
            raise DomainError(f"“{question}”的回答不能超过 200 字", code="too_long")
        out[question] = answer
    return out


def _save_answer(
    *,
    actor: User | None,
    round: ScreeningRound,
    data: AnswerIn,
    by: str,
    unit: OrgUnit,
    school: OrgUnit,
    student: Student | None = None,
    staff: User | None = None,
    version: int | None = None,
) -> ScreeningAnswer:
    status = ScreeningRound.objects.filter(pk=round.pk).values_list("status", flat=True).first()
    if status != RoundStatus.OPEN:
        raise DomainError("本次筛查已结束，不能再填报", code="round_closed", status=409)
    result = assess(round, data, today=timezone.localdate())
    values = {
        "answered_by": by,
        "travel_area": (data.travel_area or "").strip(),
        "left_area_on": data.left_area_on if (data.travel_area or "").strip() else None,
        "symptoms": [s for s in SYMPTOMS if s in data.symptoms],
        "close_contact": data.close_contact,
        "contact_on": data.contact_on if data.close_contact else None,
        "extra": _extra(round, data.extra),
        "is_held": result.is_held,
        "hold_reasons": result.reasons[:300],
        "expected_return": result.expected_return,
    }
    with transaction.atomic():
        who: dict[str, Student | User | None] = {"student": student} if student is not None else {"staff": staff}
        existing = ScreeningAnswer.objects.select_for_update().filter(round=round, **who).first()
        if existing is None:
            row = ScreeningAnswer.objects.create(round=round, unit=unit, school=school, **who, **values)
            record_change(
                actor=actor, action="screening_answer", obj=row, unit_path=unit.path, after=snapshot(row, ANSWER_FIELDS)
            )
            return row
        fresh = locked(ScreeningAnswer.objects, existing.pk, version)
        if fresh.cleared_on is not None:
            raise DomainError("已准予返校，如情况有变化请联系班主任或校医", code="already_cleared", status=409)
        before = snapshot(fresh, ANSWER_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.unit, fresh.updated_at = unit, timezone.now()
        bump(fresh, [*values, "unit", "updated_at"])
        record_change(
            actor=actor,
            action="screening_answer_update",
            obj=fresh,
            unit_path=unit.path,
            before=before,
            after=snapshot(fresh, ANSWER_FIELDS),
        )
        return fresh


def _in_round(round: ScreeningRound, unit: OrgUnit) -> None:
    if not unit.path.startswith(round.unit.path):
        raise DomainError(f"本次筛查不包括{unit.name}", code="outside_round", status=404)


def answer_by_link(*, round: ScreeningRound, student: Student, data: AnswerIn) -> ScreeningAnswer:
    """A parent's answer through the signed link: a second use updates the first answer."""
    if student.status != StudentStatus.ENROLLED:
        raise DomainError("该学生已不在籍，无需填报", code="student_not_enrolled", status=404)
    _in_round(round, student.klass)
    return _save_answer(
        actor=None,
        round=round,
        data=data,
        by=AnsweredBy.PARENT,
        unit=student.klass,
        school=school_of(student.klass),
        student=student,
    )


def answer_for_student(
    *, actor: User, round: ScreeningRound, student: Student, data: AnswerIn, version: int | None
) -> ScreeningAnswer:
    """The class teacher (or the school office, the doctor) enters a student's answer."""
    if not can(actor, "returns.answer", student.klass):
        raise Forbidden("只有本班班主任、校医或学校管理员可以代填")
    _in_round(round, student.klass)
    if student.status != StudentStatus.ENROLLED:
        raise DomainError("该学生已不在籍，无需填报", code="student_not_enrolled")
    return _save_answer(
        actor=actor,
        round=round,
        data=data,
        by=AnsweredBy.TEACHER,
        unit=student.klass,
        school=school_of(student.klass),
        student=student,
        version=version,
    )


def answer_for_self(*, actor: User, round: ScreeningRound, data: AnswerIn, version: int | None) -> ScreeningAnswer:
    """A member of staff answers for themselves (their own unit must be inside the round's)."""
    if not can(actor, "returns.self"):
        raise Forbidden("您当前的身份不需要填报返校筛查")
    own = actor.unit
    if own is None:
        raise DomainError("您的账号没有所属单位，请联系管理员", code="account_without_unit")
    _in_round(round, own)
    return _save_answer(
        actor=actor,
        round=round,
        data=data,
        by=AnsweredBy.SELF,
        unit=own,
        school=school_of(own),
        staff=actor,
        version=version,
    )


def clear_return(
    *, actor: User, answer: ScreeningAnswer, cleared_on: dt.date, certificate_no: str, version: int | None
) -> ScreeningAnswer:
    """返校: the school doctor checks the certificate (a doctor's note, a negative test) as for an illness absence;
    not before the expected return date, not more than 30 days ahead."""
    if not can(actor, "returns.clear", answer.unit):
        raise Forbidden("只有校医/保健老师可以办理准予返校")
    certificate_no = _text(certificate_no, label="证明编号或出具机构", limit=100)
    today = timezone.localdate()
    if cleared_on > today + dt.timedelta(days=CLEARANCE_MAX_AHEAD):
        raise DomainError(f"返校日期不能晚于 {CLEARANCE_MAX_AHEAD} 天后", code="return_too_far")
    with transaction.atomic():
        fresh = locked(ScreeningAnswer.objects.select_related("unit"), answer.pk, version)
        if not fresh.is_held:
            raise DomainError("该人员未被暂缓返校，无需办理", code="not_held")
        if fresh.cleared_on is not None:
            raise DomainError("已准予返校", code="already_cleared", status=409)
        if fresh.expected_return is not None and cleared_on < fresh.expected_return:
            raise DomainError(
                f"返校日期早于预计返校日期：最早可于 {fresh.expected_return:%Y-%m-%d} 返校", code="clearance_too_early"
            )
        if cleared_on < timezone.localtime(fresh.answered_at).date():
            raise DomainError("返校日期不能早于填报日期", code="return_before_answer")
        fresh.cleared_on, fresh.certificate_no, fresh.cleared_by = cleared_on, certificate_no, actor
        fresh.updated_at = timezone.now()
        bump(fresh, ["cleared_on", "certificate_no", "cleared_by", "updated_at"])
        record_change(
            actor=actor,
            action="screening_clearance",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={"cleared_on": cleared_on, "certificate_no": certificate_no},
        )
    return fresh


def log_list_access(*, actor: User, round: ScreeningRound, unit: OrgUnit, shown: int, export: bool = False) -> None:
    """Every read of names and answers (the 暂缓返校 list, a class sheet, the API) leaves an access event."""
    record_access(
        actor=actor,
        action="export_screening" if export else "view_screening",
        obj=round,
        unit_path=unit.path,
        details={"unit": unit.name, "shown": shown},
    )


# ----- suspensions (停课) -----------------------------------------------------------------------


@dataclass(frozen=True)
class SuspensionIn:
    starts_on: dt.date
    ends_on: dt.date
    reason: str
    reference: str = ""
    online_plan: str = ""
    online_link: str = ""
    teacher: str = ""
    teacher_phone: str = ""


SUSPENDED_KINDS = (UnitKind.SCHOOL, UnitKind.GRADE, UnitKind.CLASS)


def _entry_name(reason: str) -> str:
    return f"停课：{reason}"[:60]


def _arrangement(data: SuspensionIn) -> dict[str, str]:
    link = _text(data.online_link, label="线上课堂链接", limit=300, required=False)
    if link and not link.startswith(("https://", "http://")):
        raise DomainError("线上课堂链接应以 https:// 开头", code="link_invalid")
    return {
        "online_plan": _text(data.online_plan, label="线上教学安排", limit=2000, required=False),
        "online_link": link,
        "teacher": _text(data.teacher, label="负责教师", limit=40, required=False),
        "teacher_phone": _text(data.teacher_phone, label="联系电话", limit=20, required=False),
    }


def suspend(*, actor: User, unit: OrgUnit, data: SuspensionIn) -> Suspension:
    """停课 for a class, grade or school: the days become 停课 in the unit's calendar (the daily checks skip them);
    a range crossing terms is refused by the calendar."""
    if unit.kind not in SUSPENDED_KINDS:
        raise DomainError("停课对象应为学校、年级或班级", code="suspension_unit_kind")
    if not can(actor, "returns.suspend", unit):
        raise Forbidden("您无权安排该单位停课")
    reason = _text(data.reason, label="停课原因", limit=100)
    reference = _text(data.reference, label="依据", limit=100, required=False)
    if data.ends_on < data.starts_on:
        raise DomainError("停课结束日期不能早于开始日期", code="dates_inverted")
    if (data.ends_on - data.starts_on).days >= MAX_SUSPENSION_DAYS:
        raise DomainError(f"一次停课不能超过 {MAX_SUSPENSION_DAYS} 天，请分段登记", code="suspension_too_long")
    arrangement = _arrangement(data)
    with transaction.atomic():
        same = Suspension.objects.filter(
            unit=unit, starts_on=data.starts_on, ends_on=data.ends_on, reason=reason, status=SuspensionStatus.ACTIVE
        ).first()
        if same is not None:
            return same
        overlap = Suspension.objects.filter(
            unit=unit, status=SuspensionStatus.ACTIVE, starts_on__lte=data.ends_on, ends_on__gte=data.starts_on
        ).first()
        if overlap is not None:
            raise DomainError(
                f"{unit.name}在{_fmt(overlap.starts_on)}至{_fmt(overlap.ends_on)}已有停课，请调整日期",
                code="suspension_overlap",
            )
        entry = calendar_services.add_local_day(
            actor=actor,
            unit=unit,
            entry=calendar_services.EntryIn(EntryKind.SUSPENSION, _entry_name(reason), data.starts_on, data.ends_on),
        )
        row = Suspension.objects.create(
            unit=unit,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            reason=reason,
            reference=reference,
            calendar_entry_id=entry.pk,
            created_by=actor,
            **arrangement,
        )
        record_change(
            actor=actor, action="suspend", obj=row, unit_path=unit.path, after=snapshot(row, SUSPENSION_FIELDS)
        )
    return row


def update_arrangement(*, actor: User, suspension: Suspension, data: SuspensionIn, version: int | None) -> Suspension:
    """The 停课不停学 arrangement (plan, link, teacher) edited while the dates stay."""
    if not can(actor, "returns.suspend", suspension.unit):
        raise Forbidden("您无权修改该停课安排")
    arrangement = _arrangement(data)
    with transaction.atomic():
        fresh = locked(Suspension.objects.select_related("unit"), suspension.pk, version)
        before = snapshot(fresh, SUSPENSION_FIELDS)
        for key, value in arrangement.items():
            setattr(fresh, key, value)
        bump(fresh, list(arrangement))
        record_change(
            actor=actor,
            action="update_suspension",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, SUSPENSION_FIELDS),
        )
    return fresh


def lift(*, actor: User, suspension: Suspension, return_on: dt.date, version: int | None) -> Suspension:
    """提前复课: classes resume on `return_on`; the calendar keeps only the days before it."""
    if not can(actor, "returns.suspend", suspension.unit):
        raise Forbidden("您无权解除该停课")
    with transaction.atomic():
        fresh = locked(Suspension.objects.select_related("unit"), suspension.pk, version)
        if fresh.status == SuspensionStatus.LIFTED:
            if fresh.lifted_on == return_on:
                return fresh  # posted twice
            raise DomainError("该停课已解除", code="already_lifted", status=409)
        if return_on > fresh.ends_on:
            raise DomainError(
                f"复课日期晚于停课结束日期（{_fmt(fresh.ends_on)}），停课到期自动结束", code="return_after_end"
            )
        before = snapshot(fresh, SUSPENSION_FIELDS)
        entry = (
            CalendarEntry.objects.filter(pk=fresh.calendar_entry_id).first()
            if fresh.calendar_entry_id is not None
            else None
        )
        if entry is not None:
            calendar_services.remove_local_day(actor=actor, entry=entry, version=None)
        fresh.calendar_entry_id = None
        if return_on > fresh.starts_on:
            kept = calendar_services.add_local_day(
                actor=actor,
                unit=fresh.unit,
                entry=calendar_services.EntryIn(
                    EntryKind.SUSPENSION,
                    _entry_name(fresh.reason),
                    fresh.starts_on,
                    return_on - dt.timedelta(days=1),
                ),
            )
            fresh.calendar_entry_id = kept.pk
        fresh.status, fresh.lifted_on = SuspensionStatus.LIFTED, return_on
        bump(fresh, ["status", "lifted_on", "calendar_entry_id"])
        record_change(
            actor=actor,
            action="lift_suspension",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, SUSPENSION_FIELDS),
        )
    return fresh


# ----- staggered arrival (错时错峰) --------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalIn:
    grade: OrgUnit
    day: dt.date
    arrives_from: dt.time
    arrives_until: dt.time
    gate: str = ""
    note: str = ""


def set_arrival(*, actor: User, school: OrgUnit, data: ArrivalIn) -> ArrivalSlot:
    """One grade's arrival window on the opening day; set again for the same grade and day, it is replaced."""
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("错峰到校时间由学校安排", code="not_a_school")
    if not can(actor, "returns.plan", school):
        raise Forbidden("只有本校校长或学校管理员可以安排错峰到校")
    if data.grade.kind != UnitKind.GRADE or not data.grade.path.startswith(school.path):
        raise DomainError("请选择本校的年级", code="grade_invalid")
    if data.arrives_until <= data.arrives_from:
        raise DomainError("到校截止时间应晚于开始时间", code="times_inverted")
    if data.day < timezone.localdate():
        raise DomainError("开学日期已过", code="day_in_past")
    gate = _text(data.gate, label="入校通道", limit=40, required=False)
    note = _text(data.note, label="备注", limit=100, required=False)
    with transaction.atomic():
        row, created = ArrivalSlot.objects.select_for_update().get_or_create(
            grade=data.grade,
            day=data.day,
            defaults={
                "school": school,
                "arrives_from": data.arrives_from,
                "arrives_until": data.arrives_until,
                "gate": gate,
                "note": note,
            },
        )
        before = None if created else snapshot(row, ARRIVAL_FIELDS)
        if not created:
            row.arrives_from, row.arrives_until, row.gate, row.note = (
                data.arrives_from,
                data.arrives_until,
                gate,
                note,
            )
            bump(row, ["arrives_from", "arrives_until", "gate", "note"])
        record_change(
            actor=actor,
            action="set_arrival",
            obj=row,
            unit_path=school.path,
            before=before,
            after=snapshot(row, ARRIVAL_FIELDS),
        )
    return row


def remove_arrival(*, actor: User, slot: ArrivalSlot) -> None:
    if not can(actor, "returns.plan", slot.school):
        raise Forbidden("只有本校校长或学校管理员可以安排错峰到校")
    with transaction.atomic():
        row = ArrivalSlot.objects.select_for_update().filter(pk=slot.pk).first()
        if row is None:
            return
        record_change(
            actor=actor,
            action="remove_arrival",
            obj=row,
            unit_path=slot.school.path,
            before=snapshot(row, ARRIVAL_FIELDS),
            after=None,
        )
        row.delete()
