"""State changes of directives, forms and submissions. One use case per function, one transaction each,
permission checked inside, an audit event written inside."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.audit.services import Entry, append, record_change
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.core.models import StoredFile
from dudao.directives import schema as form_schema
from dudao.directives.models import (
    Approval,
    Directive,
    DirectiveStatus,
    DirectiveTarget,
    FieldType,
    Form,
    FormVersion,
    Period,
    Recurrence,
    Reminder,
    ReminderKind,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    SubmissionValue,
    TargetGroup,
    TargetMode,
)
from dudao.orgs.models import OrgUnit, SchoolType, UnitKind
from dudao.orgs.scoping import acting_assignment, can

LOCAL = ZoneInfo(settings.TIME_ZONE)
APPROVAL_KINDS = (UnitKind.SCHOOL, UnitKind.DISTRICT, UnitKind.BUREAU)
SUBMITTED = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
EDITABLE = (SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
DIRECTIVE_FIELDS = ["title", "deadline", "allow_late", "approval_kinds", "recurrence", "status"]


def _require(condition: bool, message: str = "您没有执行此操作的权限") -> None:
    if not condition:
        raise Forbidden(message)


def _acting_unit(actor: Any) -> OrgUnit:
    assignment = acting_assignment(actor)
    _require(assignment is not None)
    assert assignment is not None
    return assignment.unit


def _check_version(obj: Any, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise StaleEditError()


def _under(unit: OrgUnit, ancestor: OrgUnit) -> bool:
    return bool(unit.path.startswith(ancestor.path))


# ----- forms ------------------------------------------------------------------------------------


def create_form(*, actor: Any, name: str, description: str = "", schema: Any = None, is_template: bool = False) -> Form:
    unit = _acting_unit(actor)
    _require(can(actor, "form.change", unit))
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写表单名称", code="form_name_required")
    clean = form_schema.check_schema(schema or {"fields": []})
    with transaction.atomic():
        form = Form.objects.create(
            name=name[:100],
            description=description,
            unit=unit,
            draft_schema=clean,
            created_by=actor,
            is_template=is_template,
        )
        record_change(actor=actor, action="create", obj=form, unit_path=unit.path, after={"name": form.name})
    return form


def update_form_schema(*, actor: Any, form: Form, schema: Any, version: int | None) -> Form:
    """Replace the draft (unpublished) schema; submissions keep the version they were filled on."""
    _require(can(actor, "form.change", form.unit))
    clean = form_schema.check_schema(schema)
    with transaction.atomic():
        form = Form.objects.select_for_update().get(pk=form.pk)
        _check_version(form, version)
        before = {"fields": [f["key"] for f in form.draft_schema.get("fields", [])]}
        form.draft_schema = clean
        form.version += 1
        form.updated_at = timezone.now()
        form.save(update_fields=["draft_schema", "version", "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=form,
            unit_path=form.unit.path,
            before=before,
            after={"fields": [f["key"] for f in clean["fields"]]},
        )
    return form


def publish_form(*, actor: Any, form: Form) -> FormVersion:
    _require(can(actor, "form.change", form.unit))
    clean = form_schema.check_schema(form.draft_schema)
    if not clean["fields"]:
        raise DomainError("表单还没有字段，不能发布", code="form_empty")
    with transaction.atomic():
        form = Form.objects.select_for_update().get(pk=form.pk)
        latest = form.versions.order_by("-number").first()
        if latest is not None and latest.schema == clean:
            return latest
        version = FormVersion.objects.create(
            form=form, number=(latest.number + 1) if latest else 1, schema=clean, created_by=actor
        )
        record_change(
            actor=actor, action="publish", obj=form, unit_path=form.unit.path, after={"number": version.number}
        )
    return version


# ----- directives -------------------------------------------------------------------------------


def resolve_targets(*, issuer: OrgUnit, spec: dict[str, Any]) -> list[OrgUnit]:
    """The open units a target specification names, all strictly inside the issuer's subtree."""
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
        ids = [int(i) for i in spec.get("units") or []]
        qs = inside.filter(pk__in=ids)
        if qs.count() != len(set(ids)):
            raise DomainError("所选单位中有的不在本单位管辖范围内或已撤销", code="target_out_of_scope")
    elif mode == TargetMode.GROUP:
        group = TargetGroup.objects.filter(pk=int(spec.get("group") or 0), unit=issuer).first()
        if group is None:
            raise DomainError("找不到所选的常用分组", code="target_group_missing")
        qs = inside.filter(pk__in=group.members.values("pk"))
    else:
        raise DomainError("请选择下发对象", code="target_mode_invalid")
    units = list(qs.exclude(kind__in=[UnitKind.OFFICE, UnitKind.GRADE, UnitKind.CLASS]).order_by("path"))
    if not units:
        raise DomainError("按所选条件没有找到下发对象", code="targets_empty")
    return units


