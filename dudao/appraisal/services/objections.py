"""申诉: a unit objects to one item of its published result within the window; an assessor accepts it (the item's
score is corrected, the total, band and every rank recomputed, all audited) or rejects it with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal.models import ItemKind, Objection, ObjectionStatus, Result, SchemeItem, SchemeStatus
from dudao.appraisal.scoring import fmt
from dudao.appraisal.services._common import decimal, text
from dudao.appraisal.services.assessing import Upload, store_evidence
from dudao.appraisal.services.computing import rank, settle, write_results
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import locked
from dudao.orgs.scoping import can


def file_objection(
    *, actor: User, result: Result, item: SchemeItem, reason: str, evidence: Sequence[Upload] = ()
) -> Objection:
    """File an objection; a second submission while the first is pending answers the first."""
    scheme = result.scheme
    if not can(actor, "appraisal.object", result.unit):
        raise Forbidden("您无权为该单位提出申诉")
    if can(actor, "appraisal.read", scheme.unit):
        raise Forbidden("考评单位不能对本单位组织的考评提出申诉，请在申诉处理中更正")
    if item.scheme_id != scheme.pk:
        raise DomainError("申诉项目不属于该考评方案", code="item_mismatch")
    reason = text(reason, label="申诉理由", limit=2000)
    if scheme.status != SchemeStatus.PUBLISHED or scheme.objection_until is None:
        raise DomainError("成绩尚未发布，暂不能申诉", code="not_published", status=409)
    if timezone.localdate() > scheme.objection_until:
        raise DomainError(
            f"申诉期已于 {scheme.objection_until:%Y年%m月%d日} 截止，不能再提出申诉",
            code="objection_closed",
            status=409,
        )
    with transaction.atomic():
        Result.objects.select_for_update().filter(pk=result.pk).first()
        pending = Objection.objects.filter(result=result, item=item, status=ObjectionStatus.PENDING).first()
        if pending is not None:
            return pending
        files = store_evidence(actor, evidence)
        entry = result.items.get(str(item.pk), {})
        objection = Objection.objects.create(
            result=result,
            item=item,
            reason=reason,
            filed_by=actor,
            score_before=Decimal(str(entry.get("score", 0))),
        )
        objection.evidence.add(*files)
        record_change(
            actor=actor,
            action="file_objection",
            obj=objection,
            unit_path=result.unit.path,
            after={"item": item.pk, "reason": reason, "evidence": [f.pk for f in files]},
        )
    return objection


def decide_objection(
    *,
    actor: User,
    objection: Objection,
    accept: bool,
    note: str,
    corrected_score: Decimal | float | str | None = None,
    version: int | None,
    result_version: int | None,
) -> Objection:
    """Accept (with the corrected score; a veto objection accepted lifts the veto) or reject (with a reason).

    `result_version` is the result's version the assessor looked at: a recomputation in between answers 409."""
    scheme = objection.result.scheme
    if not can(actor, "appraisal.assess", scheme.unit):
        raise Forbidden("您无权处理该申诉")
    note = text(note, label="处理意见", limit=500, required=not accept)
    item = objection.item
    corrected: Decimal | None = None
    if accept and item.kind != ItemKind.VETO:
        if corrected_score in (None, ""):
            raise DomainError("采纳申诉请填写更正后的得分", code="corrected_score_required")
        corrected = decimal(corrected_score, label="更正后的得分", low=0, high=float(item.weight))
    with transaction.atomic():
        objection = locked(Objection.objects, objection.pk, version)
        if objection.status != ObjectionStatus.PENDING:
            raise DomainError("该申诉已处理", code="objection_decided", status=409)
        result = locked(Result.objects, objection.result_id, result_version)
        objection.status = ObjectionStatus.ACCEPTED if accept else ObjectionStatus.REJECTED
        objection.decided_by, objection.decided_at, objection.decision_note = actor, timezone.now(), note
        objection.corrected_score = corrected
        objection.version += 1
        objection.save()
        if not accept:
            record_change(
                actor=actor,
                action="reject_objection",
                obj=objection,
                unit_path=result.unit.path,
                before={"status": ObjectionStatus.PENDING},
                after={"status": objection.status, "note": note},
            )
            return objection
        before = {"item_score": result.items.get(str(item.pk), {}).get("score"), "total": str(result.total)}
        before["rank"] = result.rank
        _apply(result, item, corrected, note)
        results = list(Result.objects.select_for_update().filter(scheme=scheme).select_related("unit"))
        for row in results:
            if row.pk == result.pk:
                row.items, row.total, row.band, row.vetoed, row.veto_reason = (
                    result.items,
                    result.total,
                    result.band,
                    result.vetoed,
                    result.veto_reason,
                )
                row.version = result.version + 1
        old_ranks = {r.pk: r.rank for r in results}
        rank(results, {r.unit_id: r.unit.path for r in results})
        moved = [r for r in results if r.rank != old_ranks[r.pk] or r.pk == result.pk]
        for row in moved:
            if row.pk != result.pk:
                row.version += 1
        write_results(moved, ["items", "total", "band", "vetoed", "veto_reason", "rank", "version"])
        mine = next(r for r in results if r.pk == result.pk)
        record_change(
            actor=actor,
            action="accept_objection",
            obj=objection,
            unit_path=result.unit.path,
            before=before,
            after={
                "item_score": mine.items[str(item.pk)]["score"],
                "total": str(mine.total),
                "rank": mine.rank,
                "note": note,
                "ranks_moved": len(moved) - 1,
            },
        )
    return objection


def _apply(result: Result, item: SchemeItem, corrected: Decimal | None, note: str) -> None:
    entries = dict(result.items)
    entry = dict(entries.get(str(item.pk), {}))
    if item.kind == ItemKind.VETO:
        entry.update(vetoed=False, note=f"申诉采纳，撤销否决：{note}" if note else "申诉采纳，撤销否决")
    else:
        score = float(corrected or 0)
        entry.update(
            score=score,
            lost=round(float(entry.get("max", 0)) - score, 2),
            note=f"{entry.get('note', '')}（申诉采纳，更正为 {fmt(score)} 分{'：' + note if note else ''}）",
        )
    entries[str(item.pk)] = entry
    result.items = entries
    items = list(result.scheme.items.all())
    result.total, result.band, result.vetoed, result.veto_reason = settle(result.scheme, items, entries)
