"""Submissions: drafts, submit, withdraw, the approval chain, approve, return, bulk approve, attachments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.core.locking import bump, locked
from dudao.core.models import StoredFile
from dudao.directives import plausibility
from dudao.directives import schema as form_schema
from dudao.directives.models import (
    Approval,
    Directive,
    DirectiveStatus,
    DirectiveTarget,
    FieldType,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    SubmissionValue,
)
from dudao.directives.services._common import (
    EDITABLE,
    SUBMITTED,
    _acting_unit,
    _require,
)
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can


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


def current_aggregate(submission: Submission) -> dict[str, Any]:
    """What the forwarded schools' reports add up to now (shown before the district saves or submits)."""
    return aggregate_values(_schema(submission), _cascaded_children(submission))


def _schema(submission: Submission) -> dict[str, Any]:
    return submission.form_version.schema if submission.form_version else {"fields": []}


def _event(submission: Submission, actor: User, action: str, *, comment: str = "", changes: Any = None) -> None:
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
    """Keys whose value changed; an empty list, empty text and no value are the same (nothing filled)."""

    def plain(value: Any) -> Any:
        return None if value in ("", [], None) else value

    return sorted(k for k in set(before) | set(after) if plain(before.get(k)) != plain(after.get(k)))


def _lock(submission: Submission, version: int | None = None) -> Submission:
    related = Submission.objects.select_related("directive__issuing_unit", "period", "unit", "form_version")
    return locked(related, submission.pk, version)


def _check_fill(actor: User, submission: Submission) -> None:
    _require(can(actor, "submission.change", submission.unit), "您不能填报该单位的报送")
    if submission.directive.status == DirectiveStatus.WITHDRAWN:
        raise DomainError("该通知已被发文单位撤回，不需要再填报", code="directive_withdrawn", status=409)
    if submission.directive.status != DirectiveStatus.ISSUED:
        raise DomainError("该通知已结束，不能再填报", code="directive_closed", status=409)


def reference_choices(submission: Submission) -> dict[str, Any]:
    """What a person, school or file field of this report may point at: people of the reporting unit, schools
    under the issuing unit, files attached to this report. The fill page offers exactly these."""
    return {
        FieldType.PERSON: User.objects.filter(unit__path__under=submission.unit.path, is_active=True),
        FieldType.SCHOOL: OrgUnit.objects.filter(
            path__under=submission.directive.issuing_unit.path, kind=UnitKind.SCHOOL, is_closed=False
        ),
        FieldType.FILE: submission.attachments.all(),
    }


def _check_references(submission: Submission, schema: dict[str, Any], values: dict[str, Any]) -> None:
    choices = None
    for field in form_schema.fields_of(schema):
        kind, value = field["type"], values.get(field["key"])
        if kind not in (FieldType.PERSON, FieldType.SCHOOL, FieldType.FILE) or value in (None, ""):
            continue
        choices = choices or reference_choices(submission)
        if not isinstance(value, int) or not choices[kind].filter(pk=value).exists():
            label = field.get("label") or field["key"]
            raise DomainError(f"“{label}”的选择不在可选范围内，请重新选择", code="reference_invalid")


def save_draft(*, actor: User, submission: Submission, values: dict[str, Any], version: int | None) -> Submission:
    """Autosave: keep what was typed (even if not yet valid); required fields and rules wait for submit."""
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission, version)
        if submission.status not in EDITABLE:
            raise DomainError("已报送的数据已锁定；如需修改请先撤回或等待退回", code="submission_locked", status=409)
        clean, _ = form_schema.clean_values(_schema(submission), values, strict=False)
        _check_references(submission, _schema(submission), clean)
        if is_aggregated(submission):
            clean.update(aggregate_values(_schema(submission), _cascaded_children(submission)))
        changed = _changed_keys(submission.values, clean)
        submission.values = clean
        if submission.status == SubmissionStatus.PENDING:
            submission.status = SubmissionStatus.DRAFT
        submission.updated_at, submission.updated_by = timezone.now(), actor
        bump(submission, ["values", "status", "updated_at", "updated_by"])
        if changed:
            _event(submission, actor, "save", changes=changed)
    return submission


def field_errors(submission: Submission) -> list[form_schema.FieldError]:
    return form_schema.clean_values(_schema(submission), submission.values, strict=True)[1]


def submit(
    *, actor: User, submission: Submission, values: dict[str, Any] | None = None, version: int | None = None
) -> Submission:
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission, version)
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
        _check_references(submission, schema, clean)
        changed = _changed_keys(submission.values, clean)
        submission.values = clean
        submission.status = SubmissionStatus.SUBMITTED
        submission.is_late = late
        submission.submitted_at, submission.submitted_by = now, actor
        submission.version += 1
        submission.updated_at, submission.updated_by = now, actor
        submission.save()
        _store_numbers(submission, schema)
        plausibility.refresh(submission, schema)
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