def _clean_approval_kinds(kinds: Iterable[str]) -> list[str]:
    return [k for k in APPROVAL_KINDS if k in set(kinds or [])]


def create_directive(
    *,
    actor: Any,
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
    title = (title or "").strip()
    if not title:
        raise DomainError("请填写标题", code="title_required")
    if timezone.is_naive(deadline):
        deadline = deadline.replace(tzinfo=LOCAL)
    if recurrence not in Recurrence.values:
        raise DomainError("重复方式不正确", code="recurrence_invalid")
    if recurrence != Recurrence.NONE and repeat_until is None:
        raise DomainError("重复报送需要填写重复截止日期", code="repeat_until_required")
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


def issue_directive(*, actor: Any, directive: Directive) -> Directive:
    _require(can(actor, "directive.change", directive.issuing_unit))
    with transaction.atomic():
        directive = Directive.objects.select_for_update().get(pk=directive.pk)
        if directive.status != DirectiveStatus.DRAFT:
            raise DomainError("该通知已下发", code="already_issued", status=409)
        _issue(actor, directive)
    return directive


def _issue(actor: Any, directive: Directive) -> None:
    if directive.deadline <= timezone.now() and not directive.allow_late and directive.recurrence == Recurrence.NONE:
        raise DomainError("截止时间已过，不能下发", code="deadline_passed")
    directive.status = DirectiveStatus.ISSUED
    directive.issued_at = timezone.now()
    directive.version += 1
    directive.save(update_fields=["status", "issued_at", "version"])
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
    actor: Any,
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


def close_directive(*, actor: Any, directive: Directive) -> Directive:
    _require(can(actor, "directive.change", directive.issuing_unit))
    with transaction.atomic():
        directive = Directive.objects.select_for_update().get(pk=directive.pk)
        if directive.status != DirectiveStatus.ISSUED:
            raise DomainError("只有已下发的通知可以结束", code="not_issued", status=409)
        directive.status = DirectiveStatus.CLOSED
        directive.version += 1
        directive.save(update_fields=["status", "version"])
        record_change(
            actor=actor,
            action="close",
            obj=directive,
            unit_path=directive.issuing_unit.path,
            after={"status": directive.status},
        )
    return directive


def acknowledge(*, actor: Any, target: DirectiveTarget) -> DirectiveTarget:
    """签收: the target unit confirms it received the directive."""
    _require(can(actor, "directive.acknowledge", target.unit))
    unit = _acting_unit(actor)
    if unit.pk != target.unit_id:
        raise Forbidden("只有收文单位本身可以签收")
    with transaction.atomic():
        target = DirectiveTarget.objects.select_for_update().get(pk=target.pk)
        if target.acknowledged_at is not None:
            return target
        target.acknowledged_at, target.acknowledged_by = timezone.now(), actor
        target.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_change(
            actor=actor,
            action="acknowledge",
            obj=target.directive,
            unit_path=target.unit.path,
            after={"unit": target.unit_id},
        )
    return target


def save_group(*, actor: Any, name: str, units: list[OrgUnit]) -> TargetGroup:
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


# ----- submissions ------------------------------------------------------------------------------


def _chain_paths(submission: Submission) -> list[str]:
    issuer_path = submission.directive.issuing_unit.path
    path = submission.unit.path
    return [path[:i] for i in range(len(issuer_path), len(path) + 1, OrgUnit.steplen)]


def _chain_from(submission: Submission, units: dict[str, OrgUnit]) -> list[OrgUnit]:
    kinds = set(submission.directive.approval_kinds or [])
    issuer_path = submission.directive.issuing_unit.path
    return [
        units[p]
        for p in reversed(_chain_paths(submission))
        if p in units and (p == issuer_path or units[p].kind in kinds)
    ]


def approval_chains(submissions: Iterable[Submission]) -> dict[int, list[OrgUnit]]:
    """Who approves each submission, bottom-up: the submitting unit and its ancestors whose kind the directive
    names, ending with the issuing unit. One query for any number of submissions."""
    submissions = list(submissions)
    paths = {p for s in submissions for p in _chain_paths(s)}
    units = {u.path: u for u in OrgUnit.objects.filter(path__in=paths)} if paths else {}
    return {s.pk: _chain_from(s, units) for s in submissions}


def approval_chain(submission: Submission) -> list[OrgUnit]:
    return approval_chains([submission])[submission.pk]


def _family_ids(directive: Directive) -> list[int]:
    """The directive and every directive that forwards it, at any depth."""
    ids, frontier = [directive.pk], [directive.pk]
    while frontier:
        frontier = list(Directive.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def _cascaded_children(submission: Submission) -> list[Submission]:
    """Reports of the schools a district forwarded this directive to, for the same period."""
    children = Directive.objects.filter(parent=submission.directive, issuing_unit=submission.unit)
    return list(
        Submission.objects.filter(period__directive__in=children, period__index=submission.period.index)
        .select_related("unit")
        .order_by("unit__path")
    )


def is_aggregated(submission: Submission) -> bool:
    return Directive.objects.filter(parent=submission.directive, issuing_unit=submission.unit).exists()


def aggregate_values(schema: dict[str, Any], children: list[Submission]) -> dict[str, Any]:
    """Numbers summed and table rows listed from the children's reports (submitted or approved only)."""
    result: dict[str, Any] = {}
    done = [c for c in children if c.status in SUBMITTED]
    for field in form_schema.fields_of(schema):
        key = field["key"]
        if field["type"] in form_schema.NUMERIC:
            total = sum(
                c.values.get(key)
                for c in done
                if isinstance(c.values.get(key), int | float) and not isinstance(c.values.get(key), bool)
            )
            result[key] = int(total) if field["type"] == FieldType.INTEGER else float(total)
        elif field["type"] == FieldType.TABLE:
            result[key] = [row for c in done for row in c.values.get(key) or []]
    return result


def _schema(submission: Submission) -> dict[str, Any]:
    return submission.form_version.schema if submission.form_version else {"fields": []}


def _event(submission: Submission, actor: Any, action: str, *, comment: str = "", changes: Any = None) -> None:
    unit = acting_assignment(actor)
    SubmissionEvent.objects.create(
        submission=submission,
        action=action,
        actor=actor,
        unit_name=unit.unit.name if unit else "",
        comment=comment,
        changes=changes or {},
    )
    record_change(
        actor=actor,
        action=action,
        obj=submission,
        unit_path=submission.unit.path,
        after={
            "status": submission.status,
            "approved_levels": submission.approved_levels,
            "comment": comment,
            **({"changed": changes} if changes else {}),
        },
    )


def _changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _lock(submission: Submission) -> Submission:
    return (
        # Lock the submission row only: the form version is an outer join PostgreSQL cannot lock.
        Submission.objects.select_for_update(of=("self",))
        .select_related("directive__issuing_unit", "period", "unit", "form_version")
        .get(pk=submission.pk)
    )


def _check_fill(actor: Any, submission: Submission) -> None:
    _require(can(actor, "submission.change", submission.unit), "您不能填报该单位的报送")
    if submission.directive.status != DirectiveStatus.ISSUED:
        raise DomainError("该通知已结束，不能再填报", code="directive_closed", status=409)


def save_draft(*, actor: Any, submission: Submission, values: dict[str, Any], version: int | None) -> Submission:
    """Autosave: keep what was typed (even if not yet valid); required fields and rules wait for submit."""
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission)
        _check_version(submission, version)
        if submission.status not in EDITABLE:
            raise DomainError("已报送的数据已锁定；如需修改请先撤回或等待退回", code="submission_locked", status=409)
        clean, _ = form_schema.clean_values(_schema(submission), values, strict=False)
        if is_aggregated(submission):
            clean.update(aggregate_values(_schema(submission), _cascaded_children(submission)))
        changed = _changed_keys(submission.values, clean)
        submission.values = clean
        if submission.status == SubmissionStatus.PENDING:
            submission.status = SubmissionStatus.DRAFT
        submission.version += 1
        submission.updated_at, submission.updated_by = timezone.now(), actor
        submission.save(update_fields=["values", "status", "version", "updated_at", "updated_by"])
        if changed:
            _event(submission, actor, "save", changes=changed)
    return submission


def field_errors(submission: Submission) -> list[form_schema.FieldError]:
    return form_schema.clean_values(_schema(submission), submission.values, strict=True)[1]


def submit(
    *, actor: Any, submission: Submission, values: dict[str, Any] | None = None, version: int | None = None
) -> Submission:
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission)
        _check_version(submission, version)
        if submission.status not in EDITABLE:
            raise DomainError("该报送已提交，不能重复报送", code="already_submitted", status=409)
        now = timezone.now()
        late = now > submission.period.deadline
        if late and not submission.directive.allow_late:
            raise DomainError("已过截止时间，本通知不接受逾期报送，请联系发文单位", code="deadline_passed", status=409)
        schema = _schema(submission)
        raw = submission.values if values is None else values
        if is_aggregated(submission):
            children = _cascaded_children(submission)
            raw = {**raw, **aggregate_values(schema, children)}
        clean, errors = form_schema.clean_values(schema, raw, strict=True)
        if errors:
            raise DomainError("；".join(e.message for e in errors[:5]), code="values_invalid")
        changed = _changed_keys(submission.values, clean)
        submission.values = clean
        submission.status = SubmissionStatus.SUBMITTED
        submission.is_late = late
        submission.submitted_at, submission.submitted_by = now, actor
        submission.version += 1
        submission.updated_at, submission.updated_by = now, actor
        submission.save()
        _store_numbers(submission, schema)
        # Reporting is proof of receipt: a unit that submits has acknowledged (签收) the directive.
        DirectiveTarget.objects.filter(pk=submission.target_id, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        _event(submission, actor, "submit", changes=changed)
    return submission


def _store_numbers(submission: Submission, schema: dict[str, Any]) -> None:
    SubmissionValue.objects.filter(submission=submission).delete()
    SubmissionValue.objects.bulk_create(
        [
            SubmissionValue(
                submission=submission,
                period_id=submission.period_id,
                unit_path=submission.unit.path,
                field_key=key,
                number=number,
            )
            for key, number in form_schema.numbers(schema, submission.values).items()
        ]
    )


def withdraw(*, actor: Any, submission: Submission) -> Submission:
    """The unit takes its report back, allowed until the first approval."""
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission)
        if submission.status != SubmissionStatus.SUBMITTED or submission.approved_levels > 0:
            raise DomainError(
                "已开始审核的报送不能撤回，请联系审核单位退回", code="withdraw_after_approval", status=409
            )
        submission.status = SubmissionStatus.DRAFT
        submission.version += 1
        submission.updated_at, submission.updated_by = timezone.now(), actor
        submission.save(update_fields=["status", "version", "updated_at", "updated_by"])
        SubmissionValue.objects.filter(submission=submission).delete()
        _event(submission, actor, "withdraw")
    return submission


