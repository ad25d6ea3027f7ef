"""Directives: targets, issue, periods, cascade, acknowledge, close, saved groups, attachments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.core.locking import bump
from dudao.core.models import StoredFile
from dudao.directives.models import (
    Directive,
    DirectiveStatus,
    DirectiveTarget,
    FormVersion,
    Period,
    Recurrence,
    Submission,
    SubmissionStatus,
    TargetGroup,
    TargetMode,
)
from dudao.directives.services._common import (
    APPROVAL_KINDS,
    EDITABLE,
    LOCAL,
    _acting_unit,
    _require,
    _under,
)
from dudao.orgs.models import OrgUnit, SchoolType, UnitKind
from dudao.orgs.scoping import can


def _unit_ids(values: Any) -> list[int]:
    """Unit ids of a target specification; anything but whole numbers is refused like an id out of scope."""
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        values = [values]
    ids = []
    for value in values:
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise DomainError("所选单位中有的不在本单位管辖范围内或已撤销", code="target_out_of_scope")
        ids.append(int(str(value).strip()))
    return list(dict.fromkeys(ids))


def resolve_targets(*, issuer: OrgUnit, spec: dict[str, Any]) -> list[OrgUnit]:
    """The open units a target specification names, all strictly inside the issuer's subtree.

    The one reading of a specification: the create page's live count, the draft preview, issuing and the API all
    call it. In list mode `units` are units themselves and `schools_of` units whose open schools are all taken
    (a district ticked whole; a school opened after the draft was written is counted when it is issued).
    """
    mode = spec.get("mode")
    inside = OrgUnit.objects.filter(path__under=issuer.path, is_closed=False).exclude(pk=issuer.pk)
    if mode == TargetMode.SUBTREE:
        kinds = spec.get("kinds") or [UnitKind.DISTRICT, UnitKind.SCHOOL]
        depth = spec.get("depth")
        qs = inside.filter(kind__in=kinds)
        if depth == "children":
            qs = qs.filter(depth=issuer.depth + 1)
    elif mode == TargetMode.KIND:
        if spec.get("kind") not in UnitKind.values:
            raise DomainError("请选择单位类型", code="target_kind_invalid")
        qs = inside.filter(kind=spec["kind"])
    elif mode == TargetMode.SCHOOL_TYPE:
        types = [t for t in spec.get("school_types") or [] if t in SchoolType.values]
        if not types:
            raise DomainError("请选择学段类型", code="target_school_type_invalid")
        qs = inside.filter(kind=UnitKind.SCHOOL, school_type__in=types)
    elif mode == TargetMode.LIST:
        qs = _listed(inside, _unit_ids(spec.get("units")), _unit_ids(spec.get("schools_of")))
    elif mode == TargetMode.GROUP:
        raw = str(spec.get("group") or "")
        group = TargetGroup.objects.filter(pk=int(raw), unit=issuer).first() if raw.isdigit() else None
        if group is None:
            raise DomainError("找不到所选的常用分组", code="target_group_missing")
        qs = inside.filter(pk__in=group.members.values("pk"))
    else:
        raise DomainError("请选择下发对象", code="target_mode_invalid")
    units = list(qs.exclude(kind__in=[UnitKind.OFFICE, UnitKind.GRADE, UnitKind.CLASS]).order_by("path"))
    if not units:
        raise DomainError("按所选条件没有找到下发对象", code="targets_empty")
    return units


def _listed(inside: QuerySet[OrgUnit], ids: list[int], wholes: list[int]) -> QuerySet[OrgUnit]:
    if not ids and not wholes:
        raise DomainError("请至少选择一个下发单位", code="target_list_empty")
    parents = list(inside.filter(pk__in=wholes).only("pk", "path"))
    if inside.filter(pk__in=ids).count() != len(ids) or len(parents) != len(wholes):
        raise DomainError("所选单位中有的不在本单位管辖范围内或已撤销", code="target_out_of_scope")
    chosen = Q(pk__in=ids)
    for parent in parents:
        chosen |= Q(path__under=parent.path, kind=UnitKind.SCHOOL)
    return inside.filter(chosen)


@dataclass(frozen=True)
class Recipients:
    """Who a directive would go to: “将下发给 N 个单位（区县教育局 a 个、学校 b 所）”."""

    units: list[OrgUnit]

    @property
    def count(self) -> int:
        return len(self.units)

    @property
    def districts(self) -> int:
        return sum(1 for u in self.units if u.kind == UnitKind.DISTRICT)

    @property
    def schools(self) -> int:
        return sum(1 for u in self.units if u.kind == UnitKind.SCHOOL)

    @property
    def others(self) -> int:
        return self.count - self.districts - self.schools


def preview_recipients(*, actor: User, spec: dict[str, Any], issuer: OrgUnit | None = None) -> Recipients:
    """The recipients a specification names for `issuer` (default the acting unit), resolved exactly as issuing
    resolves them; a refusal carries the same message issuing would give."""
    issuer = issuer or _acting_unit(actor)
    _require(can(actor, "directive.change", issuer))
    return Recipients(resolve_targets(issuer=issuer, spec=spec))


def _clean_approval_kinds(kinds: Iterable[str]) -> list[str]:
    return [k for k in APPROVAL_KINDS if k in set(kinds or [])]


def check_fields(
    *, title: str, deadline: dt.datetime, recurrence: str, repeat_until: dt.date | None
) -> tuple[str, dt.datetime]:
    """The title stripped and the deadline made aware, or a refusal naming what is wrong (create and edit)."""
    title = (title or "").strip()
    if not title:
        raise DomainError("请填写标题", code="title_required")
    if timezone.is_naive(deadline):
        deadline = deadline.replace(tzinfo=LOCAL)
    if recurrence not in Recurrence.values:
        raise DomainError("重复方式不正确", code="recurrence_invalid")
    if recurrence != Recurrence.NONE and repeat_until is None:
        raise DomainError("重复报送需要填写重复截止日期", code="repeat_until_required")
    if recurrence != Recurrence.NONE and repeat_until is not None and repeat_until < deadline.astimezone(LOCAL).date():
        raise DomainError("“重复至”不能早于第一次截止日期", code="repeat_until_too_early")
    return title[:200], deadline


def create_directive(
    *,
    actor: User,
    title: str,
    body: str = "",
    deadline: dt.datetime,
    targets: dict[str, Any],
    form_version: FormVersion | None = None,
    approval_kinds: Iterable[str] = (),
    allow_late: bool = True,
    recurrence: str = Recurrence.NONE,
    repeat_until: dt.date | None = None,
    issue: bool = False,
) -> Directive:
    issuer = _acting_unit(actor)
    _require(can(actor, "directive.change", issuer))
    title, deadline = check_fields(title=title, deadline=deadline, recurrence=recurrence, repeat_until=repeat_until)
    units = resolve_targets(issuer=issuer, spec=targets)
    with transaction.atomic():
        directive = Directive.objects.create(
            title=title[:200],
            body=body,
            issuing_unit=issuer,
            form_version=form_version,
            deadline=deadline,
            allow_late=allow_late,
            approval_kinds=_clean_approval_kinds(approval_kinds),
            recurrence=recurrence,
            repeat_until=repeat_until,
            target_spec=targets,
            created_by=actor,
        )
        DirectiveTarget.objects.bulk_create([DirectiveTarget(directive=directive, unit=u) for u in units])
        record_change(
            actor=actor,
            action="create",
            obj=directive,
            unit_path=issuer.path,
            after={"title": directive.title, "targets": len(units), "deadline": deadline},
        )
        if issue:
            _issue(actor, directive)
    return directive


def issue_for_acknowledgement(
    *, actor: User, issuer: OrgUnit, units: list[OrgUnit], title: str, body: str, deadline: dt.datetime
) -> Directive:
    """A directive asking only for 签收, issued at once on behalf of another module's use case (a weather warning
    sent to the schools it affects). The caller has checked its own permission (a health officer may dispatch a
    warning without writing directives); the units must be open units strictly inside the issuer."""
    if not units:
        raise DomainError("请至少选择一个下发单位", code="target_list_empty")
    targets = {"mode": TargetMode.LIST, "units": [u.pk for u in units]}
    title, deadline = check_fields(title=title, deadline=deadline, recurrence=Recurrence.NONE, repeat_until=None)
    resolved = resolve_targets(issuer=issuer, spec=targets)
    with transaction.atomic():
        directive = Directive.objects.create(
            title=title,
            body=body,
            issuing_unit=issuer,
            deadline=deadline,
            target_spec=targets,
            created_by=actor,
        )
        DirectiveTarget.objects.bulk_create(
            [DirectiveTarget(directive=directive, unit=u) for u in resolved], batch_size=1000
        )
        record_change(
            actor=actor,
            action="create",
            obj=directive,
            unit_path=issuer.path,
            after={"title": directive.title, "targets": len(resolved), "deadline": deadline},
        )
        _issue(actor, directive)
    return directive


def _issue(actor: User, directive: Directive) -> None:
    if directive.deadline <= timezone.now() and not directive.allow_late and directive.recurrence == Recurrence.NONE:
        raise DomainError("截止时间已过，不能下发", code="deadline_passed")
    directive.status = DirectiveStatus.ISSUED
    directive.issued_at = timezone.now()
    bump(directive, ["status", "issued_at"])
    open_periods(directive=directive, today=timezone.localdate())
    record_change(
        actor=actor,
        action="issue",
        obj=directive,
        unit_path=directive.issuing_unit.path,
        after={"status": directive.status},
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


def period_schedule(directive: Directive) -> list[tuple[str, dt.date, dt.datetime]]:
    """(label, starts_on, deadline) of every period; the first period's deadline is the directive's."""
    first_deadline = directive.deadline.astimezone(LOCAL)
    created = (directive.issued_at or directive.created_at).astimezone(LOCAL).date()
    if directive.recurrence == Recurrence.NONE or directive.repeat_until is None:
        return [("本次", min(created, first_deadline.date()), directive.deadline)]
    schedule: list[tuple[str, dt.date, dt.datetime]] = []
    deadline, index = first_deadline, 0
    start = min(created, deadline.date())
    while deadline.date() <= directive.repeat_until and index < 400:
        index += 1
        if directive.recurrence == Recurrence.DAILY:
            label, following = deadline.strftime("%m月%d日"), deadline + dt.timedelta(days=1)
        elif directive.recurrence == Recurrence.WEEKLY:
            label, following = f"第{index}周（{deadline:%m月%d日}截止）", deadline + dt.timedelta(days=7)
        elif directive.recurrence == Recurrence.MONTHLY:
            label = f"{deadline.year}年{deadline.month}月"
            following = deadline.replace(
                year=_add_months(deadline.date(), 1).year,
                month=_add_months(deadline.date(), 1).month,
                day=_add_months(deadline.date(), 1).day,
            )
        else:
            label = f"第{index}学期"
            shifted = _add_months(deadline.date(), 6)
            following = deadline.replace(year=shifted.year, month=shifted.month, day=shifted.day)
        schedule.append((label, start, deadline))
        start = (deadline + dt.timedelta(days=1)).date()
        deadline = following
    return schedule


def open_periods(*, directive: Directive, today: dt.date) -> int:
    """Create the periods that have started (and their 未填报 submissions for open target units). Idempotent."""
    if directive.status != DirectiveStatus.ISSUED:
        return 0
    existing = set(directive.periods.values_list("index", flat=True))
    targets = list(directive.targets.select_related("unit").filter(unit__is_closed=False))
    opened = 0
    for index, (label, starts_on, deadline) in enumerate(period_schedule(directive)):
        if index in existing or (index > 0 and starts_on > today):
            continue
        period = Period.objects.create(
            directive=directive, index=index, label=label, starts_on=starts_on, deadline=deadline
        )
        Submission.objects.bulk_create(
            [
                Submission(
                    directive=directive, period=period, unit=t.unit, target=t, form_version=directive.form_version
                )
                for t in targets
            ],
            batch_size=1000,
        )
        opened += 1
    return opened


def cascade_directive(
    *,
    actor: User,
    parent: Directive,
    deadline: dt.datetime,
    title: str = "",
    body: str = "",
    targets: dict[str, Any] | None = None,
    approval_kinds: Iterable[str] = (),
) -> Directive:
    """A district forwards a directive it received to its own schools with an earlier deadline (转发)."""
    unit = _acting_unit(actor)
    _require(can(actor, "directive.change", unit))
    if parent.status != DirectiveStatus.ISSUED:
        raise DomainError("只能转发已下发的通知", code="parent_not_issued", status=409)
    if not DirectiveTarget.objects.filter(directive=parent, unit=unit).exists():
        raise DomainError("本单位不是该通知的下发对象，不能转发", code="not_a_target", status=409)
    if timezone.is_naive(deadline):
        deadline = deadline.replace(tzinfo=LOCAL)
    if deadline > parent.deadline:
        local = parent.deadline.astimezone(LOCAL)
        raise DomainError(
            f"转发的截止时间不能晚于上级通知的截止时间（{local:%Y-%m-%d %H:%M}）", code="cascade_deadline_later"
        )
    if Directive.objects.filter(parent=parent, issuing_unit=unit).exists():
        raise DomainError("本单位已转发过该通知", code="already_cascaded", status=409)
    with transaction.atomic():
        child = create_directive(
            actor=actor,
            title=title or parent.title,
            body=body or parent.body,
            deadline=deadline,
            targets=targets or {"mode": TargetMode.SUBTREE, "kinds": [UnitKind.SCHOOL]},
            form_version=parent.form_version,
            approval_kinds=approval_kinds,
            allow_late=parent.allow_late,
            recurrence=parent.recurrence,
            repeat_until=parent.repeat_until,
        )
        child.parent = parent
        child.save(update_fields=["parent"])
        _issue(actor, child)
        target = DirectiveTarget.objects.get(directive=parent, unit=unit)
        if target.acknowledged_at is None:
            target.acknowledged_at, target.acknowledged_by = timezone.now(), actor
            target.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_change(
            actor=actor,
            action="cascade",
            obj=child,
            unit_path=unit.path,
            after={"parent": parent.pk, "deadline": deadline},
        )
    return child


def close_directive(*, actor: User, directive: Directive) -> Directive:
    _require(can(actor, "directive.change", directive.issuing_unit))
    with transaction.atomic():
        directive = Directive.objects.select_for_update().get(pk=directive.pk)
        if directive.status != DirectiveStatus.ISSUED:
            raise DomainError("只有已下发的通知可以结束", code="not_issued", status=409)
        directive.status = DirectiveStatus.CLOSED
        bump(directive, ["status"])
        record_change(
            actor=actor,
            action="close",
            obj=directive,
            unit_path=directive.issuing_unit.path,
            after={"status": directive.status},
        )
    return directive


def acknowledge(*, actor: User, target: DirectiveTarget) -> DirectiveTarget:
    """签收: the target unit confirms it received the directive."""
    _require(can(actor, "directive.acknowledge", target.unit))
    unit = _acting_unit(actor)
    if unit.pk != target.unit_id:
        raise Forbidden("只有收文单位本身可以签收")
    with transaction.atomic():
        target = DirectiveTarget.objects.select_for_update().get(pk=target.pk)
        if target.acknowledged_at is not None:
            return target
        now = timezone.now()
        target.acknowledged_at, target.acknowledged_by = now, actor
        target.save(update_fields=["acknowledged_at", "acknowledged_by"])
        answered = _answer_receipt_only(target, actor, now)
        record_change(
            actor=actor,
            action="acknowledge",
            obj=target.directive,
            unit_path=target.unit.path,
            after={"unit": target.unit_id, "receipt_only_reports": answered},
        )
    return target


def _answer_receipt_only(target: DirectiveTarget, actor: User, now: dt.datetime) -> int:
    """A directive without a form asks only for 签收: receiving it is the whole report, so the open reports of
    the unit count as submitted (completeness, reminders and to-dos then agree with what was asked)."""
    if target.directive.form_version_id is not None:
        return 0
    pending = Submission.objects.filter(target=target, status__in=EDITABLE).select_related("period")
    count = 0
    for submission in pending:
        submission.status = SubmissionStatus.SUBMITTED
        submission.is_late = now > submission.period.deadline
        submission.submitted_at, submission.submitted_by = now, actor
        bump(submission, ["status", "is_late", "submitted_at", "submitted_by"])
        count += 1
    return count


def save_group(*, actor: User, name: str, units: list[OrgUnit]) -> TargetGroup:
    unit = _acting_unit(actor)
    _require(can(actor, "directive.change", unit))
    if not (name or "").strip():
        raise DomainError("请填写分组名称", code="group_name_required")
    if not units or any(not _under(u, unit) or u.pk == unit.pk for u in units):
        raise DomainError("分组只能包含本单位管辖范围内的单位", code="group_out_of_scope")
    with transaction.atomic():
        group = TargetGroup.objects.create(name=name.strip()[:60], unit=unit)
        group.members.set(units)
        record_change(
            actor=actor,
            action="create",
            obj=group,
            unit_path=unit.path,
            after={"name": group.name, "members": [u.pk for u in units]},
        )
    return group


def attach_to_directive(*, actor: User, directive: Directive, upload: Any) -> StoredFile:
    _require(can(actor, "directive.change", directive.issuing_unit))
    with transaction.atomic():
        stored = store_upload(actor=actor, upload=upload, allowed=DOCUMENT_TYPES | IMAGE_TYPES)
        directive.attachments.add(stored)
        record_change(
            actor=actor,
            action="attach",
            obj=directive,
            unit_path=directive.issuing_unit.path,
            after={"file": stored.name, "sha256": stored.sha256},
        )
    return stored
