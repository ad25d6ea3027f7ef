"""The absence rows of a class check: input cleaning, content signature, diagnoses carried over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from dudao.core.errors import DomainError
from dudao.health import rules
from dudao.health.models import AbsenceRecord, DailyCheck, Disease, FollowUpStatus, Reason, Symptom
from dudao.orgs.models import OrgUnit

TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


@dataclass(frozen=True)
class AbsenceInput:
    student: int
    reason: str
    symptoms: tuple[str, ...] = ()
    temperature: float | None = None
    suspected: str = ""  # disease code


def _clean_absences(
    absences: Sequence[AbsenceInput], diseases: dict[str, Disease], roster: set[int]
) -> list[AbsenceInput]:
    seen: set[int] = set()
    symptom_codes = set(Symptom.values)
    for item in absences:
        if item.student not in roster:
            raise DomainError(f"学生 {item.student} 不在本班花名册中", code="student_not_in_class")
        if item.student in seen:
            raise DomainError(f"学生 {item.student} 重复登记", code="student_duplicate")
        seen.add(item.student)
        if item.reason not in Reason.values:
            raise DomainError(f"缺勤原因 “{item.reason}” 无效", code="reason_invalid")
        bad = [s for s in item.symptoms if s not in symptom_codes]
        if bad:
            raise DomainError(f"症状 “{'、'.join(bad)}” 无效", code="symptom_invalid")
        if item.temperature is not None:
            try:
                temp = Decimal(str(item.temperature))
            except ArithmeticError as exc:
                raise DomainError("体温应在 34–43 ℃ 之间", code="temperature_out_of_range") from exc
            # NaN, ±Infinity and huge values (1e308) cannot be quantized: refuse them like any other out of range.
            if not temp.is_finite() or not TEMPERATURE_RANGE[0] <= temp <= TEMPERATURE_RANGE[1]:
                raise DomainError(
                    f"体温 {item.temperature} ℃ 不合理：应在 34–43 ℃ 之间", code="temperature_out_of_range"
                )
            temp = temp.quantize(Decimal("0.1"))
            if not TEMPERATURE_RANGE[0] <= temp <= TEMPERATURE_RANGE[1]:
                raise DomainError(
                    f"体温 {item.temperature} ℃ 不合理：应在 34–43 ℃ 之间", code="temperature_out_of_range"
                )
        if item.suspected and item.suspected not in diseases:
            raise DomainError(f"病种代码 “{item.suspected}” 不存在", code="disease_invalid")
        if item.reason == Reason.OTHER and (item.symptoms or item.suspected):
            raise DomainError("事假/其他缺勤不登记症状", code="symptoms_for_other")
    return list(absences)


def _signature(rows: Sequence[tuple[int, str, Sequence[str], Any, str]]) -> set[tuple[Any, ...]]:
    return {
        (
            student,
            reason,
            tuple(sorted(symptoms)),
            None if temp is None else Decimal(str(temp)).quantize(Decimal("0.1")),
            sus,
        )
        for student, reason, symptoms, temp, sus in rows
    }


def _existing_signature(check: DailyCheck) -> set[tuple[Any, ...]]:
    rows = [
        (a.student_id, a.reason, a.symptoms, a.temperature, a.suspected.code if a.suspected else "")
        for a in check.absences.select_related("suspected")
    ]
    return _signature(rows)


def _absence_row(
    check: DailyCheck,
    item: AbsenceInput,
    diseases: dict[str, Disease],
    carried: dict[int, Episode],
    *,
    diagnosis: Disease | None = None,
) -> AbsenceRecord:
    """A new absence row; `diagnosis` is the existing row's own diagnosis when a correction rebuilds it."""
    symptoms = sorted(set(item.symptoms))
    temp = None if item.temperature is None else Decimal(str(item.temperature)).quantize(Decimal("0.1"))
    suspected = diseases.get(item.suspected) if item.suspected else None
    earlier = carried.get(item.student)
    if diagnosis is not None:
        diagnosis_code: str | None = diagnosis.code
    else:
        diagnosis_code = earlier.diagnosis.code if earlier is not None and earlier.diagnosis else None
    ill = item.reason != Reason.OTHER
    return AbsenceRecord(
        check_record=check,
        student_id=item.student,
        klass_id=check.klass_id,
        school_id=check.school_id,
        date=check.date,
        reason=item.reason,
        symptoms=symptoms,
        temperature=temp,
        suspected=suspected,
        syndrome=rules.syndrome_of(symptoms) if ill else "",
        disease_code=rules.disease_code_of(
            diagnosis_code, item.suspected or None, symptoms, float(temp) if temp is not None else None
        )
        if ill
        else "",
        # An illness already traced the day before stays traced (the diagnosis carries over).
        diagnosis=earlier.diagnosis if earlier is not None else None,
        status=FollowUpStatus.TRACED if earlier is not None and earlier.diagnosis_id else FollowUpStatus.PENDING,
        onset_date=earlier.onset_date if earlier is not None else None,
    )


