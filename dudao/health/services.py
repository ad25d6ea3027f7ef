"""晨午检 services: class checks (idempotent, corrections audited), follow-up, clearance, alerts, supplies."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.health import rules, tables
from dudao.health.models import (
    AbsenceRecord,
    Alert,
    AlertRule,
    AlertStatus,
    CheckKey,
    Clearance,
    DailyCheck,
    Disease,
    FollowUpStatus,
    Measure,
    MeasureKind,
    Reason,
    Session,
    SupplyKind,
    SupplyRecord,
    Symptom,
    Syndrome,
    report_deadline,
)
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can

TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
BACKDATE_DAYS = 7
ONSET_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class AbsenceInput:
    student: int
    reason: str
    symptoms: tuple[str, ...] = ()
    temperature: float | None = None
    suspected: str = ""  # disease code


@dataclass
class CheckResult:
    check: DailyCheck
    created: bool
    changed: bool
    alerts: list[Alert] = field(default_factory=list)
    # New or changed illness cases, for the rules (run after the check is committed).
    cases: list[AbsenceRecord] = field(default_factory=list)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime input without a zone is local time (Asia/Shanghai); comparing it with aware ones would fail."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def school_of(unit: OrgUnit) -> OrgUnit:
    school = OrgUnit.objects.filter(path__in=_ancestor_paths(unit.path), kind=UnitKind.SCHOOL).first()
    if school is None:
        raise DomainError("该班级不属于任何学校", code="class_without_school")
    return school


def _school_id(klass: OrgUnit) -> int:
    """The class's school id: one indexed lookup on the ancestors' paths, only the id read."""
    school_id = (
        OrgUnit.objects.filter(path__in=_ancestor_paths(klass.path), kind=UnitKind.SCHOOL)
        .values_list("pk", flat=True)
        .first()
    )
    if school_id is None:
        raise DomainError("该班级不属于任何学校", code="class_without_school")
    return int(school_id)


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(OrgUnit.steplen, len(path), OrgUnit.steplen)]


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


CHECK_FIELDS = ["roster_size", "illness_count", "other_count", "unwell_count", "early_returns"]


def submit_check(
    *,
    actor: Any,
    klass: OrgUnit,
    date: dt.date,
    session: str,
    absences: Sequence[AbsenceInput],
    idempotency_key: str = "",
) -> CheckResult:
    """Record one class's check; the same content again changes nothing, a different one the same day is a
    correction (audited with before and after). Rules 1–3 run on the new cases inside the same transaction."""
    if not can(actor, "health.check", klass):
        raise Forbidden("只有本班班主任或校医可以填报晨午检")
    if klass.kind != UnitKind.CLASS:
        raise DomainError("只能为班级填报晨午检", code="not_a_class")
    if klass.is_closed:
        raise DomainError("该班级已撤销，不能填报晨午检", code="class_closed")
    today = timezone.localdate()
    if date > today:
        raise DomainError("不能填报未来日期的晨午检", code="future_date")
    if date < today - dt.timedelta(days=BACKDATE_DAYS):
        raise DomainError(f"只能补录最近 {BACKDATE_DAYS} 天的晨午检", code="too_old")
    if session not in Session.values:
        raise DomainError("时段应为 morning、noon 或 evening", code="session_invalid")
    key = idempotency_key.strip()[:100]
    if key:
        # One query on the unique (user, key) index.
        done = CheckKey.objects.filter(user=actor, key=key).select_related("check_record").first()
        if done is not None:
            return CheckResult(check=done.check_record, created=False, changed=False)
    diseases = tables.diseases()
    roster = set(Student.objects.filter(klass=klass, status=StudentStatus.ENROLLED).values_list("pk", flat=True))
    items = _clean_absences(absences, diseases, roster)
    # Everything that only reads happens before the write transaction (on SQLite it holds the one write lock).
    episodes = _open_episodes(klass, date, diseases)
    prepared = Prepared(
        school_id=_school_id(klass),
        roster_size=len(roster),
        carried=_carried(episodes, items, date),
        early_returns=_early_returns(episodes, {i.student for i in items if i.reason != Reason.UNWELL}),
    )
    try:
        # Most submissions are the first of their class, day and session: insert straight away (the unique
        # constraint on class, day and session decides) instead of locking and reading first.
        result = _create(actor, klass, date, session, items, diseases, key, prepared)
    except IntegrityError:
        # The check exists (a repeat or a correction), or a concurrent first submission of it won the race.
        try:
            result = _submit(actor, klass, date, session, items, diseases, key, prepared)
        except IntegrityError:
            result = _submit(actor, klass, date, session, items, diseases, key, prepared)
    if result.cases:
        result.alerts = evaluate_cases(actor=actor, absences=result.cases, diseases=diseases)
    return result


@dataclass(frozen=True)
class Prepared:
    school_id: int
    roster_size: int
    carried: dict[int, Episode]
    early_returns: list[int]


def _create(
    actor: Any,
    klass: OrgUnit,
    date: dt.date,
    session: str,
    items: list[AbsenceInput],
    diseases: dict[str, Disease],
    key: str,
    prepared: Prepared,
) -> CheckResult:
    """A first submission: the check, its absences and the idempotency key, nothing read. It writes no audit
    event: the check is a new record that carries its author and time (`submitted_by`, `submitted_at`) and is
    never changed except by an audited correction, whose `before` holds this first content."""
    with transaction.atomic():
        check = DailyCheck(
            klass=klass,
            school_id=prepared.school_id,
            date=date,
            session=session,
            roster_size=prepared.roster_size,
            submitted_by=actor,
            early_returns=prepared.early_returns,
        )
        _counts(check, items)
        check.save(force_insert=True)
        rows = (
            AbsenceRecord.objects.bulk_create([_absence_row(check, i, diseases, prepared.carried) for i in items])
            if items
            else []
        )
        if key:
            CheckKey.objects.create(user=actor, key=key, check_record=check)
    return CheckResult(check=check, created=True, changed=True, cases=[r for r in rows if r.reason != Reason.OTHER])


def _submit(
    actor: Any,
    klass: OrgUnit,
    date: dt.date,
    session: str,
    items: list[AbsenceInput],
    diseases: dict[str, Disease],
    key: str,
    prepared: Prepared,
) -> CheckResult:
    new_sig = _signature([(i.student, i.reason, i.symptoms, i.temperature, i.suspected) for i in items])
    with transaction.atomic():
        check = DailyCheck.objects.select_for_update().filter(klass=klass, date=date, session=session).first()
        if check is not None:
            if _existing_signature(check) == new_sig:
                _remember_key(actor, key, check)
                return CheckResult(check=check, created=False, changed=False)
            if date != timezone.localdate():
                raise DomainError("只能在当天更正晨午检记录", code="correction_closed", status=409)
            return _correct(actor, check, items, diseases, prepared, key)
        check = DailyCheck(
            klass=klass,
            school_id=prepared.school_id,
            date=date,
            session=session,
            roster_size=prepared.roster_size,
            submitted_by=actor,
            early_returns=prepared.early_returns,
        )
        _counts(check, items)
        check.save()
        rows = AbsenceRecord.objects.bulk_create([_absence_row(check, i, diseases, prepared.carried) for i in items])
        _remember_key(actor, key, check)
    return CheckResult(check=check, created=True, changed=True, cases=[r for r in rows if r.reason != Reason.OTHER])


def _remember_key(actor: Any, key: str, check: DailyCheck) -> None:
    if key:
        CheckKey.objects.get_or_create(user=actor, key=key, defaults={"check_record": check})


def _refuse_traced_removal(removed: Sequence[AbsenceRecord]) -> None:
    """A correction may not delete what the school doctor has worked on: a traced (or returned) absence, one with
    a diagnosis or a clearance, or one that is evidence of an alert. Refused with nothing changed."""
    if not removed:
        return
    linked = set(
        Alert.cases.through.objects.filter(absencerecord_id__in=[a.pk for a in removed]).values_list(
            "absencerecord_id", flat=True
        )
    )
    for absence in removed:
        if absence.status != FollowUpStatus.PENDING or absence.diagnosis_id or absence.pk in linked:
            name = Student.objects.filter(pk=absence.student_id).values_list("name", flat=True).first() or ""
            raise DomainError(
                f"{name} 的缺勤已由校医追因或已列入预警证据，不能在晨检更正中删除，请联系校医",
                code="absence_traced",
                status=409,
            )


def _correct(
    actor: Any,
    check: DailyCheck,
    items: list[AbsenceInput],
    diseases: dict[str, Disease],
    prepared: Prepared,
    key: str,
) -> CheckResult:
    before = {
        **snapshot(check, CHECK_FIELDS),
        "absences": [[a.student_id, a.reason, a.symptoms, str(a.temperature or "")] for a in check.absences.all()],
    }
    existing = {a.student_id: a for a in check.absences.select_related("diagnosis")}
    wanted = {i.student: i for i in items}
    removed = [a for s, a in existing.items() if s not in wanted]
    if removed and Clearance.objects.filter(absence__in=removed).exists():
        raise DomainError("已办理复课的缺勤记录不能删除", code="absence_cleared", status=409)
    _refuse_traced_removal(removed)
    for absence in removed:
        absence.alerts.clear()
        absence.delete()
    fresh: list[AbsenceRecord] = []
    for student, item in wanted.items():
        old = existing.get(student)
        if old is None:
            fresh.append(_absence_row(check, item, diseases, prepared.carried))
            continue
        # An existing row keeps what the school doctor recorded: its disease code derives from its own diagnosis.
        row = _absence_row(check, item, diseases, prepared.carried, diagnosis=old.diagnosis)
        changed = [
            name
            for name in ("reason", "symptoms", "temperature", "suspected_id", "syndrome", "disease_code")
            if getattr(old, name) != getattr(row, name)
        ]
        if changed:
            for name in changed:
                setattr(old, name, getattr(row, name))
            old.version += 1
            old.save(update_fields=[n.removesuffix("_id") for n in changed] + ["version"])
            fresh.append(old)
    created = AbsenceRecord.objects.bulk_create([r for r in fresh if r.pk is None])
    updated = [r for r in fresh if r.pk is not None and r not in created]
    check.roster_size = prepared.roster_size
    _counts(check, items)
    check.early_returns = prepared.early_returns
    check.corrected_at = timezone.now()
    check.version += 1
    check.save(update_fields=[*CHECK_FIELDS, "corrected_at", "version"])
    _remember_key(actor, key, check)
    after = {
        **snapshot(check, CHECK_FIELDS),
        "absences": [[i.student, i.reason, sorted(i.symptoms), str(i.temperature or "")] for i in items],
    }
    record_change(
        actor=actor, action="health_check_correct", obj=check, unit_path=check.klass.path, before=before, after=after
    )
    cases = [r for r in [*created, *updated] if r.reason != Reason.OTHER]
    return CheckResult(check=check, created=False, changed=True, cases=cases)


# ----- rules → alerts -------------------------------------------------------------------------------------------


def _case(row: AbsenceRecord) -> rules.Case:
    return rules.Case(
        row.pk,
        row.student_id,
        row.school_id,
        row.klass_id,
        row.date,
        row.syndrome,
        row.disease_code,
        rules.groups_of(row.symptoms, row.temperature),
    )


def thresholds() -> list[rules.Threshold]:
    return tables.thresholds()


def evaluate_cases(
    *, actor: Any, absences: Sequence[AbsenceRecord], diseases: dict[str, Disease] | None = None
) -> list[Alert]:
    """Rules 1–3 for the schools and classes of these new (or changed) illness cases: reads first, and a write
    transaction (raise_alerts) only when a rule fired."""
    ill = [a for a in absences if a.reason != Reason.OTHER]
    if not ill:
        return []
    findings: list[rules.Finding] = []
    day = max(a.date for a in ill)
    # Rule 2: each (suspected) notifiable case alerts at once.
    diseases = diseases if diseases is not None else tables.diseases()
    notifiable = {code for code, d in diseases.items() if d.is_notifiable}
    for absence in ill:
        codes = {absence.disease_code, absence.suspected.code if absence.suspected else ""} & notifiable
        for code in sorted(codes):
            findings.append(
                rules.Finding(
                    rule=AlertRule.NOTIFIABLE,
                    school_id=absence.school_id,
                    klass_id=absence.klass_id,
                    disease_code=code,
                    syndrome="",
                    case_ids={absence.pk},
                    summary={"student": absence.student_id},
                )
            )
    # Rule 1 over the classes touched, rule 3 over the schools touched (distinct students counted): one read.
    classes = {a.klass_id for a in ill if rules.groups_of(a.symptoms, a.temperature)}
    codes = {a.disease_code for a in ill if a.disease_code}
    table = [t for t in thresholds() if t.disease_code in codes] if codes else []
    if classes or table:
        longest = max([3, *(t.window_days for t in table)])
        grouped = Q(syndrome__in=rules.SIMILAR_SYNDROMES) | Q(temperature__gte=Decimal(str(rules.FEVER_TEMPERATURE)))
        near = Q(grouped, klass_id__in=classes, date__gte=day - dt.timedelta(days=2))
        wanted = near | Q(disease_code__in={t.disease_code for t in table})
        cases = [
            rules.Case(*row[:7], rules.groups_of(row[7], row[8]))
            for row in AbsenceRecord.objects.filter(
                wanted,
                school_id__in={a.school_id for a in ill},
                date__range=(day - dt.timedelta(days=longest - 1), day),
            )
            .exclude(reason=Reason.OTHER)
            .values_list(
                "pk",
                "student_id",
                "school_id",
                "klass_id",
                "date",
                "syndrome",
                "disease_code",
                "symptoms",
                "temperature",
            )
        ]
        if classes:
            findings += rules.class_clusters([c for c in cases if c.klass_id in classes], day)
        if table:
            findings += rules.disease_clusters(cases, table, day)
    return raise_alerts(actor=actor, findings=findings, day=day, diseases=diseases)


def _title(finding: rules.Finding, names: dict[int, str], diseases: dict[str, Disease]) -> str:
    where = names.get(finding.klass_id or finding.school_id, "")
    summary = finding.summary
    disease = diseases.get(finding.disease_code)
    disease_name = disease.name if disease else finding.disease_code
    if finding.rule == AlertRule.CLASS_CLUSTER:
        label = Syndrome(finding.syndrome).label
        return f"{where}：{label}症状聚集（当日 {summary['day']} 人，3 日 {summary['three_days']} 人）"
    if finding.rule == AlertRule.NOTIFIABLE:
        return f"{where}：{disease_name}（法定传染病/疑似）病例"
    if finding.rule == AlertRule.DISEASE_CLUSTER:
        window, cases, threshold = summary["window_days"], summary["cases"], summary["threshold"]
        return f"{where}：{disease_name} {window} 天内 {cases} 例（阈值 {threshold}）"
    return f"{where}：因病缺勤率异常升高（{float(str(summary['rate'])) * 100:.1f}%，EARS C2={summary['c2']}）"


def raise_alerts(
    *, actor: Any, findings: Sequence[rules.Finding], day: dt.date, diseases: dict[str, Disease] | None = None
) -> list[Alert]:
    """Turn findings into alerts: an unresolved alert for the same rule and place absorbs the new cases
    (with updated evidence) instead of opening a second one. Few queries however many findings."""
    if not findings:
        return []
    merged: dict[tuple[Any, ...], rules.Finding] = {}
    for finding in findings:
        key = finding.key if finding.rule != AlertRule.NOTIFIABLE else (*finding.key, finding.summary["student"])
        if key in merged:
            merged[key].case_ids |= finding.case_ids
            merged[key].summary = finding.summary
        else:
            merged[key] = finding
    schools = {f.school_id for f in merged.values()}
    diseases = diseases if diseases is not None else {d.code: d for d in Disease.objects.all()}
    with transaction.atomic():
        # One writer per school at a time, so two checks submitted together cannot both open the same alert.
        # FOR NO KEY UPDATE: it must not block inserts that reference the school (they take KEY SHARE locks).
        # Lock order everywhere: school, then alert rows, then the audit chain head (taken last, by append).
        list(OrgUnit.objects.select_for_update(no_key=True).filter(pk__in=schools).values_list("pk", flat=True))
        return _raise(actor, merged, schools, diseases, day)


def _raise(
    actor: Any,
    merged: dict[tuple[Any, ...], rules.Finding],
    schools: set[int],
    diseases: dict[str, Disease],
    day: dt.date,
) -> list[Alert]:
    # Alerts of the same rule and place: an unresolved one absorbs the finding; one already closed within the
    # rule's window has dealt with its cases, and a new alert is raised only for cases it did not cover.
    existing: dict[tuple[Any, ...], Alert] = {}
    resolved: dict[tuple[Any, ...], list[Alert]] = {}
    longest = max(_window_days(f) for f in merged.values())
    recent = Alert.objects.filter(
        Q(on_date__gte=day - dt.timedelta(days=longest - 1)) | ~Q(status=AlertStatus.CLOSED),
        school_id__in=schools,
    ).select_related("disease")
    for known_alert in recent:
        code = known_alert.disease.code if known_alert.disease else ""
        found: tuple[Any, ...] = (
            known_alert.rule,
            known_alert.school_id,
            known_alert.klass_id,
            code,
            known_alert.syndrome,
        )
        if known_alert.rule == AlertRule.NOTIFIABLE:
            found = (*found, known_alert.evidence.get("student"))
        if known_alert.status != AlertStatus.CLOSED:
            existing[found] = known_alert
        else:
            resolved.setdefault(found, []).append(known_alert)
    covered: dict[int, set[int]] = defaultdict(set)
    if resolved:
        for alert_id, case_id in Alert.cases.through.objects.filter(
            alert_id__in=[a.pk for rows in resolved.values() for a in rows]
        ).values_list("alert_id", "absencerecord_id"):
            covered[alert_id].add(case_id)
    unit_ids = {f.school_id for f in merged.values()} | {f.klass_id for f in merged.values() if f.klass_id}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids).only("pk", "name", "path")}
    names = {pk: u.name for pk, u in units.items()}
    now = timezone.now()
    new_alerts: list[Alert] = []
    links: list[tuple[Alert, set[int]]] = []
    entries: list[Entry] = []
    for key, finding in merged.items():
        known = existing.get(key)
        if known is not None:
            alert = known
            alert.evidence = {**alert.evidence, **finding.summary}
            if finding.rule != AlertRule.STATISTICAL:
                alert.title = _title(finding, names, diseases)[:200]
            alert.save(update_fields=["evidence", "title"])
            links.append((alert, finding.case_ids))
            continue
        closed = [a for a in resolved.get(key, []) if a.on_date >= day - dt.timedelta(days=_window_days(finding) - 1)]
        if closed:
            done = set().union(*(covered[a.pk] for a in closed))
            # Rule 2 is per student and disease: a closed alert covers the student's episode within its window.
            if finding.rule in (AlertRule.NOTIFIABLE, AlertRule.STATISTICAL) or finding.case_ids <= done:
                continue
        immediate = finding.rule == AlertRule.NOTIFIABLE
        alert = Alert(
            school_id=finding.school_id,
            klass_id=finding.klass_id,
            rule=finding.rule,
            disease=diseases.get(finding.disease_code),
            syndrome=finding.syndrome,
            title=_title(finding, names, diseases)[:200],
            evidence=finding.summary,
            on_date=day,
            is_immediate=immediate,
            created_at=now,
            report_due_at=report_deadline(now, immediate=immediate),
        )
        new_alerts.append(alert)
        links.append((alert, finding.case_ids))
    Alert.objects.bulk_create(new_alerts)
    through = Alert.cases.through
    wanted = [(alert.pk, case) for alert, ids in links for case in ids]
    if wanted:
        have = set(
            through.objects.filter(alert_id__in={a for a, _ in wanted}).values_list("alert_id", "absencerecord_id")
        )
        through.objects.bulk_create([through(alert_id=a, absencerecord_id=c) for a, c in wanted if (a, c) not in have])
    for alert in new_alerts:
        entries.append(
            Entry(
                action="health_alert",
                obj=alert,
                unit_path=units[alert.school_id].path,
                changes={"after": {"rule": alert.rule, "title": alert.title, "evidence": alert.evidence}},
            )
        )
    if entries:
        append(actor=actor, entries=entries)
    return new_alerts


NOTIFIABLE_WINDOW_DAYS = 30


def _window_days(finding: rules.Finding) -> int:
    """The days an alert for this finding's rule and place stands for (a closed one within it is not re-raised)."""
    if finding.rule == AlertRule.CLASS_CLUSTER:
        return 3
    if finding.rule == AlertRule.DISEASE_CLUSTER:
        return int(str(finding.summary.get("window_days", 7)))
    if finding.rule == AlertRule.NOTIFIABLE:
        return NOTIFIABLE_WINDOW_DAYS
    return 1


