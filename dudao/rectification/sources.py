"""The ledger's port to the app that records findings.

Every ledger item hangs on a finding (`RectificationItem.finding`). Findings, their photos and the rounds that
found them belong to `inspections`, which sits above the ledger: it creates items through
`services.create_items` (docs/design.md). So the ledger never imports inspections; inspections plugs a
`FindingSource` in from its AppConfig.ready(), and the ledger asks it (docs/architecture.md, "Layers").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit


class HandedOverFinding(Protocol):
    """A problem raised outside an inspection round: handed over by an outside inspection, a 巡视/审计 feedback,
    a complaint … (a row of the Excel intake or the ledger's form). `school` is the responsible unit, which may
    be a district bureau or an office."""

    school: OrgUnit
    category: str
    description: str
    severity: str  # "general" or "serious"
    due_limit: dt.date
    source: str  # who handed it over or where it came from; empty reads 外部移交


class FindingSource(Protocol):
    def rounds_for(self, user: User) -> QuerySet[Any]:
        """Inspection rounds the user may read: the round filter of the ledger and the board."""
        ...

    def record_handed_over(self, *, actor: User, findings: Sequence[HandedOverFinding]) -> list[Any]:
        """Saves handed-over problems as findings without a round, in order; the caller makes their items."""
        ...

    def self_check_rounds(self, round_ids: Collection[int]) -> set[int]:
        """Those of `round_ids` that are a school's own 自查 rounds: their findings are 自查 items."""
        ...

    def picture_uses(self, file_ids: Collection[int]) -> set[tuple[int, int | None]]:
        """(school, ledger item or None) for every finding or checklist photo among `file_ids`."""
        ...


_source: FindingSource | None = None


def plug(source: FindingSource) -> None:
    global _source
    _source = source


def finding_source() -> FindingSource:
    if _source is None:
        raise ImproperlyConfigured("No finding source is plugged in: dudao.inspections must be in INSTALLED_APPS.")
    return _source
