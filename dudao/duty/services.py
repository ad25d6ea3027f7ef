"""值班值守 services: rosters and shifts, sign-in, duty log, missed sign-ins, plans, drills, 迎检响应 and
离市外出审批. Each one checks permission on the locked fresh row, runs in one transaction and is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import IMAGE_TYPES, store_upload
from dudao.duty.models import (
    ContingencyPlan,
    Drill,
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    DutySignIn,
    InspectionResponse,
    LeaveCampaign,
    LeaveRequest,
    LeaveStatus,
    LogOutcome,
    PlanStep,
    PlanType,
    ResponseSchool,
    ResponseTask,
    RosterStatus,
    ShiftRole,
)
from dudao.orgs.models import OrgUnit, RoleAssignment, SchoolType, UnitKind
from dudao.orgs.roles import WORK_ROLES
from dudao.orgs.scoping import acting_assignment, can

MAX_ROSTER_DAYS = 200
MAX_SHIFT_HOURS = 48
# A sign-in is accepted from an hour before the shift until it ends; more than 30 minutes after the start is late.
SIGNIN_EARLY = dt.timedelta(hours=1)
SIGNIN_LATE_AFTER = dt.timedelta(minutes=30)
MAX_DRILL_PHOTOS = 9
PHOTO_MAX_BYTES = 15 * 1024 * 1024
ROSTER_UNIT_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)


def _acting_unit(actor: Any) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None:
        raise Forbidden()
    return assignment.unit


def _under(path: str, ancestor: OrgUnit) -> bool:
    return path.startswith(ancestor.path)


def _text(value: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


# ----- rosters and shifts ---------------------------------------------------------------------


def create_roster(*, actor: Any, unit: OrgUnit, title: str, starts_on: dt.date, ends_on: dt.date) -> DutyRoster:
    """A unit starts planning its duty for a holiday or key period."""
    if not can(actor, "duty.change", unit):
        raise Forbidden("您无权为该单位编排值班表")
    if unit.kind not in ROSTER_UNIT_KINDS or unit.is_closed:
        raise DomainError("值班表只能为教育局、区县教育局或学校编排", code="roster_unit_kind")
    title = _text(title, label="值班表名称", limit=100)
    if ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期", code="roster_dates_reversed")
    if (ends_on - starts_on).days + 1 > MAX_ROSTER_DAYS:
        raise DomainError(f"一张值班表最长 {MAX_ROSTER_DAYS} 天，请分段编排", code="roster_too_long")
    with transaction.atomic():
        roster = DutyRoster.objects.create(
            unit=unit, title=title, starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        record_change(
            actor=actor,
            action="create",
            obj=roster,
            unit_path=unit.path,
            after=snapshot(roster, ["unit", "title", "starts_on", "ends_on"]),
        )
    return roster


def _locked_roster(roster: DutyRoster, version: int | None) -> DutyRoster:
    fresh = DutyRoster.objects.select_for_update(of=("self",)).select_related("unit").get(pk=roster.pk)
    check_version(fresh, version)
    return fresh


def _bump(roster: DutyRoster) -> None:
    roster.version += 1
    roster.updated_at = timezone.now()
    roster.save(update_fields=["version", "updated_at", "status", "published_at"])


def is_duty_staff(person: Any, unit: OrgUnit) -> bool:
    """Duty staff are the unit's own people: their home unit lies in the unit's subtree."""
    return bool(
        person is not None
        and person.is_active
        and person.unit_id is not None
        and OrgUnit.objects.filter(pk=person.unit_id, path__under=unit.path).exists()
    )


def overlapping_shifts(person_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> Any:
    return DutyShift.objects.filter(person_id=person_id, starts_at__lt=ends_at, ends_at__gt=starts_at)


def add_shift(
    *,
    actor: Any,
    roster: DutyRoster,
    person: Any,
    role: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    phone: str = "",
    version: int | None = None,
) -> DutyShift:
    """One person on duty for one period. Refused: a shift ending before it starts, outside the roster's dates,
    someone from another unit, or a person already on duty elsewhere at the same time (two places at once)."""
    if role not in ShiftRole.values:
        raise DomainError("请选择岗位（带班领导或值班人员）", code="shift_role_invalid")
    if person is None:
        raise DomainError("请选择值班人", code="person_required")
    if starts_at is None or ends_at is None:
        raise DomainError("请填写值班开始和结束时间", code="shift_time_required")
    # A time without a zone is Beijing time (what a clerk means when typing 08:00).
    starts_at, ends_at = (t if timezone.is_aware(t) else timezone.make_aware(t) for t in (starts_at, ends_at))
    if ends_at <= starts_at:
        raise DomainError("值班结束时间必须晚于开始时间", code="shift_ends_before_start")
    if ends_at - starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
        raise DomainError(f"一个班次最长 {MAX_SHIFT_HOURS} 小时", code="shift_too_long")
    phone = _text(phone or getattr(person, "phone", ""), label="值班电话", limit=20, required=False)
    with transaction.atomic():
        roster = _locked_roster(roster, version)
        if not can(actor, "duty.change", roster.unit):
            raise Forbidden("您无权编排该单位的值班表")
        start_day = local(starts_at).date()
        if not roster.starts_on <= start_day <= roster.ends_on:
            raise DomainError(
                f"班次须在值班表的日期范围内（{roster.starts_on:%Y-%m-%d} 至 {roster.ends_on:%Y-%m-%d}）",
                code="shift_outside_roster",
            )
        # Lock the person so that two planners cannot put them in two places at once.
        person = User.objects.select_for_update().get(pk=person.pk)
        if not is_duty_staff(person, roster.unit):
            raise DomainError("值班人须是本单位在岗人员", code="person_outside_unit")
        clash = overlapping_shifts(person.pk, starts_at, ends_at).select_related("unit").first()
        if clash is not None:
            raise DomainError(
                f"{person.display_name} 在 {local(clash.starts_at):%m-%d %H:%M}–{local(clash.ends_at):%m-%d %H:%M}"
                f" 已在{clash.unit.name}值班，同一时间不能两处值班",
                code="shift_overlaps",
                status=409,
            )
        shift = DutyShift.objects.create(
            roster=roster,
            unit=roster.unit,
            person=person,
            role=role,
            starts_at=starts_at,
            ends_at=ends_at,
            phone=phone or person.phone,
        )
        _bump(roster)
        record_change(
            actor=actor,
            action="add_shift",
            obj=roster,
            unit_path=roster.unit.path,
            after={
                "shift": shift.pk,
                "person": person.pk,
                "role": role,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
        )
    return shift


def remove_shift(*, actor: Any, shift: DutyShift, version: int | None = None) -> None:
    with transaction.atomic():
        roster = _locked_roster(shift.roster, version)
        if not can(actor, "duty.change", roster.unit):
            raise Forbidden("您无权编排该单位的值班表")
        fresh = DutyShift.objects.filter(pk=shift.pk, roster=roster).first()
        if fresh is None:
            raise DomainError("该班次已被删除", code="shift_missing", status=409)
        if DutySignIn.objects.filter(shift=fresh).exists():
            raise DomainError("该班次已签到，不能删除", code="shift_signed_in", status=409)
        if roster.status == RosterStatus.PUBLISHED and fresh.starts_at <= timezone.now():
            # A missed sign-in must stay visible to the head and the district, not vanish with its shift.
            raise DomainError("已发布值班表中已开始的班次不能删除", code="shift_started", status=409)
        before = {"shift": fresh.pk, "person": fresh.person_id, "starts_at": fresh.starts_at.isoformat()}
        fresh.delete()
        _bump(roster)
        record_change(actor=actor, action="remove_shift", obj=roster, unit_path=roster.unit.path, before=before)


def publish_roster(*, actor: Any, roster: DutyRoster, version: int | None) -> DutyRoster:
    """Published rosters are seen by the unit and up the tree, and their people can sign in."""
    with transaction.atomic():
        roster = _locked_roster(roster, version)
        if not can(actor, "duty.change", roster.unit):
            raise Forbidden("您无权发布该单位的值班表")
        if roster.status == RosterStatus.PUBLISHED:
            return roster  # publishing twice changes nothing
        if not roster.shifts.exists():
            raise DomainError("值班表还没有任何班次，不能发布", code="roster_empty")
        roster.status = RosterStatus.PUBLISHED
        roster.published_at = timezone.now()
        _bump(roster)
        record_change(
            actor=actor,
            action="publish",
            obj=roster,
            unit_path=roster.unit.path,
            before={"status": RosterStatus.DRAFT},
            after={"status": RosterStatus.PUBLISHED},
        )
    return roster


# ----- sign-in and log ------------------------------------------------------------------------------


def sign_in(
    *, actor: Any, shift: DutyShift, user_agent: str = "", ip: str | None = None, now: dt.datetime | None = None
) -> DutySignIn:
    """The person on duty signs in for their own shift; a second sign-in returns the first one unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        fresh = DutyShift.objects.select_for_update(of=("self",)).select_related("roster", "unit").get(pk=shift.pk)
        if fresh.person_id != actor.pk:
            raise Forbidden("只能为本人的班次签到")
        existing = DutySignIn.objects.filter(shift=fresh).first()
        if existing is not None:
            return existing
        if fresh.roster.status != RosterStatus.PUBLISHED:
            raise DomainError("值班表尚未发布，暂不能签到", code="roster_not_published", status=409)
        if now < fresh.starts_at - SIGNIN_EARLY:
            raise DomainError(
                f"班次 {local(fresh.starts_at):%m-%d %H:%M} 开始，最早提前 1 小时签到",
                code="signin_too_early",
                status=409,
            )
        if now >= fresh.ends_at:
            raise DomainError("该班次已结束，不能再签到", code="signin_after_shift", status=409)
        signin = DutySignIn.objects.create(
            shift=fresh,
            person=actor,
            signed_at=now,
            user_agent=(user_agent or "")[:300],
            ip=ip or None,
            is_late=now > fresh.starts_at + SIGNIN_LATE_AFTER,
        )
        record_change(
            actor=actor,
            action="sign_in",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={"signed_at": now.isoformat(), "late": signin.is_late, "user_agent": signin.user_agent, "ip": ip},
        )
    return signin


