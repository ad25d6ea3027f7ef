"""Helpers shared by the case services: text and date checks, locking and saving a case, who may write, alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.cases.models import CaseAlert, CaseFile, CaseStatus
from dudao.cases.selectors import acting_school, may_write
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, RoleAssignment
from dudao.orgs.roles import Role

# Only non-confidential fields enter the audit trail: the trail is read by auditors with no right to the content.
CASE_FIELDS = [
    "kind",
    "source",
    "risk_level",
    "status",
    "counsellor",
    "class_teacher",
    "next_review_on",
    "follow_up_days",
    "dropout_reason",
    "dropout_result",
    "out_since",
    "returned_on",
]
MAX_TEXT = 20_000


def clean_text(value: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="text_required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="text_too_long")
    return value


def refuse_future(day: dt.date | None, label: str) -> None:
    if day is not None and day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天", code="date_in_future")


def _locked(case: CaseFile, version: int | None = None) -> CaseFile:
    return locked(CaseFile.objects.select_related("school", "student", "counsellor", "class_teacher"), case.pk, version)


def _save(case: CaseFile, fields: list[str]) -> None:
    case.updated_at = timezone.now()
    bump(case, [*fields, "updated_at"])


def _record_case_change(actor: User, case: CaseFile, *, action: str, before: dict[str, Any]) -> None:
    """The audit event of a change to a case: its audited fields before and after."""
    record_change(
        actor=actor,
        action=action,
        obj=case,
        unit_path=case.school.path,
        before=before,
        after=snapshot(case, CASE_FIELDS),
    )


def _require_writer(actor: User, case: CaseFile) -> None:
    if not may_write(actor, case):
        raise Forbidden("只有个案的负责教师、班主任或本校校长可以修改个案")


def _require_open(case: CaseFile) -> None:
    if case.status != CaseStatus.OPEN:
        raise DomainError("个案已结案，不能再修改", code="case_closed", status=409)


def _principals(school: OrgUnit) -> list[User]:
    ids = RoleAssignment.objects.filter(unit=school, role=Role.PRINCIPAL).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _alert(recipients: Iterable[User | None], *, case: CaseFile, kind: str, text: str) -> int:
    seen: set[int] = set()
    alerts = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        alerts.append(CaseAlert(recipient=user, case=case, kind=kind, text=text[:300]))
    CaseAlert.objects.bulk_create(alerts)
    return len(alerts)


def _decide_scope(actor: User, school_id: int) -> None:
    school = acting_school(actor)
    if school is None or school.pk != school_id:
        raise Forbidden("只能处理本校的建案建议")
