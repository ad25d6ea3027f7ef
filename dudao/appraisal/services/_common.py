"""Helpers shared by the appraisal services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from dudao.accounts.models import User
from dudao.appraisal.models import AppraisalScheme
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can


def text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def decimal(value: object, *, label: str, low: float | None = None, high: float | None = None) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}应为数字", code="not_a_number") from None
    if not number.is_finite() or (low is not None and number < Decimal(str(low))):
        raise DomainError(f"{label}不能小于 {low:g}", code="out_of_range")
    if high is not None and number > Decimal(str(high)):
        raise DomainError(f"{label}不能大于 {high:g}", code="out_of_range")
    return number


def acting_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None:
        raise Forbidden()
    return assignment.unit


def require_scheme_change(actor: User, scheme: AppraisalScheme) -> None:
    if not can(actor, "appraisal.change", scheme.unit):
        raise Forbidden("您无权修改此考评方案")


def require_editable(scheme: AppraisalScheme) -> None:
    if not scheme.is_editable:
        raise DomainError(
            f"“{scheme}”的成绩已冻结，方案不能再修改；如需调整，请“复制为新版本”后修改新版本",
            code="scheme_frozen",
            status=409,
        )
