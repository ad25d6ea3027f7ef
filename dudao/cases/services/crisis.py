"""Attention levels and crisis handling: raising to crisis alerts the principal and starts the checklist."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.cases.models import (
    RISK_RANK,
    AlertKind,
    CaseFile,
    CaseKind,
    CaseNote,
    CrisisStep,
    CrisisStepKind,
    NoteKind,
    RiskLevel,
)
from dudao.cases.services._common import (
    CASE_FIELDS,
    _alert,
    _locked,
    _principals,
    _record_case_change,
    _require_open,
    _require_writer,
    _save,
    clean_text,
)
from dudao.core.errors import DomainError


def _start_crisis(actor: User, case: CaseFile, guardian_contacted_at: dt.datetime | None) -> None:
    now = timezone.now()
    case.guardian_contacted_at = guardian_contacted_at or now
    case.guardian_contacted_by = actor
    case.save(update_fields=["guardian_contacted_at", "guardian_contacted_by"])
    open_steps = set(CrisisStep.objects.filter(case=case, done_at__isnull=True).values_list("step", flat=True))
    CrisisStep.objects.bulk_create(
        [CrisisStep(case=case, step=step) for step in CrisisStepKind.values if step not in open_steps]
    )
    principals = [p for p in _principals(case.school) if p.pk != actor.pk]
    _alert(
        [*principals, case.counsellor, case.class_teacher],
        case=case,
        kind=AlertKind.CRISIS,
        text=f"危机预警：{case.student.name}（{case}）已升为红色危机等级，请立即落实安全计划、监护人交接和转介",
    )
    record_change(
        actor=actor,
        action="case_crisis",
        obj=case,
        unit_path=case.school.path,
        after={"guardian_contacted_at": case.guardian_contacted_at, "guardian_contacted_by": actor.pk},
    )


def change_level(
    *,
    actor: User,
    case: CaseFile,
    level: str,
    reason: str,
    version: int | None,
    guardian_contacted_at: dt.datetime | None = None,
) -> CaseFile:
    """Raise or lower the attention level. Raising to crisis notifies the principal at once, records the guardian
    contact and starts the crisis checklist."""
    if level not in RiskLevel.values:
        raise DomainError("请选择关注等级", code="bad_level")
    reason = clean_text(reason, "调整理由", limit=2000)
    if level == RiskLevel.CRISIS:
        if guardian_contacted_at is None:
            raise DomainError("升为危机等级须填写联系监护人的时间", code="guardian_contact_required")
        if guardian_contacted_at > timezone.now() + dt.timedelta(minutes=5):
            raise DomainError("联系监护人的时间不能晚于现在", code="date_in_future")
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        if case.kind != CaseKind.PSYCH and level == RiskLevel.CRISIS:
            raise DomainError("只有心理健康个案可以启动危机处置", code="crisis_psych_only")
        if level == case.risk_level:
            raise DomainError("等级未变化", code="level_unchanged")
        if case.risk_level == RiskLevel.CRISIS and CrisisStep.objects.filter(case=case, done_at__isnull=True).exists():
            raise DomainError("危机处置清单尚未完成，不能降低等级", code="crisis_steps_open", status=409)
        before = snapshot(case, CASE_FIELDS)
        previous = case.risk_level
        case.risk_level = level
        _save(case, ["risk_level"])
        CaseNote.objects.create(
            case=case,
            kind=NoteKind.LEVEL,
            author=actor,
            text=f"{RiskLevel(previous).label} → {RiskLevel(level).label}：{reason}",
        )
        _record_case_change(actor, case, action="case_level", before=before)
        if level == RiskLevel.CRISIS:
            _start_crisis(actor, case, guardian_contacted_at)
            case.refresh_from_db()
        elif RISK_RANK[RiskLevel(level)] > RISK_RANK[RiskLevel(previous)]:
            _alert(
                _principals(case.school),
                case=case,
                kind=AlertKind.ASSIGNED,
                text=f"{case}关注等级升为{RiskLevel(level).label}",
            )
    return case


def complete_crisis_step(*, actor: User, case: CaseFile, step: str, note: str = "") -> CrisisStep:
    note = clean_text(note, "说明", required=False, limit=2000)
    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        row = CrisisStep.objects.select_for_update().filter(case=case, step=step, done_at__isnull=True).first()
        if row is None:
            raise DomainError("该步骤不存在或已完成", code="step_not_open", status=409)
        row.done_at = timezone.now()
        row.done_by = actor
        row.note = note
        row.save(update_fields=["done_at", "done_by", "note"])
        _save(case, [])
        record_change(
            actor=actor, action="crisis_step", obj=case, unit_path=case.school.path, after={"step": step, "done": True}
        )
    return row
