"""问责 and 通报表扬 records: recorded by a bureau or district bureau about a unit or a person below it, revoked with
a reason; reads of a person's accountability records are access events. The list of 问责形式 is configurable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.supervision import sources
from dudao.supervision.models import (
    AccountabilityEvidence,
    AccountabilityForm,
    AccountabilityRecord,
    Commendation,
    CommendationEvidence,
    Decision,
)

DECIDING_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT)
SUBJECT_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.OFFICE, UnitKind.CAMPUS)
MAX_REASON = 2000
MAX_POINTS = Decimal(100)
RECORD_FIELDS = ["subject_unit", "subject_person", "decided_by", "decided_on", "revoked_at", "revoke_reason"]


def _deciding_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None or not can(actor, "accountability.change"):
        raise Forbidden("您当前的身份不能记录问责或表扬")
    if assignment.unit.kind not in DECIDING_KINDS:
        raise DomainError("问责和表扬须以教育局或区县教育局名义记录", code="deciding_kind")
    return assignment.unit


def _points(value: Decimal | str | float | None, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        points = Decimal(str(value))
    except InvalidOperation:
        raise DomainError(f"{label}须是数字", code="points_invalid") from None
    if not points.is_finite() or points <= 0 or points > MAX_POINTS or points != points.quantize(Decimal("0.01")):
        raise DomainError(f"{label}须大于 0、不超过 {MAX_POINTS:g} 分，最多两位小数", code="points_invalid")
    return points.quantize(Decimal("0.01"))


def _subject(deciding: OrgUnit, unit: OrgUnit | None, person: User | None) -> OrgUnit:
    """The subject's unit: a unit below the deciding unit, or the unit of a person in the deciding unit's subtree."""
    if person is not None:
        if person.unit is None or not person.is_active:
            raise DomainError(f"“{person.display_name}”没有在岗的所属单位", code="person_without_unit")
        if not person.unit.path.startswith(deciding.path):
            raise DomainError(f"“{person.display_name}”不在{deciding.name}的管理范围内", code="subject_outside_scope")
        if unit is not None and unit.pk != person.unit_id:
            raise DomainError(f"“{person.display_name}”不属于{unit.name}", code="person_not_of_unit")
        return person.unit
    if unit is None:
        raise DomainError("请选择对象单位或对象个人", code="subject_required")
    if unit.pk == deciding.pk or not unit.path.startswith(deciding.path):
        raise DomainError(f"“{unit.name}”不在{deciding.name}的管理范围内", code="subject_outside_scope")
    if unit.kind not in SUBJECT_KINDS:
        raise DomainError("对象单位须是区县教育局、学校或科室", code="subject_kind")
    return unit


def _decision(
    deciding: OrgUnit, decided_by: User | None, decided_on: dt.date | None, reason: str
) -> tuple[User, dt.date, str]:
    if decided_by is None or decided_by.unit is None or not decided_by.unit.path.startswith(deciding.path):
        raise DomainError(f"决定人须是{deciding.name}的人员", code="decider_outside_unit")
    if decided_on is None:
        raise DomainError("请填写决定日期", code="decided_on_required")
    if decided_on > timezone.localdate():
        raise DomainError("决定日期不能晚于今天", code="decided_on_future")
    text = (reason or "").strip()
    if not text:
        raise DomainError("请填写事由", code="reason_required")
    if len(text) > MAX_REASON:
        raise DomainError(f"事由不能超过 {MAX_REASON} 字", code="reason_too_long")
    return decided_by, decided_on, text


def record_accountability(
    *,
    actor: User,
    form: AccountabilityForm,
    subject_unit: OrgUnit | None,
    subject_person: User | None = None,
    reason: str,
    decided_by: User | None,
    decided_on: dt.date | None,
    deduction: Decimal | str | float | None = None,
    evidence: Sequence[tuple[str, int]] = (),
) -> AccountabilityRecord:
    """A 问责 decision of the actor's bureau or district bureau about a unit or a person below it, with evidence
    (ledger items, reports, alerts, 督办单 inside the actor's scope) and optional points deducted in appraisal."""
    deciding = _deciding_unit(actor)
    if not form.is_active:
        raise DomainError(f"问责形式“{form.name}”已停用", code="form_inactive")
    unit = _subject(deciding, subject_unit, subject_person)
    decider, day, text = _decision(deciding, decided_by, decided_on, reason)
    points = _points(deduction, "扣分")
    linked = sources.resolve(actor, evidence)
    with transaction.atomic():
        record = AccountabilityRecord.objects.create(
            form=form,
            subject_unit=unit,
            subject_person=subject_person,
            reason=text,
            deciding_unit=deciding,
            decided_by=decider,
            decided_on=day,
            deduction=points,
            recorded_by=actor,
        )
        AccountabilityEvidence.objects.bulk_create(
            AccountabilityEvidence(record=record, kind=f.kind, object_id=f.object_id, label=f.label, unit=f.unit)
            for f in linked
        )
        record_change(
            actor=actor,
            action="create",
            obj=record,
            unit_path=unit.path,
            after={
                **snapshot(record, RECORD_FIELDS),
                "form": form.name,
                "deduction": str(points) if points is not None else None,
                "evidence": [f"{f.kind}:{f.object_id}" for f in linked],
            },
        )
    return record


def record_commendation(
    *,
    actor: User,
    title: str,
    subject_unit: OrgUnit | None,
    subject_person: User | None = None,
    reason: str,
    decided_by: User | None,
    decided_on: dt.date | None,
    bonus: Decimal | str | float | None = None,
    evidence: Sequence[tuple[str, int]] = (),
) -> Commendation:
    """A 通报表扬 of a unit or a person below the actor's bureau or district bureau, with optional bonus points."""
    deciding = _deciding_unit(actor)
    heading = (title or "").strip()
    if not heading or len(heading) > 120:
        raise DomainError("请填写 1–120 字的表扬事项", code="title_required")
    unit = _subject(deciding, subject_unit, subject_person)
    decider, day, text = _decision(deciding, decided_by, decided_on, reason)
    points = _points(bonus, "加分")
    linked = sources.resolve(actor, evidence)
    with transaction.atomic():
        record = Commendation.objects.create(
            title=heading,
            subject_unit=unit,
            subject_person=subject_person,
            reason=text,
            deciding_unit=deciding,
            decided_by=decider,
            decided_on=day,
            bonus=points,
            recorded_by=actor,
        )
        CommendationEvidence.objects.bulk_create(
            CommendationEvidence(record=record, kind=f.kind, object_id=f.object_id, label=f.label, unit=f.unit)
            for f in linked
        )
        record_change(
            actor=actor,
            action="create",
            obj=record,
            unit_path=unit.path,
            after={
                **snapshot(record, RECORD_FIELDS),
                "title": heading,
                "bonus": str(points) if points is not None else None,
                "evidence": [f"{f.kind}:{f.object_id}" for f in linked],
            },
        )
    return record


def revoke(*, actor: User, record: Decision, reason: str, version: int | None) -> Decision:
    """撤销 a record decided in the actor's subtree (a wrong entry, a decision overturned on appeal): it stays on
    file, marked, and no longer counts in appraisal. Revoking a revoked record changes nothing."""
    model = type(record)
    if not can(actor, "accountability.change") or not model.objects.for_user(actor, "change").filter(pk=record.pk):
        raise Forbidden("只有作出决定的单位（或其上级）才能撤销")
    text = (reason or "").strip()
    if not text or len(text) > 300:
        raise DomainError("请填写 1–300 字的撤销原因", code="reason_required")
    with transaction.atomic():
        fresh = locked(model.objects.select_related("subject_unit"), record.pk, None)
        if fresh.revoked_at is not None:
            return fresh
        check_version(fresh, version)
        before = snapshot(fresh, RECORD_FIELDS)
        fresh.revoked_at, fresh.revoked_by, fresh.revoke_reason = timezone.now(), actor, text
        bump(fresh, ["revoked_at", "revoked_by", "revoke_reason"])
        record_change(
            actor=actor,
            action="revoke",
            obj=fresh,
            unit_path=fresh.subject_unit.path,
            before=before,
            after=snapshot(fresh, RECORD_FIELDS),
        )
    return fresh


def log_read(*, actor: User, record: AccountabilityRecord, via: str) -> None:
    """A person's accountability record was read (page, API, print): one access event, filed under their unit."""
    if record.subject_person_id is None:
        return
    record_access(
        actor=actor,
        action=f"accountability_{via}",
        obj=record,
        unit_path=record.subject_unit.path,
        details={"via": via, "person": record.subject_person_id, "form": record.form_id},
    )


def log_list(*, actor: User, records: Iterable[AccountabilityRecord], via: str) -> None:
    """A list showing people's accountability records: one access event naming each person's record shown."""
    shown = [r for r in records if r.subject_person_id is not None]
    if not shown:
        return
    append(
        actor=actor,
        entries=[
            Entry(
                action=f"accountability_{via}",
                kind="access",
                obj=r,
                unit_path=r.subject_unit.path,
                changes={"via": via, "person": r.subject_person_id, "form": r.form_id},
            )
            for r in shown
        ],
    )


# ---- 问责形式 (configurable list) ----


def _forms_admin(actor: User) -> None:
    assignment = acting_assignment(actor)
    if (
        assignment is None
        or not can(actor, "accountability.change")
        or assignment.unit.kind != UnitKind.BUREAU
        or assignment.unit.depth != 1
    ):
        raise Forbidden("问责形式由市（县）教育局统一设置")


def add_form(*, actor: User, name: str, order: int = 100) -> AccountabilityForm:
    _forms_admin(actor)
    text = (name or "").strip()
    if not text or len(text) > 30:
        raise DomainError("请填写 1–30 字的问责形式名称", code="form_name_required")
    if AccountabilityForm.objects.filter(name=text).exists():
        raise DomainError(f"问责形式“{text}”已存在", code="form_duplicate", status=409)
    try:
        with transaction.atomic():
            form = AccountabilityForm.objects.create(name=text, order=max(0, min(order, 9999)))
            record_change(actor=actor, action="create", obj=form, unit_path="", after=snapshot(form, ["name", "order"]))
    except IntegrityError:
        raise DomainError(f"问责形式“{text}”已存在", code="form_duplicate", status=409) from None
    return form


def set_form_active(
    *, actor: User, form: AccountabilityForm, is_active: bool, version: int | None
) -> AccountabilityForm:
    """Stop offering a form (records that used it keep it) or offer it again."""
    _forms_admin(actor)
    with transaction.atomic():
        fresh = locked(AccountabilityForm.objects, form.pk, version)
        if fresh.is_active == is_active:
            return fresh
        before = snapshot(fresh, ["is_active"])
        fresh.is_active = is_active
        bump(fresh, ["is_active"])
        record_change(
            actor=actor, action="update", obj=fresh, unit_path="", before=before, after=snapshot(fresh, ["is_active"])
        )
    return fresh
