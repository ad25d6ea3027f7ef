"""Helpers shared by the duty services."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.errors import DomainError, Forbidden
from dudao.duty.models import DutyShift
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment

ROSTER_UNIT_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)


def _acting_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None:
        raise Forbidden()
    return assignment.unit


def _text(value: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def is_duty_staff(person: User | None, unit: OrgUnit) -> bool:
    """Duty staff are the unit's own people: their home unit lies in the unit's subtree."""
    return bool(
        person is not None
        and person.is_active
        and person.unit_id is not None
        and OrgUnit.objects.filter(pk=person.unit_id, path__under=unit.path).exists()
    )


def overlapping_shifts(person_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> QuerySet[DutyShift]:
    return DutyShift.objects.filter(person_id=person_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