def may_keep_log(actor: Any, shift: DutyShift) -> bool:
    return shift.person_id == actor.pk or can(actor, "duty.change", shift.unit)


def add_log_entry(
    *, actor: Any, shift: DutyShift, kind: str, text: str, outcome: str, escalated_to: str = ""
) -> DutyLogEntry:
    """值班日志: an event or call during the shift, handled on the spot or escalated (to whom)."""
    from dudao.duty.models import LogKind

    if kind not in LogKind.values:
        raise DomainError("请选择日志类型", code="log_kind_invalid")
    if outcome not in LogOutcome.values:
        raise DomainError("请选择处理结果", code="log_outcome_invalid")
    text = _text(text, label="日志内容", limit=500)
    escalated_to = _text(escalated_to, label="上报对象", limit=100, required=outcome == LogOutcome.ESCALATED)
    with transaction.atomic():
        fresh = DutyShift.objects.select_for_update(of=("self",)).select_related("unit").get(pk=shift.pk)
        if not may_keep_log(actor, fresh):
            raise Forbidden("只有值班人或本单位管理员可以填写值班日志")
        if timezone.now() < fresh.starts_at - SIGNIN_EARLY:
            raise DomainError("班次尚未开始，不能填写值班日志", code="log_before_shift", status=409)
        entry = DutyLogEntry.objects.create(
            shift=fresh, author=actor, kind=kind, text=text, outcome=outcome, escalated_to=escalated_to
        )
        record_change(
            actor=actor,
            action="log",
            obj=fresh,
            unit_path=fresh.unit.path,
            after=snapshot(entry, ["kind", "text", "outcome", "escalated_to"]),
        )
    return entry