def scan_day(*, day: dt.date | None = None) -> dict[str, int]:
    """The scheduled scan (all four rules' scheduled part) over every school: four grouped reads, one write batch.

    Rule 2 is not rescanned: it fires on submission and on a notifiable diagnosis during follow-up."""
    from dudao.health.selectors import scan_inputs

    day = day or timezone.localdate()
    cases, class_cases, rates = scan_inputs(day, longest=max([t.window_days for t in thresholds()] or [1]))
    findings = rules.class_clusters(class_cases, day)
    findings += rules.disease_clusters(cases, thresholds(), day)
    findings += rules.statistical_signals(rates, day)
    with transaction.atomic():
        alerts = raise_alerts(actor=None, findings=findings, day=day)
    return {"findings": len(findings), "new_alerts": len(alerts)}


# ----- follow-up and clearance -------------------------------------------------------------------------------


def _locked_absence(absence: AbsenceRecord, version: int | None) -> AbsenceRecord:
    fresh = (
        AbsenceRecord.objects.select_for_update(of=("self",))
        .select_related("klass", "diagnosis", "suspected")
        .get(pk=absence.pk)
    )
    check_version(fresh, version)
    return fresh


FOLLOWUP_FIELDS = ["diagnosis", "guardian_contacted", "clinic", "onset_date", "expected_return", "note", "status"]


