"""Assessors' entries, each with evidence: manual scores, deductions and one-vote veto flags. They count from the
next computation (on demand or nightly) and are refused once the results are frozen."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal.models import Deduction, ItemKind, ManualScore, SchemeItem, VetoFlag
from dudao.appraisal.services._common import decimal, require_editable, text
from dudao.appraisal.services.computing import appraised_units
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.core.models import StoredFile
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

MAX_EVIDENCE = 9
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024

Upload = tuple[IO[bytes], str]


def _check_assessor(actor: User, item: SchemeItem, unit: OrgUnit) -> None:
    scheme = item.scheme
    if not can(actor, "appraisal.assess", unit) or not can(actor, "appraisal.assess", scheme.unit):
        raise Forbidden("您无权为该单位评分")
    if item.kind == ItemKind.MANUAL and item.assessors.exists() and not item.assessors.filter(pk=actor.pk).exists():
        raise Forbidden("您不是该项目指定的评分人")
    require_editable(scheme)
    if not appraised_units(scheme).filter(pk=unit.pk).exists():
        raise DomainError(f"{unit.name}不在该方案的考评范围内", code="unit_not_appraised")


def store_evidence(actor: User, uploads: Sequence[Upload]) -> list[StoredFile]:
    if len(uploads) > MAX_EVIDENCE:
        raise DomainError(f"一次最多上传 {MAX_EVIDENCE} 个证据文件", code="too_many_files")
    return [
        store_upload(
            actor=actor, upload=f, name=name, allowed=IMAGE_TYPES | DOCUMENT_TYPES, max_bytes=EVIDENCE_MAX_BYTES
        )
        for f, name in uploads
    ]


def score_manual(
    *,
    actor: User,
    item: SchemeItem,
    unit: OrgUnit,
    score: Decimal | float | str,
    note: str,
    evidence: Sequence[Upload] = (),
    version: int | None = None,
) -> ManualScore:
    """Score a manual item for a unit (again: a new score replaces the old one, with the version it was read at)."""
    if item.kind != ItemKind.MANUAL:
        raise DomainError("该项目不是人工评分项目", code="item_not_manual")
    points = decimal(score, label="得分", low=0, high=float(item.weight))
    note = text(note, label="评分说明", limit=500, required=False)
    with transaction.atomic():
        item = SchemeItem.objects.select_related("scheme__unit").get(pk=item.pk)
        _check_assessor(actor, item, unit)
        files = store_evidence(actor, evidence)
        mark = ManualScore.objects.select_for_update().filter(item=item, unit=unit).first()
        before = None
        if mark is None:
            mark = ManualScore.objects.create(item=item, unit=unit, score=points, note=note, assessor=actor)
        else:
            check_version(mark, version)
            before = snapshot(mark, ["score", "note", "assessor"])
            mark.score, mark.note, mark.assessor, mark.scored_at = points, note, actor, timezone.now()
            mark.version += 1
            mark.save()
        mark.evidence.add(*files)
        record_change(
            actor=actor,
            action="score_manual_item",
            obj=mark,
            unit_path=unit.path,
            before=before,
            after={**snapshot(mark, ["item", "score", "note", "assessor"]), "evidence": [f.pk for f in files]},
        )
    return mark


def add_deduction(
    *,
    actor: User,
    item: SchemeItem,
    unit: OrgUnit,
    points: Decimal | float | str,
    reason: str,
    evidence: Sequence[Upload] = (),
) -> Deduction:
    if item.kind != ItemKind.DEDUCTION:
        raise DomainError("该项目不是扣分项目", code="item_not_deduction")
    amount = decimal(points, label="扣分", low=0, high=float(item.weight))
    if amount <= 0:
        raise DomainError("扣分应大于 0", code="points_invalid")
    reason = text(reason, label="扣分事由", limit=500)
    if not evidence:
        raise DomainError("扣分须附证据材料", code="evidence_required")
    with transaction.atomic():
        item = SchemeItem.objects.select_related("scheme__unit").get(pk=item.pk)
        _check_assessor(actor, item, unit)
        files = store_evidence(actor, evidence)
        row = Deduction.objects.create(item=item, unit=unit, points=amount, reason=reason, created_by=actor)
        row.evidence.add(*files)
        record_change(
            actor=actor,
            action="add_deduction",
            obj=row,
            unit_path=unit.path,
            after={**snapshot(row, ["item", "points", "reason"]), "evidence": [f.pk for f in files]},
        )
    return row


def set_veto(*, actor: User, item: SchemeItem, unit: OrgUnit, reason: str, evidence: Sequence[Upload] = ()) -> VetoFlag:
    """Flag a one-vote veto for a unit; flagging it again is harmless (the first flag stands)."""
    if item.kind != ItemKind.VETO:
        raise DomainError("该项目不是一票否决项目", code="item_not_veto")
    reason = text(reason, label="否决事由", limit=500)
    if not evidence:
        raise DomainError("一票否决须附证据材料", code="evidence_required")
    with transaction.atomic():
        item = SchemeItem.objects.select_related("scheme__unit").get(pk=item.pk)
        _check_assessor(actor, item, unit)
        existing = VetoFlag.objects.filter(item=item, unit=unit).first()
        if existing is not None:
            return existing
        files = store_evidence(actor, evidence)
        flag = VetoFlag.objects.create(item=item, unit=unit, reason=reason, set_by=actor)
        flag.evidence.add(*files)
        record_change(
            actor=actor,
            action="set_veto",
            obj=flag,
            unit_path=unit.path,
            after={**snapshot(flag, ["item", "reason"]), "evidence": [f.pk for f in files]},
        )
    return flag


def lift_veto(*, actor: User, flag: VetoFlag, reason: str) -> None:
    reason = text(reason, label="撤销理由", limit=500)
    with transaction.atomic():
        flag = VetoFlag.objects.select_related("item__scheme__unit", "unit").get(pk=flag.pk)
        _check_assessor(actor, flag.item, flag.unit)
        record_change(
            actor=actor,
            action="lift_veto",
            obj=flag,
            unit_path=flag.unit.path,
            before=snapshot(flag, ["item", "reason"]),
            after={"lifted_because": reason},
        )
        flag.delete()
