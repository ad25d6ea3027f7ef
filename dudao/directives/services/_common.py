"""Helpers shared by the directive services."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings

from dudao.accounts.models import User
from dudao.core.errors import Forbidden
from dudao.directives.models import (
    SubmissionStatus,
)
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment

LOCAL = ZoneInfo(settings.TIME_ZONE)
APPROVAL_KINDS = (UnitKind.SCHOOL, UnitKind.DISTRICT, UnitKind.BUREAU)
SUBMITTED = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
EDITABLE = (SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def _require(condition: bool, message: str = "您没有执行此操作的权限") -> None:
    if not condition:
        raise Forbidden(message)


def _acting_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    _require(assignment is not None)
    assert assignment is not None
    return assignment.unit


def _under(unit: OrgUnit, ancestor: OrgUnit) -> bool:
    return bool(unit.path.startswith(ancestor.path))