def _counts(check: DailyCheck, items: Sequence[AbsenceInput]) -> None:
    check.illness_count = sum(1 for i in items if i.reason == Reason.ILLNESS)
    check.other_count = sum(1 for i in items if i.reason == Reason.OTHER)
    check.unwell_count = sum(1 for i in items if i.reason == Reason.UNWELL)


@dataclass(frozen=True)
class Episode:
    """A diagnosed, not yet cleared absence of a student of the class (what a new check needs of it)."""

    student_id: int
    date: dt.date
    diagnosis: Disease
    onset_date: dt.date | None
    # Not yet traced, only suspected of a notifiable disease: awaits clearance too, but nothing carries over.
    suspected_only: bool = False

    @property
    def diagnosis_id(self) -> int:
        return int(self.diagnosis.pk)


def _open_episodes(klass: OrgUnit, day: dt.date, diseases: dict[str, Disease]) -> list[Episode]:
    """Diagnosed, not yet cleared absences of the class's students in the last 60 days (one read, no join: the
    diagnosis comes from the cached disease table)."""
    by_pk = {d.pk: d for d in diseases.values()}
    notifiable = [d.pk for d in diseases.values() if d.is_notifiable]
    rows = (
        AbsenceRecord.objects.filter(
            Q(diagnosis__isnull=False) | Q(status=FollowUpStatus.PENDING, suspected_id__in=notifiable),
            klass=klass,
            date__range=(day - dt.timedelta(days=60), day - dt.timedelta(days=1)),
            clearance__isnull=True,
            status__in=(FollowUpStatus.PENDING, FollowUpStatus.TRACED),
        )
        .order_by("date", "id")
        .values_list("student_id", "date", "diagnosis_id", "suspected_id", "onset_date")
    )
    episodes = []
    for student_id, date, diagnosis_id, suspected_id, onset in rows:
        pk = diagnosis_id or suspected_id
        disease = by_pk.get(pk) or Disease.objects.get(pk=pk)
        episodes.append(Episode(student_id, date, disease, onset, suspected_only=diagnosis_id is None))
    return episodes


def _early_returns(episodes: Sequence[Episode], absent: set[int]) -> list[int]:
    """Students of the class who still await clearance for an earlier absence but were present."""
    waiting = {
        a.student_id
        for a in episodes
        if a.diagnosis.needs_clearance or (a.suspected_only and a.diagnosis.is_notifiable)
    }
    return sorted(waiting - absent)


def _carried(episodes: Sequence[Episode], items: Sequence[AbsenceInput], day: dt.date) -> dict[int, Episode]:
    """The days before's traced diagnoses carry over to today's absence of the same student."""
    ill = {i.student for i in items if i.reason != Reason.OTHER}
    since = day - dt.timedelta(days=3)
    return {a.student_id: a for a in episodes if a.student_id in ill and a.date >= since and not a.suspected_only}