def signin_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The latest sign-in deadline (DUDAO_DUTY_SIGNIN_DEADLINE, local time) at or before `now`."""
    now = local(now or timezone.now())
    hour, minute = (int(p) for p in settings.DUDAO_DUTY_SIGNIN_DEADLINE.split(":"))
    cutoff = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return cutoff if cutoff <= now else cutoff - dt.timedelta(days=1)


def missed_signins(qs: Any, now: dt.datetime | None = None) -> Any:
    """Published shifts that started in the 24 hours up to the last deadline and still have no sign-in."""
    cutoff = signin_cutoff(now)
    return qs.filter(
        roster__status=RosterStatus.PUBLISHED,
        starts_at__lte=cutoff,
        starts_at__gt=cutoff - dt.timedelta(days=1),
        signin__isnull=True,
    )


def flag_missed_signins(*, now: dt.datetime | None = None) -> int:
    """The 09:30 check: mark every missed sign-in (once) and audit it for the unit. Safe to run again."""
    with transaction.atomic():
        shifts = list(
            missed_signins(DutyShift.objects.all(), now)
            .filter(missed_flagged_at__isnull=True)
            .select_related("unit", "person")
            .select_for_update(of=("self",))
        )
        if not shifts:
            return 0
        at = timezone.now()
        DutyShift.objects.filter(pk__in=[s.pk for s in shifts]).update(missed_flagged_at=at)
        append(
            actor=None,
            entries=[
                Entry(
                    action="missed_sign_in",
                    obj=s,
                    unit_path=s.unit.path,
                    changes={"after": {"person": s.person_id, "starts_at": s.starts_at.isoformat()}},
                )
                for s in shifts
            ],
        )
    return len(shifts)


# ----- contingency plans and drills -----------------------------------------------------------


@dataclass(frozen=True)
class StepIn:
    title: str
    responsible_role: str
    detail: str = ""


def save_plan(
    *,
    actor: Any,
    unit: OrgUnit,
    plan_type: str,
    title: str,
    summary: str,
    steps: Sequence[StepIn],
    version: int | None = None,
) -> ContingencyPlan:
    """Create or replace a unit's plan of one type with its steps (one plan per unit and type)."""
    if not can(actor, "plan.change", unit):
        raise Forbidden("您无权编辑该单位的应急预案")
    if plan_type not in PlanType.values:
        raise DomainError("请选择预案类型", code="plan_type_invalid")
    if unit.kind not in ROSTER_UNIT_KINDS:
        raise DomainError("应急预案只能属于教育局、区县教育局或学校", code="plan_unit_kind")
    title = _text(title, label="预案名称", limit=100)
    summary = _text(summary, label="总体要求", limit=2000, required=False)
    clean: list[PlanStep] = []
    for n, step in enumerate(steps, start=1):
        if not (step.title or "").strip():
            continue
        if step.responsible_role not in {r.value for r in WORK_ROLES}:
            raise DomainError(f"第 {n} 步请选择责任角色", code="step_role_invalid")
        clean.append(
            PlanStep(
                position=len(clean) + 1,
                title=_text(step.title, label=f"第 {n} 步名称", limit=100),
                detail=_text(step.detail, label=f"第 {n} 步要求", limit=500, required=False),
                responsible_role=step.responsible_role,
            )
        )
    if not clean:
        raise DomainError("预案至少要有一个步骤", code="plan_steps_required")
    with transaction.atomic():
        # Lock the unit: two first saves of the same plan must not race into the unique constraint.
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        plan = ContingencyPlan.objects.select_for_update().filter(unit=unit, plan_type=plan_type).first()
        if plan is None:
            plan = ContingencyPlan.objects.create(unit=unit, plan_type=plan_type, title=title, summary=summary)
            before = None
        else:
            if version is None:
                raise DomainError("该预案已由他人创建，请刷新后在其基础上修改", code="stale", status=409)
            check_version(plan, version)
            before = {
                **snapshot(plan, ["title", "summary"]),
                "steps": [(s.title, s.responsible_role) for s in plan.steps.all()],
            }
            plan.title, plan.summary = title, summary
            plan.version += 1
            plan.updated_at = timezone.now()
            plan.save(update_fields=["title", "summary", "version", "updated_at"])
            plan.steps.all().delete()
        for step_row in clean:
            step_row.plan = plan
        PlanStep.objects.bulk_create(clean)
        record_change(
            actor=actor,
            action="save_plan",
            obj=plan,
            unit_path=unit.path,
            before=before,
            after={
                **snapshot(plan, ["title", "summary"]),
                "steps": [(s.title, s.responsible_role) for s in clean],
            },
        )
    return plan