def _unapproved_below(submission: Submission) -> list[str]:
    """Names of units under this one whose reports (here or in forwarded directives) are not fully approved."""
    family = _family_ids(submission.directive)
    pending = (
        Submission.objects.filter(
            period__directive_id__in=family,
            period__index=submission.period.index,
            unit__path__under=submission.unit.path,
        )
        .exclude(unit_id=submission.unit_id)
        .exclude(status=SubmissionStatus.APPROVED)
        .exclude(unit__is_closed=True, status=SubmissionStatus.PENDING)
    )
    return list(pending.order_by("unit__path").values_list("unit__name", flat=True)[:6])


def _ancestor_report_locked(submission: Submission) -> bool:
    """A report forwarded upwards (a district's aggregate) that has been approved locks the data under it."""
    parent = submission.directive.parent
    if parent is None:
        return False
    return Submission.objects.filter(
        period__directive=parent,
        period__index=submission.period.index,
        unit=submission.directive.issuing_unit,
        approved_levels__gt=0,
    ).exists()


def approve(*, actor: Any, submission: Submission) -> Submission:
    with transaction.atomic():
        submission = _lock(submission)
        _require(can(actor, "submission.approve", submission.unit), "您不能审核该单位的报送")
        if submission.status != SubmissionStatus.SUBMITTED:
            raise DomainError(
                f"只有已报送、待审核的数据可以审核（当前：{submission.get_status_display()}）",
                code="not_awaiting_approval",
                status=409,
            )
        chain = approval_chain(submission)
        level = submission.approved_levels
        approver = chain[level]
        if _acting_unit(actor).pk != approver.pk:
            raise Forbidden(f"当前应由“{approver.name}”审核（第 {level + 1} 级，共 {len(chain)} 级）")
        waiting = _unapproved_below(submission)
        if waiting:
            raise DomainError(
                "下级单位的报送尚未全部审核通过，不能审核："
                + "、".join(waiting[:5])
                + ("等" if len(waiting) > 5 else ""),
                code="children_not_approved",
                status=409,
            )
        Approval.objects.create(submission=submission, level=level + 1, unit=approver, approved_by=actor)
        submission.approved_levels = level + 1
        if submission.approved_levels >= len(chain):
            submission.status = SubmissionStatus.APPROVED
        submission.version += 1
        submission.updated_at = timezone.now()
        submission.save(update_fields=["approved_levels", "status", "version", "updated_at"])
        _event(submission, actor, "approve", changes=[f"level {level + 1}"])
    return submission