def record_followup(
    *,
    actor: Any,
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
        absence.version += 1
        absence.save(update_fields=[*FOLLOWUP_FIELDS, "traced_by", "traced_at", "disease_code", "version"])
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
    actor: Any,
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


# ----- alert workflow ----------------------------------------------------------------------------------------


def _locked_alert(alert: Alert, version: int | None) -> Alert:
    fresh = Alert.objects.select_for_update(of=("self",)).select_related("school").get(pk=alert.pk)
    check_version(fresh, version)
    return fresh


def _alert_guard(actor: Any, alert: Alert) -> None:
    if not can(actor, "health.alert", alert.school):
        raise Forbidden("只有校医、校长或卫生健康专干可以处置预警")


def _bump(alert: Alert, fields: list[str]) -> None:
    alert.version += 1
    alert.save(update_fields=[*fields, "version"])


def acknowledge_alert(*, actor: Any, alert: Alert, version: int | None) -> Alert:
    with transaction.atomic():
        alert = _locked_alert(alert, version)
        _alert_guard(actor, alert)
        if alert.status != AlertStatus.OPEN:
            raise DomainError("该预警已确认", code="already_acknowledged", status=409)
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        _bump(alert, ["status", "acknowledged_by", "acknowledged_at"])
        record_change(
            actor=actor,
            action="health_alert_ack",
            obj=alert,
            unit_path=alert.school.path,
            after={"status": "acknowledged"},
        )
    return alert


def report_alert(
    *, actor: Any, alert: Alert, reported_at: dt.datetime | None, reference: str, version: int | None
) -> Alert:
    """Record the report to the CDC (and the bureau): when, and the reference or the person who took it."""
    reference = reference.strip()
    if not reference:
        raise DomainError("请填写报告编号或疾控中心接报人", code="reference_required")
    now = timezone.now()
    reported_at = aware(reported_at) or now
    if reported_at > now + dt.timedelta(minutes=5):
        raise DomainError("报告时间不能晚于现在", code="report_in_future")
    with transaction.atomic():
        alert = _locked_alert(alert, version)
        _alert_guard(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise DomainError("该预警已结案", code="alert_closed", status=409)
        if alert.status == AlertStatus.REPORTED:
            raise DomainError("该预警已报告疾控", code="already_reported", status=409)
        if reported_at < alert.created_at - dt.timedelta(hours=1):
            raise DomainError("报告时间不能早于预警产生时间", code="report_before_alert")
        if alert.acknowledged_at is None:
            alert.acknowledged_by = actor
            alert.acknowledged_at = now
        alert.status = AlertStatus.REPORTED
        alert.reported_by = actor
        alert.reported_at = reported_at
        alert.report_reference = reference[:100]
        _bump(alert, ["status", "acknowledged_by", "acknowledged_at", "reported_by", "reported_at", "report_reference"])
        record_change(
            actor=actor,
            action="health_alert_report",
            obj=alert,
            unit_path=alert.school.path,
            after={"reported_at": reported_at, "reference": reference, "late": reported_at > alert.report_due_at},
        )
    return alert


def add_measure(
    *,
    actor: Any,
    alert: Alert,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    note: str,
    version: int | None,
) -> Measure:
    if kind not in MeasureKind.values:
        raise DomainError("措施类型无效", code="measure_invalid")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期", code="measure_dates")
    if kind == MeasureKind.SUSPENSION and ends_on is None:
        raise DomainError("停课须填写起止日期", code="suspension_dates")
    with transaction.atomic():
        alert = _locked_alert(alert, version)
        _alert_guard(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise DomainError("该预警已结案", code="alert_closed", status=409)
        measure = Measure.objects.create(
            alert=alert, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note.strip()[:300], created_by=actor
        )
        _bump(alert, [])
        record_change(
            actor=actor,
            action="health_alert_measure",
            obj=alert,
            unit_path=alert.school.path,
            after={"kind": kind, "starts_on": starts_on, "ends_on": ends_on, "note": measure.note},
        )
    return measure


def close_alert(*, actor: Any, alert: Alert, summary: str, version: int | None) -> Alert:
    summary = summary.strip()
    if len(summary) < 5:
        raise DomainError("请填写结案小结（不少于 5 个字）", code="summary_required")
    with transaction.atomic():
        alert = _locked_alert(alert, version)
        _alert_guard(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise DomainError("该预警已结案", code="alert_closed", status=409)
        if alert.status == AlertStatus.OPEN:
            raise DomainError("请先确认预警再结案", code="not_acknowledged", status=409)
        alert.status = AlertStatus.CLOSED
        alert.closed_by = actor
        alert.closed_at = timezone.now()
        alert.summary = summary[:4000]
        _bump(alert, ["status", "closed_by", "closed_at", "summary"])
        record_change(
            actor=actor, action="health_alert_close", obj=alert, unit_path=alert.school.path, after={"summary": summary}
        )
    return alert


def escalate_alerts(*, now: dt.datetime | None = None) -> int:
    """Alerts still unacknowledged after HEALTH_ESCALATE_HOURS are escalated (shown in red to the district's
    health officer and the principal). Idempotent: an escalated alert is not escalated again."""
    now = now or timezone.now()
    limit = now - dt.timedelta(hours=float(settings.HEALTH_ESCALATE_HOURS))
    with transaction.atomic():
        due = list(
            Alert.objects.select_for_update(of=("self",))
            .filter(status=AlertStatus.OPEN, escalated_at__isnull=True, created_at__lte=limit)
            .select_related("school")
        )
        if not due:
            return 0
        Alert.objects.filter(pk__in=[a.pk for a in due]).update(escalated_at=now)
        append(
            actor=None,
            entries=[
                Entry(action="health_alert_escalate", obj=a, unit_path=a.school.path, changes={"after": {"at": now}})
                for a in due
            ],
        )
    return len(due)


# ----- supplies ----------------------------------------------------------------------------------------------


def record_supply(
    *, actor: Any, school: OrgUnit, kind: str, date: dt.date, received: int, used: int, stock: int
) -> SupplyRecord:
    if kind not in SupplyKind.values:
        raise DomainError("物资类型无效", code="supply_kind_invalid")
    if min(received, used, stock) < 0:
        raise DomainError("数量不能为负数", code="supply_negative")
    if max(received, used, stock) > 10_000_000:
        raise DomainError("数量过大，请核对", code="supply_too_large")
    if date > timezone.localdate():
        raise DomainError("不能登记未来日期的物资", code="future_date")
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("物资按学校登记", code="not_a_school")
    with transaction.atomic():
        if not can(actor, "health.supplies", school):
            raise Forbidden("只有校医、学校管理员或校长可以登记防疫物资")
        record, created = SupplyRecord.objects.select_for_update().get_or_create(
            school=school,
            kind=kind,
            date=date,
            defaults={"received": received, "used": used, "stock": stock, "recorded_by": actor},
        )
        before = None if created else snapshot(record, ["received", "used", "stock"])
        if not created:
            record.received, record.used, record.stock = received, used, stock
            record.recorded_by = actor
            record.recorded_at = timezone.now()
            record.save(update_fields=["received", "used", "stock", "recorded_by", "recorded_at"])
        record_change(
            actor=actor,
            action="health_supply",
            obj=record,
            unit_path=school.path,
            before=before,
            after=snapshot(record, ["kind", "date", "received", "used", "stock"]),
        )
    return record
