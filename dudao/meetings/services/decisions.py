"""议定事项: a meeting's decisions. Each becomes a tracked task (the owner unit reports progress and marks it done,
the organiser may send it back) or a draft directive for the owner unit, made through `directives.services`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.directives import services as directive_services
from dudao.meetings.models import OWNER_KINDS, Decision, DecisionKind, Meeting, ProgressNote
from dudao.meetings.services._common import acting_unit, belongs_to, clean_key, clean_text, once
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

FIELDS = ["text", "owner_unit", "owner_person", "deadline", "kind"]
# A directive made from a decision is due at the end of the working day of the decision's deadline.
DIRECTIVE_DUE = dt.time(17, 0)


def _check_deadline(deadline: dt.date | None) -> dt.date:
    if deadline is None:
        raise DomainError("请填写完成时限", code="deadline_required")
    today = timezone.localdate()
    if deadline < today:
        raise DomainError(
            f"完成时限（{deadline:%Y-%m-%d}）已经过去，请填写今天（{today:%Y-%m-%d}）或以后的日期",
            code="deadline_in_past",
        )
    if deadline > today + dt.timedelta(days=366):
        raise DomainError("完成时限不能超过一年，请检查年份", code="deadline_too_far")
    return deadline


def _check_owner(meeting: Meeting, owner_unit: OrgUnit | None, owner_person: User | None) -> OrgUnit:
    if owner_unit is None:
        raise DomainError("请选择责任单位", code="owner_unit_required")
    if not owner_unit.path.startswith(meeting.unit.path) or owner_unit.is_closed:
        raise DomainError("责任单位须是召集单位本身或其下属在用单位", code="owner_unit_out_of_scope")
    if owner_unit.kind not in OWNER_KINDS:
        raise DomainError("责任单位应为教育局、科室、区县教育局或学校，不能是年级或班级", code="owner_unit_kind")
    if owner_person is not None and not belongs_to(owner_person, owner_unit):
        raise DomainError(
            f"责任人{owner_person.display_name}不属于责任单位“{owner_unit.name}”", code="owner_person_outside_unit"
        )
    return owner_unit


def _directive_for(actor: User, meeting: Meeting, decision: Decision) -> None:
    """The decision's draft directive, issued by the organiser to the owner unit; the organiser reviews and
    issues it from the directives module."""
    if not can(actor, "directive.change", meeting.unit):
        raise Forbidden("您当前的身份不能创建工作部署，请选择“跟踪任务”")
    if acting_unit(actor).pk != meeting.unit_id:
        raise DomainError(f"请以{meeting.unit.name}的身份生成工作部署草稿", code="wrong_issuer")
    owner = decision.owner_unit
    if owner.pk == meeting.unit_id or owner.kind == UnitKind.OFFICE:
        raise DomainError(
            "转工作部署的责任单位须是下属区县或学校；本单位或科室的事项请选择“跟踪任务”", code="owner_not_below"
        )
    day = timezone.localtime(meeting.starts_at).date()
    decision.directive = directive_services.create_directive(
        actor=actor,
        title=decision.text.splitlines()[0][:200],
        body=f"根据{meeting.title}（{day:%Y年%m月%d日}）议定事项第 {decision.position} 项：\n{decision.text}",
        deadline=dt.datetime.combine(decision.deadline, DIRECTIVE_DUE, tzinfo=ZoneInfo(settings.TIME_ZONE)),
        targets={"mode": "list", "units": [owner.pk]},
        issue=False,
    )
    decision.save(update_fields=["directive"])


def add_decision(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    owner_unit: OrgUnit | None,
    deadline: dt.date | None,
    owner_person: User | None = None,
    kind: str = DecisionKind.TASK,
    submit_key: str = "",
) -> Decision:
    """One decision of the meeting, numbered after the last; a past deadline is refused."""
    text = clean_text(text, label="议定事项内容", limit=1000)
    deadline = _check_deadline(deadline)
    if kind not in DecisionKind.values:
        raise DomainError("请选择落实方式：跟踪任务或转工作部署", code="kind_invalid")
    with transaction.atomic():
        fresh = locked(Meeting.objects.select_related("unit"), meeting.pk, None)
        if not can(actor, "meeting.change", fresh.unit):
            raise Forbidden("您无权为该调度会添加议定事项")
        owner = _check_owner(fresh, owner_unit, owner_person)

        def create() -> Decision:
            last = fresh.decisions.aggregate(n=Max("position"))["n"] or 0
            decision = Decision.objects.create(
                meeting=fresh,
                position=last + 1,
                text=text,
                owner_unit=owner,
                owner_person=owner_person,
                deadline=deadline,
                kind=kind,
                created_by=actor,
                submit_key=clean_key(submit_key),
            )
            if kind == DecisionKind.DIRECTIVE:
                _directive_for(actor, fresh, decision)
            record_change(
                actor=actor,
                action="add_decision",
                obj=decision,
                unit_path=fresh.unit.path,
                after={**snapshot(decision, [*FIELDS, "meeting", "position", "directive"])},
            )
            return decision

        return once(Decision, clean_key(submit_key), create, created_by=actor)


def _locked_decision(decision: Decision, version: int | None) -> Decision:
    return locked(Decision.objects.select_related("meeting__unit", "owner_unit", "directive"), decision.pk, version)


def update_decision(
    *,
    actor: User,
    decision: Decision,
    text: str,
    owner_unit: OrgUnit | None,
    owner_person: User | None,
    deadline: dt.date | None,
    version: int | None,
) -> Decision:
    """The organiser corrects an open task: its text, owner or deadline (a moved deadline may not be past)."""
    text = clean_text(text, label="议定事项内容", limit=1000)
    with transaction.atomic():
        fresh = _locked_decision(decision, version)
        if not can(actor, "meeting.change", fresh.meeting.unit):
            raise Forbidden("您无权修改该议定事项")
        if fresh.kind == DecisionKind.DIRECTIVE:
            raise DomainError("已转为工作部署的事项请在工作部署中修改", code="decision_is_directive", status=409)
        if fresh.done_on is not None:
            raise DomainError("该事项已完成，不能修改；如需继续落实请先退回", code="decision_done", status=409)
        if deadline != fresh.deadline:
            deadline = _check_deadline(deadline)
        owner = _check_owner(fresh.meeting, owner_unit, owner_person)
        before = snapshot(fresh, FIELDS)
        fresh.text, fresh.owner_unit, fresh.owner_person = text, owner, owner_person
        if deadline is not None:
            fresh.deadline = deadline
        bump(fresh, ["text", "owner_unit", "owner_person", "deadline"])
        record_change(
            actor=actor,
            action="update_decision",
            obj=fresh,
            unit_path=fresh.meeting.unit.path,
            before=before,
            after=snapshot(fresh, FIELDS),
        )
    return fresh


def may_report(actor: User, decision: Decision) -> bool:
    """Progress is reported by the owner unit itself: acting as that unit (a 科室's staff, whose assignment is on
    the bureau, by their home unit), or as the person named. A unit above does not report in its stead."""
    if not can(actor, "meeting.task", decision.owner_unit):
        return False
    if decision.owner_person_id == actor.pk:
        return True
    acting = acting_assignment(actor)
    return acting is not None and decision.owner_unit_id in (acting.unit_id, actor.unit_id)


def report_progress(
    *,
    actor: User,
    decision: Decision,
    text: str,
    mark_done: bool = False,
    done_on: dt.date | None = None,
    version: int | None = None,
    submit_key: str = "",
) -> ProgressNote:
    """The owner unit reports progress on a tracked task, and marks it done (on `done_on`, default today)."""
    text = clean_text(text, label="进展情况", limit=1000)
    key = clean_key(submit_key)
    if key:
        repeated = ProgressNote.objects.filter(author=actor, submit_key=key, decision_id=decision.pk).first()
        if repeated is not None:
            return repeated
    today = timezone.localdate()
    with transaction.atomic():
        fresh = _locked_decision(decision, version)
        if not may_report(actor, fresh):
            raise Forbidden("只有责任单位可以报告该事项的进展")
        if fresh.kind == DecisionKind.DIRECTIVE:
            raise DomainError("该事项已转为工作部署，请在工作部署中报送", code="decision_is_directive", status=409)
        if fresh.done_on is not None:
            raise DomainError(
                f"该事项已于 {fresh.done_on:%Y-%m-%d} 标记完成；如需补充，请联系召集单位退回",
                code="decision_done",
                status=409,
            )
        if mark_done:
            done_on = done_on or today
            meeting_day = timezone.localtime(fresh.meeting.starts_at).date()
            if done_on > today:
                raise DomainError("完成日期不能晚于今天", code="done_in_future")
            if done_on < meeting_day:
                raise DomainError(f"完成日期不能早于会议日期（{meeting_day:%Y-%m-%d}）", code="done_before_meeting")
        note = ProgressNote.objects.create(
            decision=fresh, author=actor, unit=acting_unit(actor), text=text, marks_done=mark_done, submit_key=key
        )
        if mark_done:
            fresh.done_on, fresh.done_by = done_on, actor
            bump(fresh, ["done_on", "done_by"])
        record_change(
            actor=actor,
            action="complete_decision" if mark_done else "report_progress",
            obj=fresh,
            unit_path=fresh.owner_unit.path,
            before={"done_on": None} if mark_done else None,
            after={"note": text, "done_on": fresh.done_on},
        )
    return note


def reopen_decision(*, actor: User, decision: Decision, reason: str, version: int | None) -> Decision:
    """退回: the organiser finds a task not really done and sends it back to the owner unit, with the reason."""
    reason = clean_text(reason, label="退回理由", limit=500)
    with transaction.atomic():
        fresh = _locked_decision(decision, version)
        if not can(actor, "meeting.change", fresh.meeting.unit):
            raise Forbidden("只有召集单位可以退回议定事项")
        if fresh.done_on is None:
            raise DomainError("该事项尚未完成，无需退回", code="decision_not_done", status=409)
        before = {"done_on": fresh.done_on}
        ProgressNote.objects.create(decision=fresh, author=actor, unit=fresh.meeting.unit, text=f"退回：{reason}")
        fresh.done_on, fresh.done_by = None, None
        bump(fresh, ["done_on", "done_by"])
        record_change(
            actor=actor,
            action="reopen_decision",
            obj=fresh,
            unit_path=fresh.meeting.unit.path,
            before=before,
            after={"done_on": None, "reason": reason},
        )
    return fresh