def return_submission(*, actor: Any, submission: Submission, comment: str) -> Submission:
    """退回: a level of the chain sends the report back to the unit with a comment; all approvals are undone."""
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("退回时请填写退回意见", code="comment_required")
    with transaction.atomic():
        submission = _lock(submission)
        _require(can(actor, "submission.approve", submission.unit), "您不能退回该单位的报送")
        if submission.status not in SUBMITTED:
            raise DomainError("只有已报送的数据可以退回", code="not_submitted", status=409)
        chain = approval_chain(submission)
        unit = _acting_unit(actor)
        levels = [i for i, u in enumerate(chain) if u.pk == unit.pk]
        if not levels:
            raise Forbidden("本单位不在该报送的审核链上")
        if submission.approved_levels > levels[0] + 1:
            raise DomainError("上级已审核通过，需由上级退回", code="approved_above", status=409)
        if _ancestor_report_locked(submission):
            raise DomainError("上级单位的汇总报送已审核，需先退回汇总报送", code="aggregate_locked", status=409)
        Approval.objects.filter(submission=submission).delete()
        submission.approved_levels = 0
        submission.status = SubmissionStatus.RETURNED
        submission.version += 1
        submission.updated_at = timezone.now()
        submission.save(update_fields=["approved_levels", "status", "version", "updated_at"])
        SubmissionValue.objects.filter(submission=submission).delete()
        _event(submission, actor, "return", comment=comment[:1000])
    return submission


