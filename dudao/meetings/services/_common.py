"""Helpers shared by the meeting services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction

from dudao.accounts.models import User
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment

M = TypeVar("M", bound=models.Model)
MAX_KEY = 40


def acting_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None:
        raise Forbidden()
    return assignment.unit


def clean_text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def belongs_to(person: User | None, unit: OrgUnit) -> bool:
    """A person belongs to a unit when their home unit lies in its subtree (a 科室's staff belong to the bureau)."""
    return bool(
        person is not None
        and person.is_active
        and person.unit_id is not None
        and OrgUnit.objects.filter(pk=person.unit_id, path__under=unit.path).exists()
    )


def clean_key(key: str | None) -> str:
    return (key or "").strip()[:MAX_KEY]


def once(model: type[M], key: str, create: Callable[[], M], **owner: object) -> M:
    """Create at most one row per (owner, form key): a form sent twice answers the row the first send made.

    The lookup runs first; the unique constraint settles two sends that race past it (the savepoint keeps the
    outer transaction usable)."""
    if key:
        found = model._default_manager.filter(submit_key=key, **owner).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return create()
        except IntegrityError:
            found = model._default_manager.filter(submit_key=key, **owner).first()
            if found is None:
                raise
            return found
    return create()
