"""追因: the school doctor's follow-up of an illness absence."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump
from dudao.health import rules
from dudao.health.models import AbsenceRecord, Alert, Disease, FollowUpStatus, Reason
from dudao.health.services._common import _locked_absence
from dudao.health.services.outbreak import evaluate_cases
from dudao.orgs.scoping import can

ONSET_LOOKBACK_DAYS = 30


FOLLOWUP_FIELDS = ["diagnosis", "guardian_contacted", "clinic", "onset_date", "expected_return", "note", "status"]


def record_followup(
    *,
    actor: User,
    absence: AbsenceRecord,
    diagnosis: Disease | None,
    guardian_contacted: bool,
    clinic: str,
    onset_date: dt.date | None,
    expected_return: dt.date | None,
    note: str,
    version: int | None,
) -> tuple[AbsenceRecord, list[Alert]]:
    """追因: guardian contacted, diagnosis from the disease list, clinic visit, expected return.

    A notifiable diagnosis raises its alert at once; a diagnosis counts toward that disease's thresholds."""
    if absence.reason == Reason.OTHER:
        raise DomainError("事假/其他缺勤不需要追因", code="not_illness")
    today = timezone.localdate()
    if onset_date is not None and onset_date > today:
        raise DomainError("发病日期不能晚于今天", code="onset_in_future")
    if expected_return is not None and expected_return < absence.date:
        raise DomainError("预计返校日期不能早于缺勤日期", code="return_before_absence")
    if onset_date is not None and not (
        absence.date - dt.timedelta(days=ONSET_LOOKBACK_DAYS) <= onset_date <= absence.date
    ):
        # An onset long before the absence would shorten (or void) the minimum isolation period at clearance.
        raise DomainError(
            f"发病日期应在缺勤日期（{absence.date:%Y-%m-%d}）之前 {ONSET_LOOKBACK_DAYS} 天内，且不晚于缺勤日期",
            code="onset_out_of_range",
        )
    with transaction.atomic():
        absence = _locked_absence(absence, version)
        if not can(actor, "health.followup", absence.klass):
            raise Forbidden("只有校医/保健老师可以登记追因")
        if absence.status == FollowUpStatus.RETURNED:
            raise DomainError("该学生已复课，追因记录不能再修改", code="already_returned", status=409)
        before = snapshot(absence, FOLLOWUP_FIELDS)
        absence.diagnosis = diagnosis
        absence.guardian_contacted = guardian_contacted
        absence.clinic = clinic.strip()[:100]
        absence.onset_date = onset_date or absence.onset_date or absence.date
        absence.expected_return = expected_return
        absence.note = note.strip()[:300]
        absence.status = FollowUpStatus.TRACED
        absence.traced_by = actor
        absence.traced_at = timezone.now()
        absence.disease_code = rules.disease_code_of(
            diagnosis.code if diagnosis else None,
            absence.suspected.code if absence.suspected else None,
            absence.symptoms,
            float(absence.temperature) if absence.temperature is not None else None,
        )
        bump(absence, [*FOLLOWUP_FIELDS, "traced_by", "traced_at", "disease_code"])
        # The same student's other open illness absences of the episode (from onset on) share the diagnosis;
        # the rows so rewritten are named in the audit event.
        episode = (
            AbsenceRecord.objects.filter(
                student_id=absence.student_id,
                date__range=(absence.onset_date, today),
                status__in=(FollowUpStatus.PENDING, FollowUpStatus.TRACED),
            )
            .exclude(pk=absence.pk)
            .exclude(reason=Reason.OTHER)
        )
        shared = sorted(episode.values_list("pk", flat=True))
        if shared:
            AbsenceRecord.objects.filter(pk__in=shared).update(
                diagnosis=diagnosis, disease_code=absence.disease_code, status=FollowUpStatus.TRACED
            )
        record_change(
            actor=actor,
            action="health_followup",
            obj=absence,
            unit_path=absence.klass.path,
            before=before,
            after={**snapshot(absence, FOLLOWUP_FIELDS), **({"episode_absences": shared} if shared else {})},
        )
    # After commit, as for checks: the audit chain head is always the last lock a transaction takes.
    return absence, evaluate_cases(actor=actor, absences=[absence])