def bulk_approve(*, actor: Any, submissions: Iterable[Submission]) -> tuple[int, list[str]]:
    """Approve each report the actor's level may approve now; the others are named with the reason."""
    approved, refused = 0, []
    for submission in submissions:
        try:
            approve(actor=actor, submission=submission)
        except DomainError as exc:
            refused.append(f"{submission.unit.name}：{exc.message}")
        else:
            approved += 1
    return approved, refused


# ----- reminders --------------------------------------------------------------------------------


def remind_missing(*, actor: Any, period: Period) -> int:
    """催报: one click, one reminder to every unit that has not submitted this period."""
    directive = period.directive
    _require(can(actor, "directive.change", directive.issuing_unit))
    missing = list(
        Submission.objects.filter(period=period, status__in=EDITABLE, unit__is_closed=False).select_related("unit")
    )
    today = timezone.localdate()
    deadline = period.deadline.astimezone(LOCAL)
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    unit=s.unit,
                    period=period,
                    kind=ReminderKind.MANUAL,
                    day=today,
                    created_by=actor,
                    message=f"请尽快报送《{directive.title}》（{period.label}），截止时间 {deadline:%m月%d日 %H:%M}",
                )
                for s in missing
            ]
        )
        append(
            actor=actor,
            entries=[
                Entry(
                    action="remind",
                    obj=directive,
                    unit_path=directive.issuing_unit.path,
                    changes={"period": period.pk, "units": len(missing)},
                )
            ],
        )
    return len(missing)


