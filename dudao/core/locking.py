"""Optimistic locking for services: lock the row, refuse a stale version, save the change with the next version."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from django.db import models

from dudao.core.errors import check_version

M = TypeVar("M", bound=models.Model)


class Versioned(Protocol):
    version: int

    def save(self, *args: Any, **kwargs: Any) -> None: ...


def locked(rows: models.Manager[M] | models.QuerySet[M], pk: Any, version: int | None) -> M:
    """Row `pk` re-read and locked until the transaction ends; `StaleEditError` (409) unless `version` is still its
    current one (`None`: not checked).

    Only the row itself is locked (`of=self`): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join
    that `select_related` makes of a nullable foreign key."""
    fresh = rows.select_for_update(of=("self",)).get(pk=pk)
    check_version(fresh, version)
    return fresh


def bump(obj: Versioned, fields: Iterable[str]) -> None:
    """Save the changed `fields` with the next version, so that a form rendered before this change is stale."""
    obj.version += 1
    obj.save(update_fields=[*fields, "version"])