def record_drill(
    *,
    actor: Any,
    plan: ContingencyPlan,
    held_on: dt.date,
    participants: int,
    duration_minutes: int,
    evaluation: str,
    photos: Sequence[tuple[IO[bytes], str]] = (),
) -> Drill:
    """演练: a drill held on a plan, with its photos as evidence."""
    if held_on > timezone.localdate():
        raise DomainError("演练日期不能晚于今天（请在演练后登记）", code="drill_in_future")
    if participants is None or participants < 1:
        raise DomainError("参与人数至少为 1", code="drill_participants_invalid")
    if duration_minutes is None or not 1 <= duration_minutes <= 24 * 60:
        raise DomainError("演练时长应在 1 到 1440 分钟之间", code="drill_duration_invalid")
    evaluation = _text(evaluation, label="评估", limit=1000, required=False)
    if len(photos) > MAX_DRILL_PHOTOS:
        raise DomainError(f"一次最多上传 {MAX_DRILL_PHOTOS} 张照片", code="too_many_photos")
    with transaction.atomic():
        plan = ContingencyPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
        if not can(actor, "drill.change", plan.unit):
            raise Forbidden("您无权登记该单位的演练")
        drill = Drill.objects.create(
            unit=plan.unit,
            plan=plan,
            held_on=held_on,
            participants=participants,
            duration_minutes=duration_minutes,
            evaluation=evaluation,
            created_by=actor,
        )
        files = [
            store_upload(actor=actor, upload=upload, name=name, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
            for upload, name in photos
        ]
        drill.photos.add(*files)
        record_change(
            actor=actor,
            action="record_drill",
            obj=drill,
            unit_path=plan.unit.path,
            after={
                **snapshot(drill, ["plan", "held_on", "participants", "duration_minutes", "evaluation"]),
                "photos": [f.pk for f in files],
            },
        )
    return drill


# ----- 迎检响应 --------------------------------------------------------------------------------------


def pick_schools(
    *, within: OrgUnit, districts: Iterable[int] = (), school_types: Iterable[str] = (), schools: Iterable[int] = ()
) -> list[OrgUnit]:
    """Schools inside `within`: by district and/or school type, plus any listed by id. Ids outside are refused."""
    district_ids = {int(d) for d in districts}
    types = set(school_types)
    school_ids = {int(s) for s in schools}
    if types - set(SchoolType.values):
        raise DomainError("学段类型不正确", code="school_type_invalid")
    inside = OrgUnit.objects.filter(path__under=within.path, kind=UnitKind.SCHOOL, is_closed=False)
    picked: dict[int, OrgUnit] = {}
    if district_ids or types:
        qs = inside
        if district_ids:
            found = list(OrgUnit.objects.filter(pk__in=district_ids, kind=UnitKind.DISTRICT, path__under=within.path))
            if len(found) != len(district_ids):
                raise DomainError("所选区县不在您的管辖范围内", code="district_out_of_scope")
            by_district = Q()
            for district in found:
                by_district |= Q(path__under=district.path)
            qs = qs.filter(by_district)
        if types:
            qs = qs.filter(school_type__in=types)
        picked.update({s.pk: s for s in qs})
    if school_ids:
        listed = list(inside.filter(pk__in=school_ids))
        if len(listed) != len(school_ids):
            raise DomainError("所选学校中有的不在您的管辖范围内或已撤销", code="school_out_of_scope")
        picked.update({s.pk: s for s in listed})
    if not picked:
        raise DomainError("请选择迎检学校（按区县、学段或逐校选择）", code="schools_required")
    return sorted(picked.values(), key=lambda s: s.path)


def inspection_plan_for(school: OrgUnit, plans_by_unit: dict[str, ContingencyPlan]) -> ContingencyPlan | None:
    """The school's own 迎检 plan, else the nearest one above it (its district's, then the bureau's)."""
    path = school.path
    while path:
        plan = plans_by_unit.get(path)
        if plan is not None:
            return plan
        path = path[: -school.steplen]
    return None


def trigger_inspection(
    *,
    actor: Any,
    title: str,
    expected_on: dt.date,
    note: str = "",
    districts: Iterable[int] = (),
    school_types: Iterable[str] = (),
    schools: Iterable[int] = (),
) -> InspectionResponse:
    """ "Inspection coming": each chosen school's 迎检 plan becomes a checklist, one task per step, assigned to the
    first of the school's people holding the step's role. Schools without any plan are listed with no tasks."""
    if not can(actor, "plan.trigger"):
        raise Forbidden("只有教育局可以发起迎检响应")
    within = _acting_unit(actor)
    title = _text(title, label="名称", limit=100)
    note = _text(note, label="说明", limit=500, required=False)
    if expected_on is None or expected_on < timezone.localdate():
        raise DomainError("预计检查日期不能早于今天", code="expected_in_past")
    picked = pick_schools(within=within, districts=districts, school_types=school_types, schools=schools)
    ancestors = {s.path[: n * s.steplen] for s in picked for n in range(1, s.depth + 1)}
    plans = {
        p.unit.path: p
        for p in ContingencyPlan.objects.filter(plan_type=PlanType.INSPECTION, unit__path__in=ancestors)
        .select_related("unit")
        .prefetch_related("steps")
    }
    holders: dict[tuple[str, str], int] = {}
    school_paths = {s.path for s in picked}
    lengths = sorted({len(p) for p in school_paths})
    for assignment in (
        RoleAssignment.objects.filter(unit__is_closed=False, user__is_active=True)
        .filter(Q(*[Q(unit__path__under=s.path) for s in picked], _connector=Q.OR))
        .select_related("unit")
        .order_by("id")
    ):
        for length in lengths:  # direct schools sit higher in the tree than district schools
            if assignment.unit.path[:length] in school_paths:
                holders.setdefault((assignment.unit.path[:length], assignment.role), assignment.user_id)
                break
    with transaction.atomic():
        response = InspectionResponse.objects.create(
            unit=within, title=title, expected_on=expected_on, note=note, triggered_by=actor
        )
        targets = ResponseSchool.objects.bulk_create(
            [ResponseSchool(response=response, school=s, plan=inspection_plan_for(s, plans)) for s in picked]
        )
        tasks = []
        for target, school in zip(targets, picked, strict=True):
            if target.plan is None:
                continue
            for step in target.plan.steps.all():
                tasks.append(
                    ResponseTask(
                        target=target,
                        position=step.position,
                        title=step.title,
                        detail=step.detail,
                        responsible_role=step.responsible_role,
                        assignee_id=holders.get((school.path, step.responsible_role)),
                    )
                )
        ResponseTask.objects.bulk_create(tasks, batch_size=1000)
        record_change(
            actor=actor,
            action="trigger_inspection",
            obj=response,
            unit_path=within.path,
            after={
                "title": title,
                "expected_on": expected_on.isoformat(),
                "schools": [s.pk for s in picked],
                "tasks": len(tasks),
                "without_plan": [t.school_id for t in targets if t.plan is None],
            },
        )
    return response


def may_complete(actor: Any, task: ResponseTask) -> bool:
    """Only the school ticks its own checklist (the district watches the progress, it does not make it)."""
    school = task.target.school
    assignment = acting_assignment(actor)
    if assignment is None:
        return False
    at_school = assignment.unit.path.startswith(school.path)
    if at_school and can(actor, "plan.change", school):
        return True  # the school office
    if not can(actor, "plan.task"):
        return False
    return at_school and (task.assignee_id == actor.pk or assignment.role == task.responsible_role)


def complete_task(*, actor: Any, task: ResponseTask, note: str = "") -> ResponseTask:
    """Tick off one checklist task; ticking it again changes nothing."""
    note = _text(note, label="说明", limit=300, required=False)
    with transaction.atomic():
        fresh = (
            ResponseTask.objects.select_for_update(of=("self",))
            .select_related("target__school", "target__response")
            .get(pk=task.pk)
        )
        if not may_complete(actor, fresh):
            raise Forbidden("只有该任务的责任人或学校管理员可以完成此项")
        if fresh.done_at is not None:
            return fresh
        fresh.done_at, fresh.done_by, fresh.note = timezone.now(), actor, note
        fresh.save(update_fields=["done_at", "done_by", "note"])
        record_change(
            actor=actor,
            action="complete_task",
            obj=fresh.target.response,
            unit_path=fresh.target.school.path,
            after={"task": fresh.pk, "title": fresh.title, "note": note},
        )
    return fresh


# ----- 离市外出审批 ------------------------------------------------------------------------------------


def set_campaign(*, actor: Any, title: str, starts_on: dt.date, ends_on: dt.date) -> LeaveCampaign:
    """The bureau sets a campaign period during which heads of units need approval to leave the city."""
    if not can(actor, "leave.campaign"):
        raise Forbidden("只有教育局可以设置管控期")
    unit = _acting_unit(actor)
    title = _text(title, label="名称", limit=100)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise DomainError("管控期结束日期不能早于开始日期", code="campaign_dates_reversed")
    with transaction.atomic():
        if LeaveCampaign.objects.filter(unit=unit, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            raise DomainError("与已设置的管控期日期重叠", code="campaign_overlaps", status=409)
        campaign = LeaveCampaign.objects.create(
            unit=unit, title=title, starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        record_change(
            actor=actor,
            action="create",
            obj=campaign,
            unit_path=unit.path,
            after=snapshot(campaign, ["title", "starts_on", "ends_on"]),
        )
    return campaign


def campaign_for(unit: OrgUnit, day: dt.date) -> LeaveCampaign | None:
    """The campaign in force on `day`, or the next one, set by the unit or any unit above it."""
    ancestors = [unit.path[: n * unit.steplen] for n in range(1, unit.depth + 1)]
    return LeaveCampaign.objects.filter(unit__path__in=ancestors, ends_on__gte=day).order_by("starts_on").first()


def shifts_during(person_id: int, starts_on: dt.date, ends_on: dt.date) -> Any:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(starts_on, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return overlapping_shifts(person_id, start, end)


def file_leave(
    *,
    actor: Any,
    campaign: LeaveCampaign,
    starts_on: dt.date,
    ends_on: dt.date,
    destination: str,
    reason: str,
    deputy: Any,
) -> LeaveRequest:
    """A head of unit asks to leave the city during the campaign. Own duty shifts in those dates do not refuse
    the request: they are counted on it as a warning and the approver decides."""
    if not can(actor, "leave.request"):
        raise Forbidden("您当前的身份不需要（也不能）提交离市外出申请")
    unit = _acting_unit(actor)
    destination = _text(destination, label="目的地", limit=100)
    reason = _text(reason, label="事由", limit=300)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise DomainError("返回日期不能早于离开日期", code="leave_dates_reversed")
    if starts_on < timezone.localdate():
        raise DomainError("离开日期不能早于今天", code="leave_in_past")
    if not (campaign.starts_on <= ends_on and starts_on <= campaign.ends_on):
        raise DomainError(
            f"外出日期与管控期（{campaign.starts_on:%m-%d} 至 {campaign.ends_on:%m-%d}）不重叠，无需审批",
            code="leave_outside_campaign",
        )
    if not _under(unit.path, campaign.unit):
        raise DomainError("该管控期不适用于您的单位", code="campaign_out_of_scope")
    if deputy is None:
        raise DomainError("请选择代管负责人", code="deputy_required")
    if deputy.pk == actor.pk:
        raise DomainError("代管负责人不能是本人", code="deputy_is_self")
    if not is_duty_staff(deputy, unit):
        raise DomainError("代管负责人须是本单位在岗人员", code="deputy_outside_unit")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=actor.pk)  # one request at a time per person
        duplicate = LeaveRequest.objects.filter(
            applicant=actor,
            status__in=(LeaveStatus.PENDING, LeaveStatus.APPROVED),
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).first()
        if duplicate is not None:
            raise DomainError(
                f"您在 {duplicate.starts_on:%m-%d} 至 {duplicate.ends_on:%m-%d} 已有外出申请"
                f"（{duplicate.get_status_display()}）",
                code="leave_duplicate",
                status=409,
            )
        request = LeaveRequest.objects.create(
            campaign=campaign,
            applicant=actor,
            unit=unit,
            starts_on=starts_on,
            ends_on=ends_on,
            destination=destination,
            reason=reason,
            deputy=deputy,
            overlapping_shifts=shifts_during(actor.pk, starts_on, ends_on).count(),
        )
        record_change(
            actor=actor,
            action="file_leave",
            obj=request,
            unit_path=unit.path,
            after=snapshot(
                request, ["campaign", "starts_on", "ends_on", "destination", "reason", "deputy", "overlapping_shifts"]
            ),
        )
    return request


def decide_leave(
    *, actor: Any, request: LeaveRequest, approve: bool, note: str = "", version: int | None = None
) -> LeaveRequest:
    note = _text(note, label="审批意见", limit=300, required=not approve)
    with transaction.atomic():
        fresh = LeaveRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
        if not can(actor, "leave.approve", fresh.unit):
            raise Forbidden("只有局领导可以审批离市外出申请")
        if fresh.applicant_id == actor.pk:
            raise Forbidden("不能审批本人的申请")
        check_version(fresh, version)
        if fresh.status != LeaveStatus.PENDING:
            raise DomainError(f"该申请{fresh.get_status_display()}，不能再审批", code="illegal_transition", status=409)
        before = snapshot(fresh, ["status"])
        fresh.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
        fresh.decided_by, fresh.decided_at, fresh.decision_note = actor, timezone.now(), note
        fresh.version += 1
        fresh.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
        record_change(
            actor=actor,
            action="approve_leave" if approve else "reject_leave",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after={**snapshot(fresh, ["status"]), "note": note},
        )
    return fresh


def withdraw_leave(*, actor: Any, request: LeaveRequest, version: int | None = None) -> LeaveRequest:
    """The applicant takes back a request not yet decided (wrong dates, trip cancelled) and may file a new one."""
    with transaction.atomic():
        fresh = LeaveRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
        if fresh.applicant_id != actor.pk:
            raise Forbidden("只有申请人本人可以撤回申请")
        check_version(fresh, version)
        if fresh.status != LeaveStatus.PENDING:
            raise DomainError(f"该申请{fresh.get_status_display()}，不能撤回", code="illegal_transition", status=409)
        before = snapshot(fresh, ["status"])
        fresh.status = LeaveStatus.WITHDRAWN
        fresh.version += 1
        fresh.save(update_fields=["status", "version"])
        record_change(
            actor=actor,
            action="withdraw_leave",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, ["status"]),
        )
    return fresh