def send_scheduled_reminders(*, now: dt.datetime | None = None) -> int:
    """T-2, T-1 and due-day reminders to units that have not submitted; safe to run many times a day."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL).date()
    created = 0
    kinds = {2: ReminderKind.T_MINUS_2, 1: ReminderKind.T_MINUS_1, 0: ReminderKind.DUE}
    start = dt.datetime.combine(today, dt.time.min, tzinfo=LOCAL)
    periods = Period.objects.filter(
        directive__status=DirectiveStatus.ISSUED, deadline__gte=start, deadline__lt=start + dt.timedelta(days=3)
    ).select_related("directive")
    for period in periods:
        days_left = (period.deadline.astimezone(LOCAL).date() - today).days
        kind = kinds.get(days_left)
        if kind is None:
            continue
        missing = Submission.objects.filter(period=period, status__in=EDITABLE, unit__is_closed=False)
        deadline = period.deadline.astimezone(LOCAL)
        rows = [
            Reminder(
                unit_id=unit_id,
                period=period,
                kind=kind,
                day=today,
                message=f"《{period.directive.title}》（{period.label}）将于 {deadline:%m月%d日 %H:%M} 截止，"
                "请按时报送",
            )
            for unit_id in missing.values_list("unit_id", flat=True)
        ]
        before = Reminder.objects.filter(period=period, kind=kind, day=today).count()
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        sent = Reminder.objects.filter(period=period, kind=kind, day=today).count() - before
        if sent:
            append(
                actor=None,
                entries=[
                    Entry(
                        action=f"remind_{kind}",
                        obj=period.directive,
                        unit_path=period.directive.issuing_unit.path,
                        changes={"period": period.pk, "units": sent},
                    )
                ],
            )
        created += sent
    return created


def send_overdue_digest(*, now: dt.datetime | None = None) -> int:
    """Daily: one reminder per unit listing every report it owes that is past its deadline."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL).date()
    overdue = (
        Submission.objects.filter(
            status__in=EDITABLE,
            period__deadline__lt=now,
            directive__status=DirectiveStatus.ISSUED,
            unit__is_closed=False,
        )
        .values_list("unit_id", "directive__title", "period__label")
        .order_by("unit_id", "directive__title")
    )
    # One digest per unit and day: NULL periods escape the unique constraint, so check first.
    already = set(Reminder.objects.filter(kind=ReminderKind.DIGEST, day=today).values_list("unit_id", flat=True))
    by_unit: dict[int, list[str]] = {}
    for unit_id, title, label in overdue:
        by_unit.setdefault(unit_id, []).append(f"《{title}》（{label}）")
    rows = [
        Reminder(
            unit_id=unit_id,
            period=None,
            kind=ReminderKind.DIGEST,
            day=today,
            message=f"以下 {len(items)} 项报送已逾期：" + "、".join(items[:20]),
        )
        for unit_id, items in by_unit.items()
        if unit_id not in already
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows)
        if rows:
            append(
                actor=None,
                entries=[
                    Entry(
                        action="overdue_digest",
                        object_type="directives.reminder",
                        object_repr=f"{today} 逾期汇总",
                        changes={"units": len(rows)},
                    )
                ],
            )
    return len(rows)


def open_due_periods(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    opened = 0
    for directive in Directive.objects.filter(status=DirectiveStatus.ISSUED).exclude(recurrence=Recurrence.NONE):
        with transaction.atomic():
            count = open_periods(directive=directive, today=today)
            if count:
                append(
                    actor=None,
                    entries=[
                        Entry(
                            action="open_period",
                            obj=directive,
                            unit_path=directive.issuing_unit.path,
                            changes={"periods": count},
                        )
                    ],
                )
            opened += count
    return opened


# ----- attachments ------------------------------------------------------------------------------


def attach_to_directive(*, actor: Any, directive: Directive, upload: Any) -> StoredFile:
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


def attach_to_submission(*, actor: Any, submission: Submission, upload: Any, field_key: str = "") -> StoredFile:
    """Keep a file with a report (for a file field of the form, or as a general attachment)."""
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission)
        if submission.status not in EDITABLE:
            raise DomainError("已报送的数据已锁定，不能再添加附件", code="submission_locked", status=409)
        fields = {f["key"]: f for f in form_schema.fields_of(_schema(submission))}
        if field_key and fields.get(field_key, {}).get("type") != FieldType.FILE:
            raise DomainError("该字段不是附件字段", code="not_a_file_field")
        stored = store_upload(actor=actor, upload=upload, allowed=DOCUMENT_TYPES | IMAGE_TYPES)
        submission.attachments.add(stored)
        if field_key:
            submission.values = {**submission.values, field_key: stored.pk}
        if submission.status == SubmissionStatus.PENDING:
            submission.status = SubmissionStatus.DRAFT
        submission.version += 1
        submission.updated_at, submission.updated_by = timezone.now(), actor
        submission.save(update_fields=["values", "status", "version", "updated_at", "updated_by"])
        _event(submission, actor, "attach", changes=[stored.name])
    return stored