def withdraw(*, actor: User, submission: Submission) -> Submission:
    """The unit takes its report back, allowed until the first approval."""
    _check_fill(actor, submission)
    with transaction.atomic():
        submission = _lock(submission)
        if submission.status != SubmissionStatus.SUBMITTED or submission.approved_levels > 0:
            raise DomainError(
                "已开始审核的报送不能撤回，请联系审核单位退回", code="withdraw_after_approval", status=409
            )
        submission.status = SubmissionStatus.DRAFT
        submission.updated_at, submission.updated_by = timezone.now(), actor
        bump(submission, ["status", "updated_at", "updated_by"])
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


def _acknowledge_flags(actor: User, submission: Submission, acknowledge: Iterable[int]) -> None:
    """Record 已核实 for the ticked flags, then refuse while any flag stays unchecked (names the first few)."""
    ids = {int(pk) for pk in acknowledge}
    flags = plausibility.open_flags(submission)
    now = timezone.now()
    ticked = [f for f in flags if f.pk in ids]
    for flag in ticked:
        flag.acknowledged_at, flag.acknowledged_by = now, actor
        flag.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_change(
            actor=actor,
            action="acknowledge_flag",
            obj=submission,
            unit_path=submission.unit.path,
            before={"flag": flag.pk, "field": flag.field_key, "acknowledged": False},
            after={"flag": flag.pk, "field": flag.field_key, "acknowledged": True, "explanation": flag.explanation},
        )
    if ticked:
        _event(submission, actor, "acknowledge", changes=[f.field_key for f in ticked])
    left = [f for f in flags if f.pk not in ids]
    if left:
        labels = list(dict.fromkeys(f.label for f in left))
        names = "、".join(f"“{label}”" for label in labels[:5]) + ("等" if len(labels) > 5 else "")
        raise DomainError(
            f"有 {len(left)} 处数据异常提示尚未核实（{names}）。请逐项核实后勾选“已核实”再审核通过，或退回修改",
            code="flags_unacknowledged",
            status=409,
        )


def approve(*, actor: User, submission: Submission, acknowledge: Iterable[int] = ()) -> Submission:
    """Approve one level. Flags (数据异常提示) still open must be among `acknowledge` (已核实), else refused."""
    with transaction.atomic():
        submission = _lock(submission)
        _require(can(actor, "submission.approve", submission.unit), "您不能审核该单位的报送")
        if submission.status != SubmissionStatus.SUBMITTED:
            raise DomainError(
                f"只有已报送、待审核的数据可以审核（当前：{submission.get_status_display()}）",
                code="not_awaiting_approval",
                status=409,
            )
        if submission.directive.status == DirectiveStatus.WITHDRAWN:
            raise DomainError("该通知已撤回，报送不再审核", code="directive_withdrawn", status=409)
        chain = approval_chain(submission)
        level = submission.approved_levels
        if level >= len(chain):
            raise DomainError(
                "该报送没有可审核的上级（单位可能已调整），请联系发文单位", code="no_approver", status=409
            )
        approver = chain[level]
        acting = _acting_unit(actor)
        if any(unit.pk == acting.pk for unit in chain[:level]):
            # The loser of a race between two approvers of one level: the same answer as every other race.
            raise DomainError(
                f"“{acting.name}”已审核通过该报送（可能是同事刚刚审核），请刷新查看",
                code="already_approved",
                status=409,
            )
        if acting.pk != approver.pk:
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
        if is_aggregated(submission):
            # The total was taken when the district submitted; schools approved since may have reported after.
            # What is approved (and locked) is the total of the reports approved below it now.
            schema = _schema(submission)
            fresh = {**submission.values, **aggregate_values(schema, _cascaded_children(submission))}
            changed = _changed_keys(submission.values, fresh)
            if changed:
                submission.values = fresh
                submission.save(update_fields=["values"])
                _store_numbers(submission, schema)
                _event(submission, actor, "aggregate_refresh", changes=changed)
        _acknowledge_flags(actor, submission, acknowledge)
        Approval.objects.create(submission=submission, level=level + 1, unit=approver, approved_by=actor)
        submission.approved_levels = level + 1
        if submission.approved_levels >= len(chain):
            submission.status = SubmissionStatus.APPROVED
        submission.updated_at = timezone.now()
        bump(submission, ["approved_levels", "status", "updated_at"])
        _event(submission, actor, "approve", changes=[f"level {level + 1}"])
    return submission


def return_submission(*, actor: User, submission: Submission, comment: str) -> Submission:
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
        submission.updated_at = timezone.now()
        bump(submission, ["approved_levels", "status", "updated_at"])
        SubmissionValue.objects.filter(submission=submission).delete()
        _event(submission, actor, "return", comment=comment[:1000])
    return submission


def bulk_approve(*, actor: User, submissions: Iterable[Submission]) -> tuple[int, list[str]]:
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


def attach_to_submission(*, actor: User, submission: Submission, upload: Any, field_key: str = "") -> StoredFile:
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
        submission.updated_at, submission.updated_by = timezone.now(), actor
        bump(submission, ["values", "status", "updated_at", "updated_by"])
        _event(submission, actor, "attach", changes=[stored.name])
    return stored
