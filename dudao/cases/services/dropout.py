"""The 控辍保学 register entry of a dropout case: reason, 区乡村三级联动 contacts, result of persuasion."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dudao.accounts.models import User
from dudao.audit.services import snapshot
from dudao.cases.models import DROPOUT_SETTLED, CaseFile, CaseKind, DropoutReason, DropoutResult
from dudao.cases.services._common import (
    CASE_FIELDS,
    _locked,
    _record_case_change,
    _require_open,
    _require_writer,
    _save,
    clean_text,
    refuse_future,
)
from dudao.core.errors import DomainError


def update_dropout(
    *,
    actor: User,
    case: CaseFile,
    version: int | None,
    result: str,
    reason: str = "",
    out_since: dt.date | None = None,
    returned_on: dt.date | None = None,
    teacher_contact: str = "",
    cadre_contact: str = "",
    township_contact: str = "",
    village_contact: str = "",
) -> CaseFile:
    """The register entry: reason, 区乡村三级联动 contacts, and the result of persuasion."""
    if result not in DropoutResult.values:
        raise DomainError("请选择劝返结果", code="bad_result")
    if reason and reason not in DropoutReason.values:
        raise DomainError("辍学原因不正确", code="bad_reason")
    refuse_future(out_since, "离校日期")
    refuse_future(returned_on, "返校/安置日期")
    if result in DROPOUT_SETTLED and returned_on is None:
        raise DomainError("请填写返校、送教上门或转学的日期", code="returned_on_required")
    contacts = [
        clean_text(c, "联系人", required=False, limit=80)
        for c in (teacher_contact, cadre_contact, township_contact, village_contact)
    ]
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        if case.kind != CaseKind.DROPOUT:
            raise DomainError("只有控辍保学个案有劝返登记", code="not_dropout")
        if result == DropoutResult.TRANSFERRED and not case.attachments.exists():
            raise DomainError("转学须先上传转学证明（附件）", code="transfer_proof_required")
        before = snapshot(case, CASE_FIELDS)
        case.dropout_result = result
        case.dropout_reason = reason or case.dropout_reason
        case.out_since = out_since or case.out_since
        case.returned_on = returned_on if result in DROPOUT_SETTLED else None
        case.teacher_contact, case.cadre_contact, case.township_contact, case.village_contact = contacts
        _save(
            case,
            [
                "dropout_result",
                "dropout_reason",
                "out_since",
                "returned_on",
                "teacher_contact",
                "cadre_contact",
                "township_contact",
                "village_contact",
            ],
        )
        _record_case_change(actor, case, action="dropout_update", before=before)
    return case
