"""晨午检 submission: idempotent, a different content the same day is an audited correction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump
from dudao.health import tables
from dudao.health.models import (
    AbsenceRecord,
    Alert,
    CheckKey,
    Clearance,
    DailyCheck,
    Disease,
    FollowUpStatus,
    Reason,
    Session,
)
from dudao.health.services.absences import (
    AbsenceInput,
    Episode,
    _absence_row,
    _carried,
    _clean_absences,
    _counts,
    _early_returns,
    _existing_signature,
    _open_episodes,
    _signature,
)
from dudao.health.services.outbreak import evaluate_cases
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can

BACKDATE_DAYS = 7


@dataclass
class CheckResult:
    check: DailyCheck
    created: bool
    changed: bool
    alerts: list[Alert] = field(default_factory=list)
    # New or changed illness cases, for the rules (run after the check is committed).
    cases: list[AbsenceRecord] = field(default_factory=list)


def school_of(unit: OrgUnit) -> OrgUnit:
    school: OrgUnit | None = OrgUnit.objects.filter(path__in=_ancestor_paths(unit.path), kind=UnitKind.SCHOOL).first()
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


CHECK_FIELDS = ["roster_size", "illness_count", "other_count", "unwell_count", "early_returns"]


def submit_check(
    *,
    actor: User,
    klass: OrgUnit,
    date: dt.date,
    session: str,
    absences: Sequence[AbsenceInput],
    idempotency_key: str = "",
    all_present: bool = False,
) -> CheckResult:
    """Record one class's check; the same content again changes nothing, a different one the same day is a
    correction (audited with before and after). Rules 1–3 run on the new cases inside the same transaction.

    `all_present` is the one-tap 全勤: it records a check without absences but never clears absences already
    recorded for the session (a second phone, a stale page); removing those is a correction made student by
    student."""
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
    if all_present and absences:
        raise DomainError("“全勤”不能同时登记缺勤学生", code="all_present_with_absences")
    key = idempotency_key.strip()[:100]
    if key:
        # One query on the unique (user, key) index.
        done = CheckKey.objects.filter(user=actor, key=key).select_related("check_record").first()
        if done is not None:
            return CheckResult(check=done.check_record, created=False, changed=False)
    if all_present:
        _refuse_clearing_absences(klass, date, session)
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


def _refuse_clearing_absences(klass: OrgUnit, date: dt.date, session: str) -> None:
    """A 全勤 tap on a session that already records absences would silently delete them: refused, nothing
    changed. One indexed lookup on (class, day, session)."""
    counts = (
        DailyCheck.objects.filter(klass=klass, date=date, session=session)
        .values_list("illness_count", "other_count", "unwell_count")
        .first()
    )
    recorded = sum(counts) if counts else 0
    if recorded:
        raise DomainError(
            f"本时段已登记 {recorded} 名学生缺勤或不适，“全勤”不会覆盖这些记录。"
            "如他们都已到校，请在名单中逐个改为“正常”后提交更正。",
            code="all_present_would_clear",
            status=409,
        )


@dataclass(frozen=True)
class Prepared:
    school_id: int
    roster_size: int
    carried: dict[int, Episode]
    early_returns: list[int]


def _new_check(
    actor: User, klass: OrgUnit, date: dt.date, session: str, items: list[AbsenceInput], prepared: Prepared
) -> DailyCheck:
    """A first check of the class, day and session, not yet saved."""
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
    return check


def _create(
    actor: User,
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
        check = _new_check(actor, klass, date, session, items, prepared)
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
    actor: User,
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
        check = _new_check(actor, klass, date, session, items, prepared)
        check.save()
        rows = AbsenceRecord.objects.bulk_create([_absence_row(check, i, diseases, prepared.carried) for i in items])
        _remember_key(actor, key, check)
    return CheckResult(check=check, created=True, changed=True, cases=[r for r in rows if r.reason != Reason.OTHER])


def _remember_key(actor: User, key: str, check: DailyCheck) -> None:
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
    actor: User,
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
            bump(old, [n.removesuffix("_id") for n in changed])
            fresh.append(old)
    created = AbsenceRecord.objects.bulk_create([r for r in fresh if r.pk is None])
    updated = [r for r in fresh if r.pk is not None and r not in created]
    check.roster_size = prepared.roster_size
    _counts(check, items)
    check.early_returns = prepared.early_returns
    check.corrected_at = timezone.now()
    bump(check, [*CHECK_FIELDS, "corrected_at"])
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
