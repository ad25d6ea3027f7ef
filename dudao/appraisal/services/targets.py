"""目标管理责任书: the bureau issues a year's targets to every unit of a kind below it (one book per unit), the unit
head signs, and the bureau checks free-text targets by hand; indicator targets are checked live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal.models import AppraisedKind, Comparison, Target, TargetBook, TargetBookStatus
from dudao.appraisal.services._common import decimal, text
from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.command.selectors import indicator_for
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, SchoolType, UnitKind
from dudao.orgs.scoping import acting_assignment, can

MAX_TARGETS = 30


@dataclass
class TargetIn:
    text: str
    indicator_code: str = ""
    comparison: str = ""
    value: Decimal | float | str | None = None


def _clean_targets(actor: User, targets: Sequence[TargetIn]) -> list[Target]:
    clean: list[Target] = []
    for n, row in enumerate(targets, start=1):
        if not (row.text or "").strip() and not row.indicator_code:
            continue
        target = Target(position=len(clean) + 1, text=text(row.text, label=f"第 {n} 项目标", limit=300))
        code = (row.indicator_code or "").strip()
        if code:
            try:
                indicator = indicator_for(actor, code)
            except Forbidden:
                raise DomainError(f"第 {n} 项目标：您无权查看该监测指标", code="indicator_forbidden") from None
            except DomainError:
                raise DomainError(
                    f"第 {n} 项目标：没有代码为“{code[:60]}”的监测指标", code="indicator_unknown"
                ) from None
            if row.comparison not in Comparison.values or row.value in (None, ""):
                raise DomainError(f"第 {n} 项目标：请选择比较方式并填写目标值", code="target_value_required")
            target.indicator_code = indicator.code
            target.comparison = row.comparison
            target.value = decimal(row.value, label=f"第 {n} 项目标值")
        clean.append(target)
    if not clean:
        raise DomainError("请至少填写一项目标", code="targets_required")
    if len(clean) > MAX_TARGETS:
        raise DomainError(f"一份责任书最多 {MAX_TARGETS} 项目标", code="too_many_targets")
    return clean


def issue_books(
    *,
    actor: User,
    issuer: OrgUnit,
    year: int,
    unit_kind: str,
    title: str,
    targets: Sequence[TargetIn],
    school_types: Sequence[str] = (),
) -> int:
    """One book per open unit of `unit_kind` below `issuer` that has none for the year; answers how many were
    issued (a repeated submission issues none)."""
    if not can(actor, "target.change", issuer) or issuer.kind not in (UnitKind.BUREAU, UnitKind.DISTRICT):
        raise Forbidden("您无权下达目标管理责任书")
    if unit_kind not in AppraisedKind.values:
        raise DomainError("请选择责任单位类型", code="unit_kind_invalid")
    if unit_kind == UnitKind.DISTRICT and issuer.kind != UnitKind.BUREAU:
        raise DomainError("只有市教育局可以向区县教育局下达责任书", code="unit_kind_invalid")
    if not 2000 <= int(year) <= 2100:
        raise DomainError("年度不正确", code="year_invalid")
    if any(t not in SchoolType.values for t in school_types):
        raise DomainError("学段类型不正确", code="school_type_invalid")
    title = text(title, label="责任书名称", limit=100)
    clean = _clean_targets(actor, targets)
    with transaction.atomic():
        units = OrgUnit.objects.filter(path__under=issuer.path, kind=unit_kind, is_closed=False)
        if school_types:
            units = units.filter(school_type__in=list(school_types))
        have = set(TargetBook.objects.filter(year=year, unit__in=units).values_list("unit_id", flat=True))
        fresh = [u for u in units.order_by("path") if u.pk not in have]
        books = TargetBook.objects.bulk_create(
            [TargetBook(unit=u, issuer=issuer, year=year, title=title, created_by=actor) for u in fresh]
        )
        if not books:
            return 0
        ids = dict(TargetBook.objects.filter(year=year, unit__in=[u.pk for u in fresh]).values_list("unit_id", "pk"))
        Target.objects.bulk_create(
            [
                Target(
                    book_id=ids[u.pk],
                    position=t.position,
                    text=t.text,
                    indicator_code=t.indicator_code,
                    comparison=t.comparison,
                    value=t.value,
                )
                for u in fresh
                for t in clean
            ],
            batch_size=2000,
        )
        append(
            actor=actor,
            entries=[
                Entry(
                    action="issue_target_book",
                    object_type="appraisal.targetbook",
                    object_id=str(ids[u.pk]),
                    object_repr=f"{u.name}{title}",
                    unit_path=u.path,
                    changes={"year": year, "targets": [t.text for t in clean]},
                )
                for u in fresh
            ],
        )
    return len(fresh)


def sign_book(*, actor: User, book: TargetBook, version: int | None) -> TargetBook:
    """The unit head acknowledges the targets (签订); signing twice is harmless."""
    acting = acting_assignment(actor)
    if not can(actor, "target.sign", book.unit) or acting is None or acting.unit_id != book.unit_id:
        raise Forbidden("只有责任单位的负责人可以签订本单位的责任书")
    with transaction.atomic():
        book = locked(TargetBook.objects, book.pk, None)
        if book.status == TargetBookStatus.SIGNED:
            return book
        check_version(book, version)
        book.status, book.signed_by, book.signed_at = TargetBookStatus.SIGNED, actor, timezone.now()
        bump(book, ["status", "signed_by", "signed_at"])
        record_change(
            actor=actor,
            action="sign_target_book",
            obj=book,
            unit_path=book.unit.path,
            before={"status": TargetBookStatus.ISSUED},
            after=snapshot(book, ["status", "signed_by", "signed_at"]),
        )
    return book


def check_target(*, actor: User, target: Target, is_met: bool | None, note: str, version: int | None) -> Target:
    """The issuing bureau records whether a free-text target is met (indicator targets are checked live)."""
    book = target.book
    if not can(actor, "target.change", book.issuer):
        raise Forbidden("您无权核查该责任书")
    if target.indicator_code:
        raise DomainError("该目标按监测指标实时核查，无需人工核查", code="target_is_live")
    note = text(note, label="核查说明", limit=300, required=is_met is False)
    with transaction.atomic():
        book = locked(TargetBook.objects, book.pk, version)
        target = Target.objects.select_for_update().get(pk=target.pk, book=book)
        before = snapshot(target, ["is_met", "check_note"])
        target.is_met, target.check_note = is_met, note
        target.checked_by, target.checked_at = actor, timezone.now()
        target.save(update_fields=["is_met", "check_note", "checked_by", "checked_at"])
        bump(book, [])
        record_change(
            actor=actor,
            action="check_target",
            obj=target,
            unit_path=book.unit.path,
            before=before,
            after=snapshot(target, ["is_met", "check_note"]),
        )
    return target
