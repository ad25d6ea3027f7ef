"""Contingency plans (one per unit and type, with ordered steps) and the drills held on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import IMAGE_TYPES, store_upload
from dudao.core.locking import bump
from dudao.duty.models import ContingencyPlan, Drill, PlanStep, PlanType
from dudao.duty.services._common import ROSTER_UNIT_KINDS, _text
from dudao.orgs.models import OrgUnit
from dudao.orgs.roles import WORK_ROLES
from dudao.orgs.scoping import can

MAX_DRILL_PHOTOS = 9
PHOTO_MAX_BYTES = 15 * 1024 * 1024


@dataclass(frozen=True)
class StepIn:
    title: str
    responsible_role: str
    detail: str = ""


def save_plan(
    *,
    actor: User,
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
            plan.updated_at = timezone.now()
            bump(plan, ["title", "summary", "updated_at"])
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
    actor: User,
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
