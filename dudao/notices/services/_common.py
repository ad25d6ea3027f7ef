"""Helpers shared by the notice services."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from dudao.core.errors import DomainError
from dudao.notices.models import StudentFlag

FLAG_VALUES = {f.value for f in StudentFlag}
NOTICE_FIELDS = ["title", "status", "links_expire_at", "sent_at", "withdrawn_at"]


def _check_flags(flags: Iterable[str]) -> None:
    if set(flags) - FLAG_VALUES:
        raise DomainError("学生群体只能是留守儿童、困境儿童或住校生", code="flag_invalid")


def _any_of(conditions: Iterable[Q]) -> Q:
    """Matches any of the conditions; with none, an empty Q (falsy, and matching everything if used)."""
    where = Q()
    for condition in conditions:
        where |= condition
    return where
