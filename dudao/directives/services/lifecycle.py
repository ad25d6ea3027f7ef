"""A directive's life: draft (edit, delete, preview) → issued (with an optional 发文字号) → withdrawn or corrected.

A draft is seen only by its issuer. Issuing a draft resolves its targets again (a school opened or closed since the
draft was written is counted as it is now) and then does what issuing a new directive does. Withdrawing and
correcting never delete anything: the reports, the reason and the old values stay readable, and every target unit
gets a notice in its outbox (`Reminder`, shown as a home to-do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core import docnumbers
from dudao.core.errors import DomainError
from dudao.core.locking import bump, locked
from dudao.directives.models import (
    Correction,
    Directive,
    DirectiveStatus,
    DirectiveTarget,
    FormVersion,
    Reminder,
    ReminderKind,
)
from dudao.directives.services._common import LOCAL, _require
from dudao.directives.services.directives import (
    _clean_approval_kinds,
    _issue,
    check_fields,
    resolve_targets,
)
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

MAX_REASON = 500
MAX_CORRECTION = 2000


def _check_draft(directive: Directive) -> None:
    if directive.status != DirectiveStatus.DRAFT:
        raise DomainError(
            "该通知已下发，不能再修改或删除；如需改动请发更正通知，或撤回后重新下发", code="not_a_draft", status=409
        )


def _local(value: dt.datetime) -> str:
    return f"{value.astimezone(LOCAL):%Y-%m-%d %H:%M}"


def update_draft(
    *,
    actor: User,
    directive: Directive,
    version: int | None,
    title: str,
    body: str = "",
    deadline: dt.datetime,
    targets: dict[str, Any],
    form_version: FormVersion | None = None,
    approval_kinds: Iterable[str] = (),
    allow_late: bool = True,
    recurrence: str = "none",
    repeat_until: dt.date | None = None,
) -> Directive:
    """Edit a draft with the same fields as creating one; a stale `version` answers 409 and changes nothing."""
    _require(can(actor, "directive.change", directive.issuing_unit))
    title, deadline = check_fields(title=title, deadline=deadline, recurrence=recurrence, repeat_until=repeat_until)
    with transaction.atomic():
        fresh = locked(Directive.objects.select_related("issuing_unit"), directive.pk, version)
        _check_draft(fresh)
        units = resolve_targets(issuer=fresh.issuing_unit, spec=targets)
        before = _snapshot(fresh)
        fresh.title, fresh.body, fresh.deadline = title, body, deadline
        fresh.form_version = form_version
        fresh.approval_kinds = _clean_approval_kinds(approval_kinds)
        fresh.allow_late, fresh.recurrence, fresh.repeat_until = allow_late, recurrence, repeat_until
        fresh.target_spec = targets
        bump(
            fresh,
            [
                "title",
                "body",
                "deadline",
                "form_version",
                "approval_kinds",
                "allow_late",
                "recurrence",
                "repeat_until",
                "target_spec",
            ],
        )
        _replace_targets(fresh, units)
        after = _snapshot(fresh)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=fresh.issuing_unit.path,
            before={k: v for k, v in before.items() if after.get(k) != v},
            after={k: v for k, v in after.items() if before.get(k) != v},
        )
    return fresh


def _snapshot(directive: Directive) -> dict[str, Any]:
    return {
        "title": directive.title,
        "body": directive.body,
        "deadline": _local(directive.deadline),
        "form_version": directive.form_version_id,
        "approval_kinds": list(directive.approval_kinds or []),
        "allow_late": directive.allow_late,
        "recurrence": directive.recurrence,
        "repeat_until": directive.repeat_until.isoformat() if directive.repeat_until else None,
        "targets": directive.target_spec,
        "target_count": DirectiveTarget.objects.filter(directive=directive).count(),
    }


def _replace_targets(directive: Directive, units: list[OrgUnit]) -> None:
    """A draft has no reports yet, so its targets are simply the units the specification names now."""
    wanted = {u.pk for u in units}
    DirectiveTarget.objects.filter(directive=directive).exclude(unit_id__in=wanted).delete()
    have = set(DirectiveTarget.objects.filter(directive=directive).values_list("unit_id", flat=True))
    DirectiveTarget.objects.bulk_create(
        [DirectiveTarget(directive=directive, unit=u) for u in units if u.pk not in have], batch_size=1000
    )


def delete_draft(*, actor: User, directive: Directive, version: int | None) -> None:
    _require(can(actor, "directive.change", directive.issuing_unit))
    with transaction.atomic():
        fresh = locked(Directive.objects.select_related("issuing_unit"), directive.pk, version)
        _check_draft(fresh)
        record_change(
            actor=actor,
            action="delete",
            obj=fresh,
            unit_path=fresh.issuing_unit.path,
            before=_snapshot(fresh),
            after=None,
        )
        try:
            with transaction.atomic():
                fresh.delete()
        except ProtectedError as exc:
            raise DomainError(
                "该草稿由调度会议定事项生成，不能删除；可修改后下发，或在调度会中改变落实方式", code="draft_in_use"
            ) from exc


def preview_targets(directive: Directive) -> list[OrgUnit]:
    """The units a draft would go to if issued now (its specification resolved afresh)."""
    return resolve_targets(issuer=directive.issuing_unit, spec=directive.target_spec or {})


def issue_directive(
    *, actor: User, directive: Directive, version: int | None = None, doc_prefix: str = ""
) -> Directive:
    """下发 a draft: targets resolved afresh, periods opened, to-dos appear; `doc_prefix` gives it a 发文字号."""
    _require(can(actor, "directive.change", directive.issuing_unit))
    with transaction.atomic():
        fresh = locked(Directive.objects.select_related("issuing_unit"), directive.pk, version)
        if fresh.status != DirectiveStatus.DRAFT:
            raise DomainError("该通知已下发", code="already_issued", status=409)
        _replace_targets(fresh, resolve_targets(issuer=fresh.issuing_unit, spec=fresh.target_spec or {}))
        if doc_prefix.strip():
            issued = docnumbers.allocate(
                prefix=doc_prefix, year=timezone.localdate().year, object_type="directive", object_id=fresh.pk
            )
            fresh.doc_number = docnumbers.format_number(issued.prefix, issued.year, issued.number)
            fresh.save(update_fields=["doc_number"])
        _issue(actor, fresh)
    return fresh


def _notify(directive: Directive, kind: str, message: str, actor: User) -> int:
    """One notice per open target unit, in the outbox every unit reads as a home to-do."""
    period = directive.periods.order_by("-index").first()
    units = list(directive.targets.filter(unit__is_closed=False).values_list("unit_id", flat=True))
    today = timezone.localdate()
    Reminder.objects.bulk_create(
        [
            Reminder(unit_id=u, period=period, kind=kind, day=today, message=message[:1000], created_by=actor)
            for u in units
        ],
        batch_size=1000,
    )
    return len(units)


def _with_cascades(directive: Directive) -> list[Directive]:
    """The directive and every forwarding of it below, at any depth, that is still issued."""
    found, frontier = [directive], [directive.pk]
    while frontier:
        children = list(
            Directive.objects.select_for_update(of=("self",))
            .select_related("issuing_unit")
            .filter(parent_id__in=frontier, status=DirectiveStatus.ISSUED)
        )
        found.extend(children)
        frontier = [c.pk for c in children]
    return found


def withdraw_directive(*, actor: User, directive: Directive, reason: str, version: int | None = None) -> Directive:
    """撤回: reports are no longer expected (to-dos, reminders and the approval queue drop it), forwardings below
    are withdrawn with it, every target unit is told why, and nothing already reported is deleted."""
    _require(can(actor, "directive.change", directive.issuing_unit))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写撤回原因，收文单位会看到它", code="withdraw_reason_required")
    if len(reason) > MAX_REASON:
        raise DomainError(f"撤回原因不能超过 {MAX_REASON} 个字", code="withdraw_reason_too_long")
    with transaction.atomic():
        fresh = locked(Directive.objects.select_related("issuing_unit"), directive.pk, version)
        if fresh.status == DirectiveStatus.WITHDRAWN:
            raise DomainError("该通知已撤回", code="already_withdrawn", status=409)
        if fresh.status != DirectiveStatus.ISSUED:
            raise DomainError("只有已下发、未结束的通知可以撤回；草稿可直接删除", code="not_issued", status=409)
        now = timezone.now()
        for item in _with_cascades(fresh):
            before = {"status": item.status}
            item.status = DirectiveStatus.WITHDRAWN
            item.withdrawn_at, item.withdrawn_by, item.withdraw_reason = now, actor, reason
            bump(item, ["status", "withdrawn_at", "withdrawn_by", "withdraw_reason"])
            record_change(
                actor=actor,
                action="withdraw",
                obj=item,
                unit_path=item.issuing_unit.path,
                before=before,
                after={"status": item.status, "reason": reason, "cascade_of": fresh.pk if item is not fresh else None},
            )
            _notify(
                item,
                ReminderKind.WITHDRAWN,
                f"{fresh.issuing_unit.name}已撤回《{item.title}》，不需要再报送。撤回原因：{reason}",
                actor,
            )
    return fresh


def correct_directive(
    *,
    actor: User,
    directive: Directive,
    text: str,
    deadline: dt.datetime | None = None,
    title: str = "",
    version: int | None = None,
) -> Correction:
    """更正通知: a notice attached to an issued directive, optionally with a new title or deadline. The directive
    shows the new values; the correction keeps the old ones. A new deadline moves the current reporting round."""
    _require(can(actor, "directive.change", directive.issuing_unit))
    text = (text or "").strip()
    if not text:
        raise DomainError("请填写更正内容，收文单位会看到它", code="correction_text_required")
    if len(text) > MAX_CORRECTION:
        raise DomainError(f"更正内容不能超过 {MAX_CORRECTION} 个字", code="correction_text_too_long")
    if deadline is not None and timezone.is_naive(deadline):
        deadline = deadline.replace(tzinfo=LOCAL)
    with transaction.atomic():
        fresh = locked(Directive.objects.select_related("issuing_unit"), directive.pk, version)
        if fresh.status != DirectiveStatus.ISSUED:
            raise DomainError("只有已下发、未结束的通知可以更正", code="not_issued", status=409)
        changes: dict[str, dict[str, Any]] = {}
        fields: list[str] = []
        title = (title or "").strip()[:200]
        if title and title != fresh.title:
            changes["title"] = {"before": fresh.title, "after": title}
            fresh.title = title
            fields.append("title")
        period = fresh.periods.order_by("-index").first()
        current = period.deadline if period is not None else fresh.deadline
        if deadline is not None and deadline != current:
            if deadline <= timezone.now():
                raise DomainError("新的截止时间应晚于现在", code="correction_deadline_past")
            changes["deadline"] = {"before": _local(current), "after": _local(deadline)}
            if period is None or period.index == 0:
                fresh.deadline = deadline
                fields.append("deadline")
            if period is not None:
                period.deadline = deadline
                period.save(update_fields=["deadline"])
        correction = Correction.objects.create(directive=fresh, text=text, changes=changes, created_by=actor)
        bump(fresh, fields)
        record_change(
            actor=actor,
            action="correct",
            obj=fresh,
            unit_path=fresh.issuing_unit.path,
            before={k: v["before"] for k, v in changes.items()},
            after={**{k: v["after"] for k, v in changes.items()}, "correction": text},
        )
        moved = f"截止时间改为 {changes['deadline']['after']}。" if "deadline" in changes else ""
        # Schools that received a district's forwarding read the correction there too (see `corrections_for`).
        for item in _with_cascades(fresh):
            _notify(
                item, ReminderKind.CORRECTED, f"{fresh.issuing_unit.name}更正《{fresh.title}》：{moved}{text}", actor
            )
    return correction
