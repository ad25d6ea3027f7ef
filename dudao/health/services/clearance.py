"""复课: return to school after an illness, checked against the isolation table."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.health.models import AbsenceRecord, Clearance, Disease, FollowUpStatus, Reason
from dudao.health.services._common import _locked_absence
from dudao.orgs.scoping import can


def earliest_return(disease: Disease, onset: dt.date, symptoms_ended_on: dt.date | None) -> dt.date:
    """The later of onset + minimum days and symptoms' end + the observation hours (whole days)."""
    dates = [onset + dt.timedelta(days=disease.min_days)]
    if disease.symptom_free_hours:
        if symptoms_ended_on is None:
            raise DomainError(
                f"{disease.name}须在症状消失 {disease.symptom_free_hours} 小时后复课：请填写症状消失日期",
                code="symptoms_end_required",
            )
        dates.append(symptoms_ended_on + dt.timedelta(days=math.ceil(disease.symptom_free_hours / 24)))
    return max(dates)


def clear_return(
    *,
    actor: User,
    absence: AbsenceRecord,
    return_date: dt.date,
    symptoms_ended_on: dt.date | None,
    certificate_no: str,
    certificate: Any = None,
    version: int | None,
) -> Clearance:
    """复课: check the certificate against the isolation table; a date before the minimum period is refused."""
    certificate_no = certificate_no.strip()
    if not certificate_no:
        raise DomainError("请填写复课证明编号或出具医院", code="certificate_required")
    today = timezone.localdate()
    if return_date > today + dt.timedelta(days=30):
        raise DomainError("复课日期不能晚于 30 天后", code="return_too_far")
    if symptoms_ended_on is not None and symptoms_ended_on > today:
        raise DomainError("症状消失日期不能晚于今天", code="symptoms_end_future")
    with transaction.atomic():
        absence = _locked_absence(absence, version)
        if not can(actor, "health.followup", absence.klass):
            raise Forbidden("只有校医/保健老师可以办理复课")
        disease = absence.diagnosis or absence.suspected
        if disease is None:
            raise DomainError("请先登记诊断（追因）再办理复课", code="diagnosis_required")
        if Clearance.objects.filter(absence=absence).exists() or absence.status == FollowUpStatus.RETURNED:
            raise DomainError("该学生已办理复课", code="already_returned", status=409)
        onset = absence.onset_date or absence.date
        if return_date < absence.date:
            raise DomainError(f"复课日期不能早于缺勤日期（{absence.date:%Y-%m-%d}）", code="return_before_absence")
        if symptoms_ended_on is not None and symptoms_ended_on < onset:
            raise DomainError(f"症状消失日期不能早于发病日期（{onset:%Y-%m-%d}）", code="symptoms_end_before_onset")
        earliest = earliest_return(disease, onset, symptoms_ended_on)
        if return_date < earliest:
            rule = disease.rule_text or f"发病后至少 {disease.min_days} 天"
            raise DomainError(
                f"复课日期早于{disease.name}的最短隔离期（{rule}）：最早可于 {earliest:%Y-%m-%d} 复课",
                code="clearance_too_early",
            )
        stored = None
        if certificate is not None:
            from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload

            stored = store_upload(
                actor=actor, upload=certificate, allowed=IMAGE_TYPES | DOCUMENT_TYPES, max_bytes=10 * 1024 * 1024
            )
        clearance = Clearance.objects.create(
            absence=absence,
            disease=disease,
            earliest_return=earliest,
            return_date=return_date,
            symptoms_ended_on=symptoms_ended_on,
            certificate_no=certificate_no[:100],
            certificate=stored,
            checked_by=actor,
        )
        AbsenceRecord.objects.filter(
            student_id=absence.student_id,
            status__in=(FollowUpStatus.PENDING, FollowUpStatus.TRACED),
            date__lte=return_date,
        ).exclude(reason=Reason.OTHER).update(status=FollowUpStatus.RETURNED)
        record_change(
            actor=actor,
            action="health_clearance",
            obj=absence,
            unit_path=absence.klass.path,
            after={
                "disease": disease.code,
                "earliest_return": earliest,
                "return_date": return_date,
                "certificate_no": certificate_no,
            },
        )
    return clearance
